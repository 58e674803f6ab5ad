/**
 * What each vault was asked to do, by SDK operation, plus the requests that never
 * reached an operation (challenges, throttled, injected faults), so a test can assert
 * what a rotation cost.
 */
import { SECRET_OPERATIONS, type SecretOperation } from './routes.js';

export interface VaultCounts {
  operations: Record<SecretOperation, number>;
  /** Requests to a path or method Key Vault does not serve. */
  unknown: number;
  /** 401 challenges answered. */
  challenges: number;
  /** 429s answered by the throttle (injected 429s count as faults). */
  throttled: number;
  /** Injected faults applied (status, latency or dropped connection). */
  faults: number;
}

function zero(): VaultCounts {
  return {
    operations: Object.fromEntries(SECRET_OPERATIONS.map((operation) => [operation, 0])) as Record<SecretOperation, number>,
    unknown: 0,
    challenges: 0,
    throttled: 0,
    faults: 0,
  };
}

export class OperationCounts {
  readonly #byVault = new Map<string, VaultCounts>();

  constructor(private readonly vaults: readonly string[]) {
    this.reset();
  }

  of(vault: string): VaultCounts {
    let counts = this.#byVault.get(vault);
    if (!counts) {
      counts = zero();
      this.#byVault.set(vault, counts);
    }
    return counts;
  }

  operation(vault: string, operation: SecretOperation): void {
    this.of(vault).operations[operation] += 1;
  }

  snapshot(): Record<string, VaultCounts> {
    return Object.fromEntries([...this.#byVault].map(([vault, counts]) => [vault, structuredClone(counts)]));
  }

  reset(): void {
    this.#byVault.clear();
    for (const vault of this.vaults) this.#byVault.set(vault, zero());
  }
}
