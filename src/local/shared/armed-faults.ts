/**
 * The faults a stand-in's admin API arms: each applies to the next N matching requests, then
 * disarms. Shared by the Key Vault emulator and the ARM stand-in, which differ only in how a
 * fault spec is validated and what a request is matched on.
 */
export interface ArmedFault {
  id: string;
  remaining: number;
}

export abstract class ArmedFaults<Fault extends ArmedFault, Request> {
  #faults: Array<{ fault: Fault; pattern?: RegExp }> = [];
  #nextId = 1;

  /** Whether an armed fault applies to the request; `pattern` is its compiled pathPattern. */
  protected abstract matches(fault: Fault, pattern: RegExp | undefined, request: Request): boolean;

  /** Arms a validated fault for `count` requests. */
  protected arm<Spec extends object>(spec: Spec, count: number, pattern: RegExp | undefined): Fault {
    const fault = { ...spec, id: `fault-${this.#nextId++}`, remaining: count } as unknown as Fault;
    this.#faults.push({ fault, ...(pattern ? { pattern } : {}) });
    return { ...fault };
  }

  /** Consumes one application of the first armed fault that matches, if any. */
  take(request: Request): Fault | undefined {
    const entry = this.#faults.find(({ fault, pattern }) => this.matches(fault, pattern, request));
    if (!entry) return undefined;
    entry.fault.remaining -= 1;
    if (entry.fault.remaining === 0) this.#faults = this.#faults.filter((candidate) => candidate !== entry);
    return { ...entry.fault };
  }

  list(): Fault[] {
    return this.#faults.map(({ fault }) => ({ ...fault }));
  }

  clear(): void {
    this.#faults = [];
  }
}
