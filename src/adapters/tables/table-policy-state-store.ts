/**
 * Rotation state, one entity per policy (PartitionKey = policy id, RowKey 'state').
 * This is the exactly-once mechanism across scaled-out instances: every save is
 * conditional (insert-if-absent, or replace-if-the-ETag-matches), so when several
 * instances race on one policy exactly one write lands and the others get
 * ConcurrencyConflictError.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { ConcurrencyConflictError } from '../../core/errors.js';
import type { PolicyState, PolicyStateStore, VersionedPolicyState } from '../../core/ports.js';
import { fromColumns, toColumns } from './entity-columns.js';
import { ignoreReads, type EntitiesReadListener } from './read-meter.js';
import { createTableIfMissing, mapTableError, statusOf } from './table-errors.js';
import { assertKeyPart } from './table-keys.js';

const ROW_KEY = 'state';

export interface TablePolicyStateStoreOptions {
  onEntitiesRead?: EntitiesReadListener;
}

export class TablePolicyStateStore implements PolicyStateStore {
  readonly #table: TableClient;
  readonly #onRead: EntitiesReadListener;

  constructor(table: TableClient, options: TablePolicyStateStoreOptions = {}) {
    this.#table = table;
    this.#onRead = options.onEntitiesRead ?? ignoreReads;
  }

  createIfMissing(): Promise<void> {
    return createTableIfMissing(this.#table);
  }

  async get(policyId: string): Promise<VersionedPolicyState | undefined> {
    assertKeyPart(policyId, 'policyId');
    try {
      const entity = await this.#table.getEntity(policyId, ROW_KEY);
      this.#onRead('states.get', 1);
      return { state: fromColumns<PolicyState>(entity), etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) {
        this.#onRead('states.get', 0);
        return undefined;
      }
      throw mapTableError(error, `read state of policy '${policyId}'`);
    }
  }

  /**
   * One range query over the partitions from the lowest id to the highest, not one read per id:
   * states are keyed by policy id, so a page of the policy list (a run of ids adjacent in id order)
   * finds its states in that range, beside at most the states of policies deleted since, which are
   * left out. The service pages the answer (up to 1,000 entities a response); every page is read.
   */
  async getMany(policyIds: readonly string[]): Promise<Map<string, VersionedPolicyState>> {
    const wanted = new Set(policyIds);
    for (const id of wanted) assertKeyPart(id, 'policyId');
    const states = new Map<string, VersionedPolicyState>();
    if (wanted.size === 0) return states;
    const ordered = [...wanted].sort();
    const filter = odata`PartitionKey ge ${ordered[0]} and PartitionKey le ${ordered.at(-1)} and RowKey eq ${ROW_KEY}`;
    try {
      for await (const page of this.#table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: 1000 })) {
        this.#onRead('states.getMany', page.length);
        for (const entity of page) {
          const id = entity.partitionKey ?? '';
          if (wanted.has(id)) states.set(id, { state: fromColumns<PolicyState>(entity), etag: entity.etag });
        }
      }
    } catch (error) {
      throw mapTableError(error, `read the states of ${wanted.size} policies`);
    }
    return states;
  }

  async save(state: PolicyState, expectedEtag: string | undefined): Promise<VersionedPolicyState> {
    assertKeyPart(state.policyId, 'policyId');
    const entity = { partitionKey: state.policyId, rowKey: ROW_KEY, ...toColumns(state) };
    try {
      // Replace, not merge: a field the caller cleared (e.g. `active`) must disappear.
      const response =
        expectedEtag === undefined
          ? await this.#table.createEntity(entity)
          : await this.#table.updateEntity(entity, 'Replace', { etag: expectedEtag });
      if (!response.etag) throw new Error('Table Storage returned no ETag');
      // What a later get() returns, so callers never hold a state that differs from the stored one.
      return { state: fromColumns<PolicyState>(entity), etag: response.etag };
    } catch (error) {
      const status = statusOf(error);
      if (expectedEtag === undefined && status === 409) {
        throw new ConcurrencyConflictError(`state of policy '${state.policyId}' already exists`, { cause: error });
      }
      if (expectedEtag !== undefined && (status === 412 || status === 404)) {
        // 404: the state was deleted since it was read; the caller's view is as stale as with a 412.
        throw new ConcurrencyConflictError(`state of policy '${state.policyId}' changed since it was read (stale ETag)`, { cause: error });
      }
      throw mapTableError(error, `save state of policy '${state.policyId}'`);
    }
  }

  async delete(policyId: string): Promise<void> {
    assertKeyPart(policyId, 'policyId');
    try {
      await this.#table.deleteEntity(policyId, ROW_KEY);
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw mapTableError(error, `delete state of policy '${policyId}'`);
    }
  }
}
