/**
 * AuditLog in memory: append-only, newest first, partitioned like the Table adapter (duplicate
 * ids refused per partition, with the record stored first). The query reads every record and
 * applies the core's predicate: the Table adapter must find the same records through its indexes.
 */
import { matchesAuditQuery, type AuditQuery } from '../../../src/core/audit/audit-query.js';
import { AuditRecordExistsError } from '../../../src/core/audit/errors.js';
import type { AuditLog, AuditRecord, Page, PageOptions } from '../../../src/core/ports.js';
import { auditPartitionOf, auditRowKey, SameInstantSequence, vaultPartition } from '../../../src/adapters/tables/audit-keys.js';
import { FaultInjector } from './fault-injector.js';
import { pageByKey } from './in-memory-paging.js';

export type AuditLogOperation = 'append' | 'listForPolicy' | 'listForVault' | 'query';

export class InMemoryAuditLog implements AuditLog {
  readonly faults = new FaultInjector<AuditLogOperation>();
  readonly #appended: AuditRecord[] = [];
  readonly #sequence = new SameInstantSequence();
  readonly #partitions = new Map<string, { records: Map<string, AuditRecord>; ids: Map<string, AuditRecord> }>();

  failNext(operation: AuditLogOperation, error?: Error, times?: number): void {
    this.faults.failNext(operation, error, times);
  }

  beforeNext(operation: AuditLogOperation, hook: () => void | Promise<void>): void {
    this.faults.beforeNext(operation, hook);
  }

  /** Every record in the order appended; for assertions. */
  records(): AuditRecord[] {
    return this.#appended.map((record) => structuredClone(record));
  }

  async append(record: AuditRecord): Promise<void> {
    await this.faults.enter('append');
    const partitionKey = auditPartitionOf(record);
    let partition = this.#partitions.get(partitionKey);
    if (!partition) {
      partition = { records: new Map(), ids: new Map() };
      this.#partitions.set(partitionKey, partition);
    }
    const stored = partition.ids.get(record.id);
    if (stored) throw new AuditRecordExistsError(structuredClone(stored));
    const rowKey = auditRowKey(record, this.#sequence.next(record.at));
    const copy = structuredClone(record);
    partition.ids.set(record.id, copy);
    partition.records.set(rowKey, copy);
    this.#appended.push(copy);
  }

  async listForPolicy(policyId: string, options: PageOptions = {}): Promise<Page<AuditRecord>> {
    await this.faults.enter('listForPolicy');
    return this.#list(policyId, options);
  }

  async listForVault(vaultName: string, options: PageOptions = {}): Promise<Page<AuditRecord>> {
    await this.faults.enter('listForVault');
    return this.#list(vaultPartition(vaultName), options);
  }

  async query(query: AuditQuery, options: PageOptions = {}): Promise<Page<AuditRecord>> {
    await this.faults.enter('query');
    const matching = [...this.#partitions.values()].flatMap((partition) => [...partition.records.entries()].filter(([, record]) => matchesAuditQuery(record, query)));
    return pageByKey(matching, options, (record) => structuredClone(record));
  }

  #list(partitionKey: string, options: PageOptions): Page<AuditRecord> {
    const records = this.#partitions.get(partitionKey)?.records ?? new Map<string, AuditRecord>();
    return pageByKey(records.entries(), options, (record) => structuredClone(record));
  }
}
