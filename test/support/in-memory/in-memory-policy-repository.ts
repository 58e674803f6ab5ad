/** PolicyRepository in memory, with the Table adapter's rules: ETags, one secret one policy (case-insensitive). */
import { systemClock, type Clock } from '../../../src/core/clock.js';
import { ConcurrencyConflictError, NotFoundError } from '../../../src/core/errors.js';
import type { Page, PageOptions, PolicyRepository, StoredPolicy } from '../../../src/core/ports.js';
import type { RotationPolicy } from '../../../src/core/policy/policy.js';
import { vaultNameOf } from '../../../src/adapters/tables/table-keys.js';
import { EtagSequence, FaultInjector } from './fault-injector.js';
import { pageByKey } from './in-memory-paging.js';

export type PolicyRepositoryOperation = 'get' | 'put' | 'delete' | 'list' | 'findBySecret';

function secretKeyOf(vaultName: string, secretName: string): string {
  return `${vaultName.toLowerCase()}:${secretName.toLowerCase()}`;
}

function policySecretKey(policy: RotationPolicy): string {
  return secretKeyOf(vaultNameOf(policy.vaultUrl), policy.secretName);
}

export class InMemoryPolicyRepository implements PolicyRepository {
  readonly faults = new FaultInjector<PolicyRepositoryOperation>();
  readonly #policies = new Map<string, StoredPolicy>();
  readonly #etags = new EtagSequence();
  readonly #clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  failNext(operation: PolicyRepositoryOperation, error?: Error, times?: number): void {
    this.faults.failNext(operation, error, times);
  }

  beforeNext(operation: PolicyRepositoryOperation, hook: () => void | Promise<void>): void {
    this.faults.beforeNext(operation, hook);
  }

  async get(id: string): Promise<StoredPolicy | undefined> {
    await this.faults.enter('get');
    const stored = this.#policies.get(id);
    return stored && structuredClone(stored);
  }

  async put(policy: RotationPolicy, expectedEtag?: string): Promise<StoredPolicy> {
    await this.faults.enter('put');
    const current = this.#policies.get(policy.id);
    if (expectedEtag === undefined && current) throw new ConcurrencyConflictError(`policy '${policy.id}' already exists`);
    if (expectedEtag !== undefined && !current) throw new NotFoundError(`policy '${policy.id}' does not exist`);
    if (current && expectedEtag !== '*' && current.etag !== expectedEtag) {
      throw new ConcurrencyConflictError(`policy '${policy.id}' was changed since it was read (stale ETag)`);
    }
    const key = policySecretKey(policy);
    const governor = [...this.#policies.values()].find((other) => other.policy.id !== policy.id && policySecretKey(other.policy) === key);
    if (governor) {
      throw new ConcurrencyConflictError(
        `secret '${policy.secretName.toLowerCase()}' in vault '${vaultNameOf(policy.vaultUrl)}' is already governed by policy '${governor.policy.id}'`,
      );
    }
    const now = this.#clock.now();
    const stored: StoredPolicy = { policy: structuredClone(policy), createdAt: current?.createdAt ?? now, updatedAt: now, etag: this.#etags.next() };
    this.#policies.set(policy.id, stored);
    return structuredClone(stored);
  }

  async delete(id: string): Promise<boolean> {
    await this.faults.enter('delete');
    return this.#policies.delete(id);
  }

  async list(options: PageOptions = {}): Promise<Page<StoredPolicy>> {
    await this.faults.enter('list');
    return pageByKey(this.#policies.entries(), options, (stored) => structuredClone(stored));
  }

  async findBySecret(vaultName: string, secretName: string): Promise<StoredPolicy | undefined> {
    await this.faults.enter('findBySecret');
    const key = secretKeyOf(vaultName, secretName);
    const stored = [...this.#policies.values()].find((candidate) => policySecretKey(candidate.policy) === key);
    return stored && structuredClone(stored);
  }
}
