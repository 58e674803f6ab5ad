/**
 * One page of the audit query over the index rows (audit-index-keys.ts). The chosen index
 * narrows by partition and time (a RowKey range); the query's other filters are applied to
 * the rows read. A page reads at most `readBudget` rows (default 1000): a filter the index does not serve
 * may reject them all, and the page then comes back short (or empty) with a token.
 *
 * The continuation token is our own, the RowKey of the last row examined: the next page
 * reads after it. Unlike the service's token, it can stop in the middle of what the service
 * returned, so a page never skips the rows it had no room for.
 */
import { odata, type TableClient, type TableEntityResultPage } from '@azure/data-tables';
import { matchesAuditQuery, type AuditQuery } from '../../core/audit/audit-query.js';
import { ValidationError } from '../../core/errors.js';
import type { AuditRecord, Page, PageOptions } from '../../core/ports.js';
import { auditIndexFor, dayPartitionRange, dayPrefixOfRowKey, rowKeyRange } from './audit-index-keys.js';
import { fromColumns } from './entity-columns.js';
import type { EntitiesReadListener } from './read-meter.js';
import { mapTableError } from './table-errors.js';
import { MAX_PAGE_SIZE, pageSizeOf } from './table-keys.js';

/** Rows one page may read when filters the index does not serve reject rows. */
export const DEFAULT_READ_BUDGET = MAX_PAGE_SIZE;

const ROW_KEY = /^\d{16}-\d{6}-[^/\\#?]{1,512}$/;

function encodeToken(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  let after: unknown;
  try {
    after = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown }).after;
  } catch {
    after = undefined;
  }
  if (typeof after !== 'string' || !ROW_KEY.test(after)) {
    throw new ValidationError('continuationToken is not one this service issued', [{ path: 'continuationToken', message: 'malformed' }]);
  }
  return after;
}

const FILTERS = ['actor', 'action', 'policyId', 'vaultName', 'secretName', 'result'] as const;

function filterFor(query: AuditQuery, after: string | undefined): { filter: string; filteredInMemory: boolean } {
  const index = auditIndexFor(query);
  const filteredInMemory = FILTERS.some((name) => query[name] !== undefined && !index.serves.includes(name));
  const rows = rowKeyRange(query.from, query.to);
  const resume = after === undefined ? '' : odata` and RowKey gt ${after}`;
  const timeRange = odata`RowKey ge ${rows.lower} and RowKey lt ${rows.upper}` + resume;
  if (index.kind === 'partition') return { filter: odata`PartitionKey eq ${index.partitionKey} and ` + timeRange, filteredInMemory };
  const days = dayPartitionRange(query.from, query.to);
  const resumeDay = after === undefined ? undefined : dayPrefixOfRowKey(after);
  const lower = resumeDay !== undefined && resumeDay > days.lower ? resumeDay : days.lower;
  return { filter: odata`PartitionKey ge ${lower} and PartitionKey lt ${days.upper} and ` + timeRange, filteredInMemory };
}

export interface AuditQueryRead {
  table: TableClient;
  query: AuditQuery;
  options: PageOptions;
  onRead: EntitiesReadListener;
  readBudget?: number;
}

export async function readAuditQueryPage({ table, query, options, onRead, readBudget = DEFAULT_READ_BUDGET }: AuditQueryRead): Promise<Page<AuditRecord>> {
  const pageSize = Math.min(pageSizeOf(options.pageSize), readBudget);
  const after = options.continuationToken === undefined ? undefined : decodeToken(options.continuationToken);
  const { filter, filteredInMemory } = filterFor(query, after);
  const items: AuditRecord[] = [];
  let examined = 0;
  let lastExamined: string | undefined;
  let sdkToken: string | undefined;
  try {
    do {
      // Served exactly, a page asks for what it still needs; filtered in memory, for what its budget allows.
      const wanted = filteredInMemory ? readBudget - examined : pageSize - items.length;
      const pages = table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: wanted, ...(sdkToken ? { continuationToken: sdkToken } : {}) });
      const next: IteratorResult<TableEntityResultPage<Record<string, unknown>>> = await pages.next();
      if (next.done) break;
      onRead('audit.query', next.value.length);
      sdkToken = next.value.continuationToken;
      for (const [position, entity] of next.value.entries()) {
        examined++;
        lastExamined = entity.rowKey;
        const record = fromColumns<AuditRecord>(entity);
        if (matchesAuditQuery(record, query)) items.push(record);
        const full = items.length === pageSize || examined === readBudget;
        if (full) {
          const more = position < next.value.length - 1 || sdkToken !== undefined;
          return more && lastExamined ? { items, continuationToken: encodeToken(lastExamined) } : { items };
        }
      }
    } while (sdkToken);
  } catch (error) {
    throw mapTableError(error, `query '${table.tableName}'`);
  }
  return { items };
}
