/**
 * Change requests in Table Storage.
 *
 * Layout: one partition 'change-request' holds each request twice: the request
 * itself at RowKey 'r:<id>' (read and written by id, its ETag guards every
 * decision), and a copy at 's:<status>:<requestedAt, fixed-width ISO>:<id>', the
 * status index. Listing a status is one range scan over 's:<status>:', oldest
 * first, that reads only requests in that status (no scan of the others, no
 * second read per item). A status change rewrites the request conditionally on
 * its ETag, deletes the old index row and creates the new one in a single
 * entity-group transaction, possible because all three rows share the partition:
 * a crash or a lost race can never leave the index disagreeing with the request.
 * Approval traffic is a few writes a minute, far below one partition's limits.
 *
 * The request is stored as JSON, exactly as given (the body is never re-typed, so
 * it hashes the same on the way back), split over columns of 30,000 characters
 * because a string property holds at most 32K; the other columns are for queries
 * and for people reading the table.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { ConcurrencyConflictError, ValidationError } from '../../core/errors.js';
import type { Page, PageOptions } from '../../core/ports.js';
import type { ChangeRequest, ChangeRequestStatus } from '../../core/approvals/change-request.js';
import type { ChangeRequestStore, VersionedChangeRequest } from '../../core/approvals/ports.js';
import { ignoreReads, type EntitiesReadListener, type TableReadOperation } from './read-meter.js';
import { createTableIfMissing, mapTableError, statusOf } from './table-errors.js';
import { assertKeyPart, sortableInstant } from './table-keys.js';
import { readPage } from './table-paging.js';

const PARTITION = 'change-request';
const REQUEST_ROW_PREFIX = 'r:';
const STATUS_ROW_PREFIX = 's:';
const JSON_PART_CHARS = 30_000;
const JSON_PART_COLUMN = 'requestJson';

// Until read-meter.ts names these operations, they are reported under these labels.
const READ_GET = 'changeRequests.get' as TableReadOperation;
const READ_LIST = 'changeRequests.list' as TableReadOperation;

type ChangeRequestEntity = {
  partitionKey: string;
  rowKey: string;
  requestId: string;
  action: string;
  policyId: string;
  environment: string;
  status: string;
  requesterOid: string;
  requestedAt: Date;
  expiresAt: Date;
  requestJsonParts: number;
} & Record<string, unknown>;

/** Ids are the app's own (UUIDs); the bound leaves room for the prefixes within a key's 1 KiB. */
const MAX_ID_CHARS = 256;

function assertId(id: string): void {
  assertKeyPart(id, 'change request id');
  if (id.length > MAX_ID_CHARS) {
    throw new ValidationError(`change request id must be at most ${MAX_ID_CHARS} characters`, [{ path: 'change request id', message: 'too long' }]);
  }
}

function requestRowKey(id: string): string {
  assertId(id);
  return `${REQUEST_ROW_PREFIX}${id}`;
}

function statusRowKey(request: Pick<ChangeRequest, 'id' | 'status' | 'requestedAt'>): string {
  assertId(request.id);
  return `${statusPrefix(request.status)}${sortableInstant(request.requestedAt)}:${request.id}`;
}

function statusPrefix(status: ChangeRequestStatus): string {
  return `${STATUS_ROW_PREFIX}${status}:`;
}

function toEntity(request: ChangeRequest, rowKey: string): ChangeRequestEntity {
  const json = JSON.stringify(request);
  const parts: Record<string, string> = {};
  let count = 0;
  for (let start = 0; start < json.length || count === 0; start += JSON_PART_CHARS) parts[`${JSON_PART_COLUMN}${count++}`] = json.slice(start, start + JSON_PART_CHARS);
  return {
    partitionKey: PARTITION,
    rowKey,
    requestId: request.id,
    action: request.action,
    policyId: request.policyId,
    environment: request.environment,
    status: request.status,
    requesterOid: request.requester.oid,
    requestedAt: request.requestedAt,
    expiresAt: request.expiresAt,
    requestJsonParts: count,
    ...parts,
  };
}

function fromEntity(entity: Record<string, unknown>): ChangeRequest {
  const count = Number(entity['requestJsonParts']);
  let json = '';
  for (let part = 0; part < count; part++) json += String(entity[`${JSON_PART_COLUMN}${part}`] ?? '');
  return withDates(JSON.parse(json) as ChangeRequest);
}

/** JSON has no Dates: these are the fields that hold one. The body is left exactly as it was stored. */
function withDates(raw: ChangeRequest): ChangeRequest {
  const at = (value: unknown): Date => new Date(value as string);
  const request: ChangeRequest = {
    ...raw,
    requestedAt: at(raw.requestedAt),
    expiresAt: at(raw.expiresAt),
    approvals: raw.approvals.map((approval) => ({ ...approval, at: at(approval.at) })),
  };
  if (raw.closedAt !== undefined) request.closedAt = at(raw.closedAt);
  if (raw.rejection) request.rejection = { ...raw.rejection, at: at(raw.rejection.at) };
  if (raw.execution) {
    const { startedAt, leaseExpiresAt, finishedAt } = raw.execution;
    request.execution = { ...raw.execution, startedAt: at(startedAt), leaseExpiresAt: at(leaseExpiresAt), ...(finishedAt !== undefined ? { finishedAt: at(finishedAt) } : {}) };
  }
  return request;
}

/**
 * The request row's new ETag: its write is the first action of every transaction here, and
 * sub-responses come in the order of the actions. Not read back afterwards, which could
 * pick up a later writer's ETag and let a stale decision overwrite theirs.
 */
function etagOf(subResponses: { etag?: string }[]): string {
  const etag = subResponses[0]?.etag?.trim();
  if (!etag) throw new Error('Table Storage returned no ETag for the change request');
  return etag;
}

export interface TableChangeRequestStoreOptions {
  onEntitiesRead?: EntitiesReadListener;
}

export class TableChangeRequestStore implements ChangeRequestStore {
  readonly #table: TableClient;
  readonly #onRead: EntitiesReadListener;

  constructor(table: TableClient, options: TableChangeRequestStoreOptions = {}) {
    this.#table = table;
    this.#onRead = options.onEntitiesRead ?? ignoreReads;
  }

  createIfMissing(): Promise<void> {
    return createTableIfMissing(this.#table);
  }

  async create(request: ChangeRequest): Promise<VersionedChangeRequest> {
    const rowKey = requestRowKey(request.id);
    const actions: TransactionAction[] = [
      ['create', toEntity(request, rowKey)],
      ['create', toEntity(request, statusRowKey(request))],
    ];
    try {
      const response = await this.#table.submitTransaction(actions);
      return { request: structuredClone(request), etag: etagOf(response.subResponses) };
    } catch (error) {
      if (statusOf(error) === 409) throw new ConcurrencyConflictError(`change request '${request.id}' already exists`, { cause: error });
      throw mapTableError(error, `create change request '${request.id}'`);
    }
  }

  async get(id: string): Promise<VersionedChangeRequest | undefined> {
    const rowKey = requestRowKey(id);
    try {
      const entity = await this.#table.getEntity<ChangeRequestEntity>(PARTITION, rowKey);
      this.#onRead(READ_GET, 1);
      return { request: fromEntity(entity), etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) {
        this.#onRead(READ_GET, 0);
        return undefined;
      }
      throw mapTableError(error, `read change request '${id}'`);
    }
  }

  async replace(request: ChangeRequest, expectedEtag: string): Promise<VersionedChangeRequest> {
    const current = await this.get(request.id);
    const stale = (cause?: unknown) =>
      new ConcurrencyConflictError(`change request '${request.id}' changed since it was read (stale ETag)`, cause === undefined ? {} : { cause });
    if (!current || current.etag !== expectedEtag) throw stale();
    const rowKey = requestRowKey(request.id);
    const oldIndex = statusRowKey(current.request);
    const newIndex = statusRowKey(request);
    // The request row is replaced only if its ETag still matches; the transaction is all or nothing.
    const actions: TransactionAction[] = [['update', toEntity(request, rowKey), 'Replace', { etag: expectedEtag }]];
    if (oldIndex === newIndex) actions.push(['upsert', toEntity(request, newIndex), 'Replace']);
    else actions.push(['delete', { partitionKey: PARTITION, rowKey: oldIndex }], ['create', toEntity(request, newIndex)]);
    try {
      const response = await this.#table.submitTransaction(actions);
      return { request: structuredClone(request), etag: etagOf(response.subResponses) };
    } catch (error) {
      // 412: another write landed first; 404: the request or its index row went; 409: the new index row exists.
      const status = statusOf(error);
      if (status === 404 || status === 409 || status === 412) throw stale(error);
      throw mapTableError(error, `replace change request '${request.id}'`);
    }
  }

  listByStatus(status: ChangeRequestStatus, options: PageOptions = {}): Promise<Page<ChangeRequest>> {
    const prefix = statusPrefix(status);
    // ';' is the character after ':', so this range is exactly the rows that start with the prefix.
    const end = `${prefix.slice(0, -1)};`;
    return readPage<ChangeRequestEntity, ChangeRequest>({
      table: this.#table,
      filter: odata`PartitionKey eq ${PARTITION} and RowKey ge ${prefix} and RowKey lt ${end}`,
      pageSize: options.pageSize,
      continuationToken: options.continuationToken,
      map: (entity) => fromEntity(entity),
      operation: READ_LIST,
      onRead: this.#onRead,
    });
  }
}
