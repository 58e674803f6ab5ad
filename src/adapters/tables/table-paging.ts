/** One page of a filtered query, filled up to pageSize even when the service returns short pages. */
import type { TableClient, TableEntityResult, TableEntityResultPage } from '@azure/data-tables';
import type { Page } from '../../core/ports.js';
import type { EntitiesReadListener, TableReadOperation } from './read-meter.js';
import { mapTableError } from './table-errors.js';
import { decodePageToken, encodePageToken, pageSizeOf } from './table-keys.js';

export interface ReadPageRequest<E extends object, T> {
  table: TableClient;
  filter: string;
  pageSize: number | undefined;
  continuationToken: string | undefined;
  map: (entity: TableEntityResult<E>) => T;
  operation: TableReadOperation;
  onRead: EntitiesReadListener;
}

export async function readPage<E extends object, T>(request: ReadPageRequest<E, T>): Promise<Page<T>> {
  const pageSize = pageSizeOf(request.pageSize);
  let sdkToken = request.continuationToken === undefined ? undefined : decodePageToken(request.continuationToken);
  const items: T[] = [];
  try {
    // The service may end a page early (partition boundaries, 5 s budget); keep reading until full.
    do {
      const pages = request.table
        .listEntities<E>({ queryOptions: { filter: request.filter } })
        .byPage({ maxPageSize: pageSize - items.length, ...(sdkToken ? { continuationToken: sdkToken } : {}) });
      const next: IteratorResult<TableEntityResultPage<E>> = await pages.next();
      if (next.done) break;
      request.onRead(request.operation, next.value.length);
      items.push(...next.value.map(request.map));
      sdkToken = next.value.continuationToken;
    } while (sdkToken && items.length < pageSize);
  } catch (error) {
    throw mapTableError(error, `list '${request.table.tableName}'`);
  }
  return sdkToken ? { items, continuationToken: encodePageToken(sdkToken) } : { items };
}
