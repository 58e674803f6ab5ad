/** Key rules and encodings shared by the Table Storage adapters. */
import { ValidationError } from '../../core/errors.js';

// Table Storage refuses these in PartitionKey/RowKey: / \ # ? and control characters.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_KEY_CHARS = /[/\\#?\u0000-\u001f\u007f-\u009f]/;
const MAX_KEY_LENGTH = 512; // keys may hold 1 KiB; UTF-16 makes that 512 characters

/** Throws ValidationError unless `value` can be (part of) a PartitionKey or RowKey. */
export function assertKeyPart(value: string, what: string): void {
  if (value.length === 0 || value.length > MAX_KEY_LENGTH || FORBIDDEN_KEY_CHARS.test(value)) {
    throw new ValidationError(`${what} must be 1-${MAX_KEY_LENGTH} characters without / \\ # ? or control characters`, [
      { path: what, message: 'not usable as a Table Storage key' },
    ]);
  }
}

/** The vault's name: the first label of the vault URL's host (https://kv-x.vault.azure.net -> kv-x). */
export function vaultNameOf(vaultUrl: string): string {
  let host: string;
  try {
    host = new URL(vaultUrl).hostname;
  } catch {
    throw new ValidationError(`vaultUrl '${vaultUrl}' is not a URL`, [{ path: 'vaultUrl', message: 'not a URL' }]);
  }
  return (host.split('.')[0] ?? host).toLowerCase();
}

/** Fixed-width ISO instant, so string order is time order. */
export function sortableInstant(date: Date): string {
  const iso = Number.isNaN(date.getTime()) ? '' : date.toISOString();
  if (iso.length !== 24) {
    throw new ValidationError(`instant '${String(date)}' is outside years 0000-9999`, [{ path: 'dueAt', message: 'out of range' }]);
  }
  return iso;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function pageSizeOf(pageSize: number | undefined): number {
  if (pageSize === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new ValidationError(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}`, [{ path: 'pageSize', message: 'out of range' }]);
  }
  return Math.min(pageSize, MAX_PAGE_SIZE);
}

/** Our continuation tokens wrap the SDK's so callers cannot depend on its format. */
export function encodePageToken(sdkToken: string): string {
  return Buffer.from(sdkToken, 'utf8').toString('base64url');
}

export function decodePageToken(token: string): string {
  const sdkToken = Buffer.from(token, 'base64url').toString('utf8');
  // The SDK would fail later with a bare SyntaxError; refuse a foreign token up front instead.
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(sdkToken, 'base64').toString('utf8'));
  } catch {
    position = undefined;
  }
  if (typeof position !== 'object' || position === null || typeof (position as { nextPartitionKey?: unknown }).nextPartitionKey !== 'string') {
    throw new ValidationError('continuationToken is not one this service issued', [{ path: 'continuationToken', message: 'malformed' }]);
  }
  return sdkToken;
}
