/**
 * The audit trail, append-only: records are only ever created, never updated,
 * upserted or deleted by this adapter. Keys: see audit-keys.ts (partition per
 * policy, newest first). Next to each record sits a marker 'id|<record id>' created
 * in the same transaction: it makes a repeated id fail even when the repeat carries
 * a different time (a retried append that rebuilt its record), which the
 * time-ordered row key alone would let through.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { ConcurrencyConflictError } from '../../core/errors.js';
import type { AuditLog, AuditRecord, Page, PageOptions } from '../../core/ports.js';
import { fromColumns, toColumns } from './entity-columns.js';
import { ignoreReads, type EntitiesReadListener } from './read-meter.js';
import { createTableIfMissing, mapTableError, statusOf } from './table-errors.js';
import { auditPartitionOf, auditRowKey, SameInstantSequence, vaultPartition } from './audit-keys.js';
import { assertKeyPart } from './table-keys.js';
import { readPage } from './table-paging.js';

/** Record row keys start with a digit, which sorts before 'i': "RowKey lt 'id|'" reads records only. */
const MARKER_PREFIX = 'id|';

export interface TableAuditLogOptions {
  onEntitiesRead?: EntitiesReadListener;
}

export class TableAuditLog implements AuditLog {
  readonly #table: TableClient;
  readonly #onRead: EntitiesReadListener;
  readonly #sequence = new SameInstantSequence();

  constructor(table: TableClient, options: TableAuditLogOptions = {}) {
    this.#table = table;
    this.#onRead = options.onEntitiesRead ?? ignoreReads;
  }

  createIfMissing(): Promise<void> {
    return createTableIfMissing(this.#table);
  }

  async append(record: AuditRecord): Promise<void> {
    assertKeyPart(record.id, 'audit record id');
    const partitionKey = auditPartitionOf(record);
    assertKeyPart(partitionKey, 'audit partition');
    const rowKey = auditRowKey(record, this.#sequence.next(record.at));
    const actions: TransactionAction[] = [
      ['create', { partitionKey, rowKey, ...toColumns(record) }],
      ['create', { partitionKey, rowKey: `${MARKER_PREFIX}${record.id}`, recordRowKey: rowKey }],
    ];
    try {
      await this.#table.submitTransaction(actions);
    } catch (error) {
      if (statusOf(error) === 409) throw new ConcurrencyConflictError(`audit record '${record.id}' already exists`, { cause: error });
      throw mapTableError(error, `append audit record '${record.id}'`);
    }
  }

  /** Newest first. */
  listForPolicy(policyId: string, options: PageOptions = {}): Promise<Page<AuditRecord>> {
    assertKeyPart(policyId, 'policyId');
    return this.#list(policyId, options);
  }

  /** Records about this vault that concern no policy (e.g. events on unmanaged secrets), newest first. */
  listForVault(vaultName: string, options: PageOptions = {}): Promise<Page<AuditRecord>> {
    const partitionKey = vaultPartition(vaultName);
    assertKeyPart(partitionKey, 'vaultName');
    return this.#list(partitionKey, options);
  }

  #list(partitionKey: string, options: PageOptions): Promise<Page<AuditRecord>> {
    return readPage<Record<string, unknown>, AuditRecord>({
      table: this.#table,
      filter: odata`PartitionKey eq ${partitionKey} and RowKey lt ${MARKER_PREFIX}`,
      pageSize: options.pageSize,
      continuationToken: options.continuationToken,
      map: (entity) => fromColumns<AuditRecord>(entity),
      operation: 'audit.list',
      onRead: this.#onRead,
    });
  }
}
