/**
 * Holds one process mid-rotation: the Nth port call it makes, or its first call of a
 * named port method (before that call takes effect, or after it took effect but before
 * the caller learns of it), waits until the test releases it, so other triggers can arrive at exactly that step.
 * A CrashInjector that never crashes, so processOver() composes it like any other.
 */
import { CrashInjector, type CrashMoment } from '../../support/fakes/crash-injector.js';

/** Which call to hold: the Nth port call, the first call of a method by name, or the first call a predicate picks. */
export type HoldAt = number | string | ((method: string, args: unknown[]) => boolean) | undefined;

export class PortGate extends CrashInjector {
  /** Port calls made so far; with no hold, a count of what one rotation costs. */
  portCalls = 0;
  readonly #holdAt: HoldAt;
  #held = false;
  readonly #moment: CrashMoment;
  #reached!: () => void;
  #release!: () => void;
  /** Settles once the held call is reached. */
  readonly reached: Promise<void>;
  readonly #released: Promise<void>;

  constructor(holdAt: HoldAt, moment: CrashMoment = 'before') {
    super(undefined);
    this.#holdAt = holdAt;
    this.#moment = moment;
    this.reached = new Promise<void>((resolve) => (this.#reached = resolve));
    this.#released = new Promise<void>((resolve) => (this.#release = resolve));
  }

  release(): void {
    this.#release();
  }

  override wrap<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (object, property, receiver) => {
        const member = Reflect.get(object, property, receiver) as unknown;
        if (typeof member !== 'function') return member;
        return (...args: unknown[]) => {
          const invoke = () => (member as (...a: unknown[]) => unknown).apply(object, args);
          const index = this.portCalls++;
          const holdAt = this.#holdAt;
          const hold = !this.#held && (typeof holdAt === 'function' ? holdAt(String(property), args) : index === holdAt || property === holdAt);
          if (!hold) return invoke();
          this.#held = true;
          if (this.#moment === 'before') {
            return (async () => {
              this.#reached();
              await this.#released;
              return invoke();
            })();
          }
          return (async () => {
            try {
              return await invoke();
            } finally {
              this.#reached();
              await this.#released;
            }
          })();
        };
      },
    });
  }
}
