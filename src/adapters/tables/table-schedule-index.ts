/**
 * The schedule index: which policy is due when, so the timer reads what is due
 * rather than every policy.
 *
 * Partitioning: every entry lives in one partition ('due') with RowKey
 * '<dueAt, fixed-width ISO>|<policyId>'. Row keys are sorted within a partition, so
 * "RowKey < <until + 1 ms>" is a range scan that starts at the oldest entry and stops
 * at the first one not yet due: the scan reads exactly the due entries, whether
 * 100 or 100,000 are stored, and overdue entries from long ago cost nothing extra.
 * Day buckets would spread writes, but the scan would then have to know the oldest
 * non-empty bucket or visit every past day; the write rate here (about two writes per
 * rotation) is far below one partition's ~2,000 entities/s, so the single partition wins.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { DueEntry, ScheduleIndex } from '../../core/ports.js';
import { ignoreReads, type EntitiesReadListener } from './read-meter.js';
import { createTableIfMissing, mapTableError, statusOf } from './table-errors.js';
import { assertKeyPart, MAX_PAGE_SIZE, sortableInstant } from './table-keys.js';

const PARTITION = 'due';
const SEPARATOR = '|';
/** Entity-group transactions hold at most 100 operations. */
const MAX_BATCH = 100;

type DueEntity = { partitionKey: string; rowKey: string; policyId: string; dueAt: Date };

function toEntity(entry: DueEntry): DueEntity {
  assertKeyPart(entry.policyId, 'policyId');
  return { partitionKey: PARTITION, rowKey: `${sortableInstant(entry.dueAt)}${SEPARATOR}${entry.policyId}`, policyId: entry.policyId, dueAt: entry.dueAt };
}

/** The row key is the truth (the columns are for people reading the table). */
function fromRowKey(rowKey: string): DueEntry {
  const at = rowKey.indexOf(SEPARATOR);
  return { dueAt: new Date(rowKey.slice(0, at)), policyId: rowKey.slice(at + 1) };
}

export interface TableScheduleIndexOptions {
  onEntitiesRead?: EntitiesReadListener;
}

export class TableScheduleIndex implements ScheduleIndex {
  readonly #table: TableClient;
  readonly #onRead: EntitiesReadListener;

  constructor(table: TableClient, options: TableScheduleIndexOptions = {}) {
    this.#table = table;
    this.#onRead = options.onEntitiesRead ?? ignoreReads;
  }

  createIfMissing(): Promise<void> {
    return createTableIfMissing(this.#table);
  }

  async add(entry: DueEntry): Promise<void> {
    const entity = toEntity(entry);
    try {
      await this.#table.upsertEntity(entity, 'Replace');
    } catch (error) {
      throw mapTableError(error, `schedule policy '${entry.policyId}'`);
    }
  }

  /** Bulk add in transactions of 100 (one partition), for seeding and rebuilding the index. */
  async addMany(entries: Iterable<DueEntry>): Promise<void> {
    const unique = new Map<string, DueEntity>();
    for (const entry of entries) {
      const entity = toEntity(entry);
      unique.set(entity.rowKey, entity); // a transaction may not touch one entity twice
    }
    const entities = [...unique.values()];
    for (let start = 0; start < entities.length; start += MAX_BATCH) {
      const actions: TransactionAction[] = entities.slice(start, start + MAX_BATCH).map((entity) => ['upsert', entity, 'Replace']);
      try {
        await this.#table.submitTransaction(actions);
      } catch (error) {
        throw mapTableError(error, `schedule ${actions.length} policies`);
      }
    }
  }

  async remove(entry: DueEntry): Promise<void> {
    const { partitionKey, rowKey } = toEntity(entry);
    try {
      await this.#table.deleteEntity(partitionKey, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw mapTableError(error, `unschedule policy '${entry.policyId}'`);
    }
  }

  async *listDue(until: Date): AsyncIterable<DueEntry> {
    // Everything strictly before the next millisecond's prefix: no assumption about policy id characters.
    const end = sortableInstant(new Date(until.getTime() + 1));
    const pages = this.#table
      .listEntities<DueEntity>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION} and RowKey lt ${end}`, select: ['rowKey'] } })
      .byPage({ maxPageSize: MAX_PAGE_SIZE });
    for (;;) {
      let page;
      try {
        page = await pages.next();
      } catch (error) {
        throw mapTableError(error, 'list due policies');
      }
      if (page.done) return;
      this.#onRead('schedule.listDue', page.value.length);
      for (const entity of page.value) if (entity.rowKey) yield fromRowKey(entity.rowKey);
    }
  }
}
