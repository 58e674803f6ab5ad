/** PolicyStateStore in memory: create-if-absent and replace-if-ETag-matches, like the Table adapter. */
import { ConcurrencyConflictError } from '../../../src/core/errors.js';
import type { PolicyState, PolicyStateStore, VersionedPolicyState } from '../../../src/core/ports.js';
import { EtagSequence, FaultInjector } from './fault-injector.js';

export type PolicyStateStoreOperation = 'get' | 'getMany' | 'save' | 'delete';

export class InMemoryPolicyStateStore implements PolicyStateStore {
  readonly faults = new FaultInjector<PolicyStateStoreOperation>();
  readonly #states = new Map<string, VersionedPolicyState>();
  readonly #etags = new EtagSequence();

  failNext(operation: PolicyStateStoreOperation, error?: Error, times?: number): void {
    this.faults.failNext(operation, error, times);
  }

  beforeNext(operation: PolicyStateStoreOperation, hook: () => void | Promise<void>): void {
    this.faults.beforeNext(operation, hook);
  }

  async get(policyId: string): Promise<VersionedPolicyState | undefined> {
    await this.faults.enter('get');
    const stored = this.#states.get(policyId);
    return stored && structuredClone(stored);
  }

  async getMany(policyIds: readonly string[]): Promise<Map<string, VersionedPolicyState>> {
    await this.faults.enter('getMany');
    return new Map(policyIds.flatMap((id) => {
      const stored = this.#states.get(id);
      return stored ? [[id, structuredClone(stored)] as const] : [];
    }));
  }

  async save(state: PolicyState, expectedEtag: string | undefined): Promise<VersionedPolicyState> {
    await this.faults.enter('save');
    const current = this.#states.get(state.policyId);
    if (expectedEtag === undefined && current) throw new ConcurrencyConflictError(`state of policy '${state.policyId}' already exists`);
    if (expectedEtag !== undefined && (!current || (expectedEtag !== '*' && current.etag !== expectedEtag))) {
      throw new ConcurrencyConflictError(`state of policy '${state.policyId}' changed since it was read (stale ETag)`);
    }
    const stored: VersionedPolicyState = { state: structuredClone(state), etag: this.#etags.next() };
    this.#states.set(state.policyId, stored);
    return structuredClone(stored);
  }

  async delete(policyId: string): Promise<void> {
    await this.faults.enter('delete');
    this.#states.delete(policyId);
  }
}
