/**
 * The secrets REST surface as the real SecretClient calls it: which path and method
 * is which SDK operation (so counts and throttling can name it before it runs), and
 * what each operation answers.
 */
import { deletedBundle, deletedItem, secretBundle, secretItem, type WireSecret } from './bundles.js';
import { openBackup, sealBackup } from './backup.js';
import { serviceErrors, type KeyVaultServiceError } from './service-errors.js';
import { latestVersion, type StoredSecret, type StoredVersion, type VaultStore } from './store.js';
import { assertSecretName, MAX_BACKUP_VERSIONS, parseJsonBody, parseSetSecret, parseUpdateSecret } from './validation.js';

/** Named after the SecretClient method that sends the request. */
export const SECRET_OPERATIONS = [
  'setSecret',
  'getSecret',
  'updateSecretProperties',
  'listPropertiesOfSecretVersions',
  'listPropertiesOfSecrets',
  'deleteSecret',
  'getDeletedSecret',
  'listDeletedSecrets',
  'recoverDeletedSecret',
  'purgeDeletedSecret',
  'backupSecret',
  'restoreSecretBackup',
] as const;
export type SecretOperation = (typeof SECRET_OPERATIONS)[number];

/** Operations that count against the "creates" limit; everything else is an "other" transaction. */
export const CREATE_OPERATIONS: ReadonlySet<SecretOperation> = new Set(['setSecret', 'restoreSecretBackup']);

export const SUPPORTED_API_VERSIONS: ReadonlySet<string> = new Set([
  '7.0',
  '7.1',
  '7.2',
  '7.3-preview',
  '7.3',
  '7.4-preview.1',
  '7.4',
  '7.5-preview.1',
  '7.5',
  '7.6-preview.1',
  '7.6-preview.2',
  '7.6',
  '2025-07-01',
]);

/** Key Vault returns at most 25 items a page, whatever maxresults asks for. */
export const MAX_PAGE_SIZE = 25;

export type RouteMatch =
  | { kind: 'operation'; operation: SecretOperation; name?: string; version?: string }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

interface Pattern {
  methods: Partial<Record<string, SecretOperation>>;
  name?: string;
  version?: string;
}

function decodeSegments(pathname: string): string[] | undefined {
  try {
    return pathname.replace(/^\/+/, '').split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function pattern(segments: string[]): Pattern | undefined {
  // A trailing slash names "the current version" on a secret and nothing else.
  const [collection = '', name, third, ...rest] = segments;
  if (rest.length > 0) return undefined;
  const lowerCollection = collection.toLowerCase();
  if (lowerCollection === 'secrets') {
    if (name === undefined || (name === '' && third === undefined)) return { methods: { GET: 'listPropertiesOfSecrets' } };
    if (name === '') return undefined;
    if (third === undefined || third === '') {
      const methods: Pattern['methods'] = { PUT: 'setSecret', GET: 'getSecret', PATCH: 'updateSecretProperties', DELETE: 'deleteSecret' };
      if (name.toLowerCase() === 'restore' && third === undefined) methods.POST = 'restoreSecretBackup';
      return { methods, name };
    }
    if (third.toLowerCase() === 'versions') return { methods: { GET: 'listPropertiesOfSecretVersions' }, name };
    if (third.toLowerCase() === 'backup') return { methods: { POST: 'backupSecret' }, name };
    return { methods: { GET: 'getSecret', PATCH: 'updateSecretProperties' }, name, version: third };
  }
  if (lowerCollection === 'deletedsecrets') {
    if (name === undefined || (name === '' && third === undefined)) return { methods: { GET: 'listDeletedSecrets' } };
    if (name === '') return undefined;
    if (third === undefined || third === '') return { methods: { GET: 'getDeletedSecret', DELETE: 'purgeDeletedSecret' }, name };
    if (third.toLowerCase() === 'recover') return { methods: { POST: 'recoverDeletedSecret' }, name };
  }
  return undefined;
}

export function matchRoute(method: string, pathname: string): RouteMatch {
  const segments = decodeSegments(pathname);
  const found = segments ? pattern(segments) : undefined;
  if (!found) return { kind: 'not-found' };
  const operation = found.methods[method.toUpperCase()];
  if (!operation) return { kind: 'method-not-allowed', allow: Object.keys(found.methods) };
  if (operation === 'restoreSecretBackup') return { kind: 'operation', operation };
  return {
    kind: 'operation',
    operation,
    ...(found.name !== undefined ? { name: found.name } : {}),
    ...(found.version !== undefined ? { version: found.version } : {}),
  };
}

export interface OperationContext {
  store: VaultStore;
  /** https://<vault>.vault.azure.net:<port>, the base of every id and nextLink. */
  vaultUrl: string;
  apiVersion: string;
  query: URLSearchParams;
  body: string;
  /** Told of every version setSecret writes, for SecretNewVersionCreated. */
  onNewVersion(secret: StoredSecret, version: StoredVersion): void;
}

export interface OperationResult {
  status: number;
  body?: unknown;
}

interface Paged<T> {
  key: string;
  item: T;
}

/** The requested page size, capped at Key Vault's 25. */
function pageSize(query: URLSearchParams): number | undefined {
  const raw = query.get('maxresults');
  if (raw === null || raw === '') return undefined;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1) throw serviceErrors.badParameter(`Invalid value for maxresults: '${raw}'. It must be a positive integer.`);
  return size;
}

function readMarker(query: URLSearchParams): string | undefined {
  const token = query.get('$skiptoken');
  if (!token) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { NextMarker?: unknown };
    if (typeof parsed.NextMarker === 'string') return parsed.NextMarker;
  } catch {
    // fall through to the error below
  }
  throw serviceErrors.badParameter('The $skiptoken is not valid.');
}

/** Keyset paging over a stable sort key, so a page boundary survives writes between pages. */
function page<T>(ctx: OperationContext, path: string, entries: Paged<T>[]): { value: T[]; nextLink: string | null } {
  const size = pageSize(ctx.query);
  const marker = readMarker(ctx.query);
  const sorted = entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const remaining = marker === undefined ? sorted : sorted.filter((entry) => entry.key > marker);
  const limit = Math.min(size ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const taken = remaining.slice(0, limit);
  const last = taken[taken.length - 1];
  if (remaining.length <= limit || !last) return { value: taken.map((entry) => entry.item), nextLink: null };
  const next = new URLSearchParams({ 'api-version': ctx.apiVersion, $skiptoken: Buffer.from(JSON.stringify({ NextMarker: last.key })).toString('base64url') });
  if (size !== undefined) next.set('maxresults', String(size));
  return { value: taken.map((entry) => entry.item), nextLink: `${ctx.vaultUrl}${path}?${next.toString()}` };
}

function requireName(name: string | undefined): string {
  if (name === undefined) throw new Error('route without a secret name');
  assertSecretName(name);
  return name;
}

export function executeOperation(match: Extract<RouteMatch, { kind: 'operation' }>, ctx: OperationContext): OperationResult {
  const { store, vaultUrl } = ctx;
  switch (match.operation) {
    case 'setSecret': {
      const name = requireName(match.name);
      const input = parseSetSecret(parseJsonBody(ctx.body));
      const { secret, version } = store.set(name, input);
      ctx.onNewVersion(secret, version);
      return { status: 200, body: secretBundle(vaultUrl, secret, version, true) };
    }
    case 'getSecret': {
      const name = requireName(match.name);
      const { secret, version } = store.get(name, match.version);
      if (!version.enabled) throw serviceErrors.disabled('get');
      return { status: 200, body: secretBundle(vaultUrl, secret, version, true) };
    }
    case 'updateSecretProperties': {
      const name = requireName(match.name);
      const input = parseUpdateSecret(parseJsonBody(ctx.body));
      const { secret, version } = store.update(name, match.version || undefined, input);
      return { status: 200, body: secretBundle(vaultUrl, secret, version, false) };
    }
    case 'listPropertiesOfSecretVersions': {
      const name = requireName(match.name);
      // Key Vault promises no order; sorting by the random version id keeps callers from relying on one.
      const entries = store.versions(name).map(({ secret, version }) => ({ key: version.version, item: secretItem(vaultUrl, secret, version, true) }));
      return { status: 200, body: page<WireSecret>(ctx, `/secrets/${encodeURIComponent(name)}/versions`, entries) };
    }
    case 'listPropertiesOfSecrets': {
      const entries = store.list().map((secret) => ({ key: secret.name.toLowerCase(), item: secretItem(vaultUrl, secret, latestVersion(secret), false) }));
      return { status: 200, body: page<WireSecret>(ctx, '/secrets', entries) };
    }
    case 'deleteSecret': {
      const deleted = store.delete(requireName(match.name));
      return { status: 200, body: deletedBundle(vaultUrl, deleted, latestVersion(deleted.secret)) };
    }
    case 'getDeletedSecret': {
      const deleted = store.getDeleted(requireName(match.name));
      return { status: 200, body: deletedBundle(vaultUrl, deleted, latestVersion(deleted.secret)) };
    }
    case 'listDeletedSecrets': {
      const entries = store.listDeleted().map((deleted) => ({ key: deleted.secret.name.toLowerCase(), item: deletedItem(vaultUrl, deleted, latestVersion(deleted.secret)) }));
      return { status: 200, body: page(ctx, '/deletedsecrets', entries) };
    }
    case 'recoverDeletedSecret': {
      const secret = store.recover(requireName(match.name));
      return { status: 200, body: secretBundle(vaultUrl, secret, latestVersion(secret), false) };
    }
    case 'purgeDeletedSecret': {
      store.purge(requireName(match.name));
      return { status: 204 };
    }
    case 'backupSecret': {
      const name = requireName(match.name);
      const { secret } = store.get(name);
      if (secret.versions.length > MAX_BACKUP_VERSIONS) {
        throw serviceErrors.badParameter(`Secret ${secret.name} has ${secret.versions.length} versions; a secret with more than ${MAX_BACKUP_VERSIONS} versions cannot be backed up.`);
      }
      return { status: 200, body: { value: sealBackup(secret).toString('base64url') } };
    }
    case 'restoreSecretBackup': {
      const body = parseJsonBody(ctx.body);
      const value = body['value'];
      if (typeof value !== 'string' || value === '') throw serviceErrors.badParameter("Property 'value' is required: the backup blob, base64url-encoded.");
      const secret = store.restore(openBackup(Buffer.from(value, 'base64url')));
      return { status: 200, body: secretBundle(vaultUrl, secret, latestVersion(secret), false) };
    }
  }
}

export function isServiceError(error: unknown): error is KeyVaultServiceError {
  return error instanceof Error && error.name === 'KeyVaultServiceError';
}
