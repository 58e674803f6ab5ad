/**
 * Rotation state, one entity per policy (PartitionKey = policy id, RowKey 'state').
 * This is the exactly-once mechanism across scaled-out instances: every save is
 * conditional (insert-if-absent, or replace-if-the-ETag-matches), so when several
 * instances race on one policy exactly one write lands and the others get
 * ConcurrencyConflictError.
 */
import type { TableClient } from '@azure/data-tables';
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
