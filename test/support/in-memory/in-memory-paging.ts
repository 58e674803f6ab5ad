/** Key-ordered paging for the twins: the token names the last key served, like the service's continuation. */
import { ValidationError } from '../../../src/core/errors.js';
import type { Page, PageOptions } from '../../../src/core/ports.js';
import { pageSizeOf } from '../../../src/adapters/tables/table-keys.js';

function encodeCursor(lastKey: string): string {
  return Buffer.from(JSON.stringify({ after: lastKey }), 'utf8').toString('base64url');
}

function decodeCursor(token: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const after = typeof parsed === 'object' && parsed !== null ? (parsed as { after?: unknown }).after : undefined;
  if (typeof after !== 'string') {
    throw new ValidationError('continuationToken is not one this service issued', [{ path: 'continuationToken', message: 'malformed' }]);
  }
  return after;
}

/** `entries` in any order; served in ascending key order. */
export function pageByKey<T>(entries: Iterable<[string, T]>, options: PageOptions, copy: (item: T) => T): Page<T> {
  const pageSize = pageSizeOf(options.pageSize);
  const after = options.continuationToken === undefined ? undefined : decodeCursor(options.continuationToken);
  const sorted = [...entries].filter(([key]) => after === undefined || key > after).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const served = sorted.slice(0, pageSize);
  const last = served.at(-1);
  const items = served.map(([, item]) => copy(item));
  return sorted.length > pageSize && last ? { items, continuationToken: encodeCursor(last[0]) } : { items };
}
