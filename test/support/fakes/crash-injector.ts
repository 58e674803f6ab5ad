/**
 * Simulates a process killed mid-rotation. Wraps port objects so that the Nth call
 * across all of them (before or after it takes effect) throws, and every call after
 * that throws too: a dead process writes nothing more, not even its failure record.
 */
export class SimulatedCrash extends Error {
  constructor(at: number) {
    super(`simulated crash at port call ${at}`);
    this.name = 'SimulatedCrash';
  }
}

export type CrashMoment = 'before' | 'after';

export class CrashInjector {
  calls = 0;
  #dead = false;

  constructor(
    private readonly crashAtCall: number | undefined,
    private readonly moment: CrashMoment = 'before',
  ) {}

  get crashed(): boolean {
    return this.#dead;
  }

  wrap<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (object, property, receiver) => {
        const member = Reflect.get(object, property, receiver) as unknown;
        if (typeof member !== 'function') return member;
        return (...args: unknown[]) => this.#call(() => (member as (...a: unknown[]) => unknown).apply(object, args));
      },
    });
  }

  #call(invoke: () => unknown): unknown {
    if (this.#dead) throw new SimulatedCrash(this.calls);
    const index = this.calls++;
    if (index === this.crashAtCall && this.moment === 'before') {
      this.#dead = true;
      throw new SimulatedCrash(index);
    }
    const result = invoke();
    if (index === this.crashAtCall && this.moment === 'after') {
      this.#dead = true;
      const crash = new SimulatedCrash(index);
      // The side effect happened; the caller never learns of it.
      return result instanceof Promise ? result.then(() => Promise.reject(crash)) : Promise.reject(crash);
    }
    return result;
  }
}
