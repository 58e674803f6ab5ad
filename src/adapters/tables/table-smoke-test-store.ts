/**
 * The latest smoke test of each environment, one entity per environment (PartitionKey = the
 * environment's name, percent-encoded since a name may hold / # ? or \, RowKey 'latest'): one
 * point read for promote's gate, however many smoke tests the audit holds.
 */
import type { TableClient } from '@azure/data-tables';
import type { SmokeTestRecord, SmokeTestStore } from '../../core/ports.js';
import { fromColumns, toColumns } from './entity-columns.js';
import { ignoreReads, type EntitiesReadListener } from './read-meter.js';
import { createTableIfMissing, mapTableError, statusOf } from './table-errors.js';
import { assertKeyPart } from './table-keys.js';

const ROW_KEY = 'latest';

export interface TableSmokeTestStoreOptions {
  onEntitiesRead?: EntitiesReadListener;
}

function partitionOf(environment: string): string {
  const key = encodeURIComponent(environment);
  assertKeyPart(key, 'environment');
  return key;
}

export class TableSmokeTestStore implements SmokeTestStore {
  readonly #table: TableClient;
  readonly #onRead: EntitiesReadListener;

  constructor(table: TableClient, options: TableSmokeTestStoreOptions = {}) {
    this.#table = table;
    this.#onRead = options.onEntitiesRead ?? ignoreReads;
  }

  createIfMissing(): Promise<void> {
    return createTableIfMissing(this.#table);
  }

  async latest(environment: string): Promise<SmokeTestRecord | undefined> {
    const partitionKey = partitionOf(environment);
    try {
      const entity = await this.#table.getEntity<Record<string, unknown>>(partitionKey, ROW_KEY);
      this.#onRead('smokeTests.latest', 1);
      const stored = fromColumns<Omit<SmokeTestRecord, 'fileHash'> & { fileHash?: string }>(entity);
      // A null hash is not stored (no column): read back as null.
      return { ...stored, fileHash: stored.fileHash ?? null };
    } catch (error) {
      if (statusOf(error) === 404) {
        this.#onRead('smokeTests.latest', 0);
        return undefined;
      }
      throw mapTableError(error, `read the latest smoke test of environment '${environment}'`);
    }
  }

  async save(record: SmokeTestRecord): Promise<void> {
    // Replace, not merge: a hash the new record lacks must not survive from the old one.
    const entity = { partitionKey: partitionOf(record.environment), rowKey: ROW_KEY, ...toColumns(record) };
    try {
      await this.#table.upsertEntity(entity, 'Replace');
    } catch (error) {
      throw mapTableError(error, `record the smoke test of environment '${record.environment}'`);
    }
  }
}
