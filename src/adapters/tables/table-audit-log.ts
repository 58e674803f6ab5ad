/**
 * The audit trail, append-only: records are only ever created, never updated,
 * upserted or deleted by this adapter. Keys: see audit-keys.ts (partition per
 * policy, newest first). Next to each record sits a marker 'id|<record id>' created
 * in the same transaction: it makes a repeated id fail even when the repeat carries
 * a different time (a retried append that rebuilt its record), which the
 * time-ordered row key alone would let through.
 *
 * For the audit query, each record is then copied into its index partitions
 * (audit-index-keys.ts). They cannot join the record's transaction (one partition per
 * transaction), so the record goes first: it alone decides whether an id is new, and an
 * index row never shows a record the log refused. Index rows are created, never
 * replaced, under the record's own RowKey, so writing them twice changes nothing. When
 * one fails, append fails (retryable) with the record stored; the caller's retry is then
 * refused as a replay, and that refusal first rewrites the stored record's index rows.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { AuditQuery } from '../../core/audit/audit-query.js';
import { AuditRecordExistsError } from '../../core/audit/errors.js';
import { ConcurrencyConflictError, TransientDependencyError } from '../../core/errors.js';
import type { AuditLog, AuditRecord, Page, PageOptions } from '../../core/ports.js';
import { auditIndexPartitionsOf } from './audit-index-keys.js';
import { fromColumns, toColumns } from './entity-columns.js';
import { ignoreReads, type EntitiesReadListener } from './read-meter.js';
import { createTableIfMissing, mapTableError, statusOf } from './table-errors.js';
import { auditPartitionOf, auditRowKey, SameInstantSequence, vaultPartition } from './audit-keys.js';
import { readAuditQueryPage } from './table-audit-query.js';
import { assertKeyPart } from './table-keys.js';
import { readPage } from './table-paging.js';

/** Record row keys start with a digit, which sorts before 'i': "RowKey lt 'id|'" reads records only. */
const MARKER_PREFIX = 'id|';

export interface TableAuditLogOptions {
  onEntitiesRead?: EntitiesReadListener;
  /** Rows one page of the audit query may read (default 1000); tests lower it. */
  queryReadBudget?: number;
}

export class TableAuditLog implements AuditLog {
  readonly #table: TableClient;
  readonly #onRead: EntitiesReadListener;
  readonly #readBudget: number | undefined;
  readonly #sequence = new SameInstantSequence();

  constructor(table: TableClient, options: TableAuditLogOptions = {}) {
    this.#table = table;
    this.#onRead = options.onEntitiesRead ?? ignoreReads;
    this.#readBudget = options.queryReadBudget;
  }

  createIfMissing(): Promise<void> {
    return createTableIfMissing(this.#table);
  }

  async append(record: AuditRecord): Promise<void> {
    assertKeyPart(record.id, 'audit record id');
    const partitionKey = auditPartitionOf(record);
    assertKeyPart(partitionKey, 'audit partition');
    const rowKey = auditRowKey(record, this.#sequence.next(record.at));
    const columns = toColumns(record);
    const actions: TransactionAction[] = [
      ['create', { partitionKey, rowKey, ...columns }],
      ['create', { partitionKey, rowKey: `${MARKER_PREFIX}${record.id}`, recordRowKey: rowKey }],
    ];
    try {
      await this.#table.submitTransaction(actions);
    } catch (error) {
      if (statusOf(error) === 409) throw await this.#refuseReplay(partitionKey, record.id, error);
      throw mapTableError(error, `append audit record '${record.id}'`);
    }
    await this.#index(record, rowKey, columns);
  }

  /** Records matching `query`, newest first, through the index that suits its filters. */
  query(query: AuditQuery, options: PageOptions = {}): Promise<Page<AuditRecord>> {
    return readAuditQueryPage({ table: this.#table, query, options, onRead: this.#onRead, ...(this.#readBudget ? { readBudget: this.#readBudget } : {}) });
  }

  /**
   * The record stored first under this id, with its index rows written (again): a replay
   * after an append that failed half-way completes it. Falls back to a bare conflict when
   * the stored record cannot be read back (a second failure on top of the first).
   */
  async #refuseReplay(partitionKey: string, id: string, conflict: unknown): Promise<Error> {
    let stored: { record: AuditRecord; rowKey: string } | undefined;
    try {
      const marker = await this.#table.getEntity<{ recordRowKey?: string }>(partitionKey, `${MARKER_PREFIX}${id}`);
      this.#onRead('audit.append', 1);
      if (typeof marker.recordRowKey === 'string') {
        const entity = await this.#table.getEntity<Record<string, unknown>>(partitionKey, marker.recordRowKey);
        this.#onRead('audit.append', 1);
        stored = { record: fromColumns<AuditRecord>(entity), rowKey: marker.recordRowKey };
      }
    } catch {
      stored = undefined;
    }
    if (!stored) return new ConcurrencyConflictError(`audit record '${id}' already exists`, { cause: conflict });
    await this.#index(stored.record, stored.rowKey, toColumns(stored.record));
    return new AuditRecordExistsError(stored.record, { cause: conflict });
  }

  async #index(record: AuditRecord, rowKey: string, columns: Record<string, unknown>): Promise<void> {
    const partitions = auditIndexPartitionsOf(record);
    const results = await Promise.allSettled(
      partitions.map(async (partitionKey) => {
        try {
          await this.#table.createEntity({ partitionKey, rowKey, ...columns });
        } catch (error) {
          if (statusOf(error) !== 409) throw error;
        }
      }),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) {
      const cause = mapTableError(failed.reason, `index audit record '${record.id}'`);
      throw new TransientDependencyError(
        `audit record '${record.id}' is stored but not yet in every query index (${cause.message}); appending it again completes the index`,
        { cause },
      );
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
