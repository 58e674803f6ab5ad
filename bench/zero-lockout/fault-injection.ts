/**
 * Kills rotations mid-step, the way a process dying would, by wrapping a ConsumerKind (our own
 * port, never a driver): the armed call throws, either before the real call or after it
 * succeeded, so the server may or may not have changed. A seeded plan says which rotation is
 * killed where; the next `rotate` resumes it under the same rotation id.
 */
import type { ConsumerKind, StrategyKind } from '../../src/core/consumers/consumer-port.js';

export type FaultedOperation = 'replaceLoginPassword' | 'setAcceptedPasswords' | 'verify' | 'sessions';

export interface PlannedFault {
  operation: FaultedOperation;
  /** Which call of `operation` since the fault was armed (1 = the first). */
  occurrence: number;
  /** Throw before calling the real operation, or after it returned. */
  when: 'before' | 'after';
}

/** Thrown by an armed wrapper: the process "died" here. */
export class InjectedFaultError extends Error {
  constructor(readonly fault: PlannedFault) {
    super(`injected fault: ${describeFault(fault)}`);
    this.name = 'InjectedFaultError';
  }
}

export function describeFault(fault: PlannedFault): string {
  return `${fault.operation}#${fault.occurrence} ${fault.when}`;
}

/**
 * The port calls a rotation makes, in order: where a kill can land. alternating-users: the drain
 * check, prepare, verify. multi-password: prepare, verify, the drain check, and revoke (the second
 * setAcceptedPasswords).
 */
export const FAULT_POINTS: Record<StrategyKind, readonly Omit<PlannedFault, 'when'>[]> = {
  // The bench probes database and cache logins; issued credentials (storage keys, Entra secrets) have no login to probe.
  'issued-credential': [],
  'alternating-users': [
    { operation: 'sessions', occurrence: 1 },
    { operation: 'replaceLoginPassword', occurrence: 1 },
    { operation: 'verify', occurrence: 1 },
  ],
  'multi-password': [
    { operation: 'setAcceptedPasswords', occurrence: 1 },
    { operation: 'verify', occurrence: 1 },
    { operation: 'sessions', occurrence: 1 },
    { operation: 'setAcceptedPasswords', occurrence: 2 },
  ],
};

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** For each rotation, the fault that kills it, or undefined: a `killRate` share of them, each at a random point. */
export function planFaults(strategy: StrategyKind, rotations: number, seed: number, killRate: number): (PlannedFault | undefined)[] {
  const random = seededRandom(seed);
  const points = FAULT_POINTS[strategy];
  return Array.from({ length: rotations }, () => {
    const kill = random() < killRate;
    const point = points[Math.floor(random() * points.length)]!;
    const when = random() < 0.5 ? 'before' : 'after';
    return kill ? { ...point, when } : undefined;
  });
}

/** Arms one fault at a time; it fires once, then the wrapped kind passes every call through. */
export class FaultInjector {
  #armed: PlannedFault | undefined;
  #calls = new Map<FaultedOperation, number>();
  #fired: PlannedFault | undefined;

  arm(fault: PlannedFault | undefined): void {
    this.#armed = fault;
    this.#fired = undefined;
    this.#calls.clear();
  }

  /** The fault that fired since arm(), if any. */
  get fired(): PlannedFault | undefined {
    return this.#fired;
  }

  #shouldThrow(operation: FaultedOperation, when: 'before' | 'after', occurrence: number): boolean {
    const armed = this.#armed;
    if (!armed || armed.operation !== operation || armed.occurrence !== occurrence || armed.when !== when) return false;
    this.#armed = undefined;
    this.#fired = armed;
    return true;
  }

  async #call<T>(operation: FaultedOperation, real: () => Promise<T>): Promise<T> {
    const occurrence = (this.#calls.get(operation) ?? 0) + 1;
    this.#calls.set(operation, occurrence);
    if (this.#shouldThrow(operation, 'before', occurrence)) throw new InjectedFaultError(this.#fired!);
    const result = await real();
    if (this.#shouldThrow(operation, 'after', occurrence)) throw new InjectedFaultError(this.#fired!);
    return result;
  }

  wrap(kind: ConsumerKind): ConsumerKind {
    const wrapped: ConsumerKind = {
      kind: kind.kind,
      strategies: kind.strategies,
      schema: kind.schema,
      ...(kind.entraScope ? { entraScope: kind.entraScope } : {}),
      connectionFields: (spec) => kind.connectionFields(spec),
      verify: (spec, credential) => this.#call('verify', () => kind.verify(spec, credential)),
      sessions: (spec, admin, login) => this.#call('sessions', () => kind.sessions(spec, admin, login)),
    };
    if (kind.replaceLoginPassword) {
      const real = kind.replaceLoginPassword.bind(kind);
      wrapped.replaceLoginPassword = (spec, admin, login, password, like) => this.#call('replaceLoginPassword', () => real(spec, admin, login, password, like));
    }
    if (kind.setAcceptedPasswords) {
      const real = kind.setAcceptedPasswords.bind(kind);
      wrapped.setAcceptedPasswords = (spec, admin, login, passwords) => this.#call('setAcceptedPasswords', () => real(spec, admin, login, passwords));
    }
    if (kind.addAcceptedPassword) {
      const real = kind.addAcceptedPassword.bind(kind);
      // A first rotation's prepare adds instead of sets: the same step, so the same fault point.
      wrapped.addAcceptedPassword = (spec, admin, login, password) => this.#call('setAcceptedPasswords', () => real(spec, admin, login, password));
    }
    return wrapped;
  }
}

/**
 * For the control run only: a naive rotation, which revokes the credential applications hold as
 * soon as the new one is prepared, before they have been switched, and never waits for a drain
 * (no session is ever reported). With a clock that races ahead (every grace over at once), this
 * is the lockout the strategies exist to prevent, and the prober must catch it.
 */
export function revokingEarly(kind: ConsumerKind): ConsumerKind {
  const naive: ConsumerKind = { ...kind, sessions: async () => [] };
  const replace = kind.replaceLoginPassword?.bind(kind);
  if (replace) {
    naive.replaceLoginPassword = async (spec, admin, login, password, like) => {
      await replace(spec, admin, login, password, like);
      // `like` is the login applications use now: it gets the new password too, which none of them has yet.
      await replace(spec, admin, like, password, login);
    };
  }
  const setAccepted = kind.setAcceptedPasswords?.bind(kind);
  if (setAccepted) naive.setAcceptedPasswords = (spec, admin, login, passwords) => setAccepted(spec, admin, login, passwords.slice(-1));
  return naive;
}
