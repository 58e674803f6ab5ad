/**
 * Fault injection for the in-memory twins, so engine tests can crash a rotation
 * between two steps or slip a competing write in just before a call.
 */
import { TransientDependencyError } from '../../../src/core/errors.js';

type Hook = () => void | Promise<void>;

interface Plan {
  error?: Error;
  hook?: Hook;
}

export class FaultInjector<Operation extends string> {
  readonly #plans = new Map<Operation, Plan[]>();
  readonly #calls = new Map<Operation, number>();

  /** The next `times` calls of `operation` throw `error` (by default a TransientDependencyError) and change nothing. */
  failNext(operation: Operation, error: Error = new TransientDependencyError(`injected failure of ${operation}`), times = 1): void {
    for (let i = 0; i < times; i++) this.#queue(operation).push({ error });
  }

  /** Runs `hook` at the start of the next call of `operation`, before it reads or writes anything. */
  beforeNext(operation: Operation, hook: Hook): void {
    this.#queue(operation).push({ hook });
  }

  /** How many times `operation` was called, failed calls included. */
  calls(operation: Operation): number {
    return this.#calls.get(operation) ?? 0;
  }

  reset(): void {
    this.#plans.clear();
    this.#calls.clear();
  }

  /** Every twin operation starts here; the await also lets concurrent callers interleave as they would over a network. */
  async enter(operation: Operation): Promise<void> {
    this.#calls.set(operation, this.calls(operation) + 1);
    const plan = this.#plans.get(operation)?.shift();
    await Promise.resolve();
    if (plan?.hook) await plan.hook();
    if (plan?.error) throw plan.error;
  }

  #queue(operation: Operation): Plan[] {
    let queue = this.#plans.get(operation);
    if (!queue) {
      queue = [];
      this.#plans.set(operation, queue);
    }
    return queue;
  }
}

/** Etags that change on every write, like Table Storage's; shared by a twin's entities. */
export class EtagSequence {
  #last = 0;

  next(): string {
    this.#last += 1;
    return `W/"${this.#last}"`;
  }
}
