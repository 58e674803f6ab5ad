/**
 * Microsoft.Storage/storageAccounts as @azure/arm-storage 20 (api-version 2025-08-01) reads
 * them: getProperties, listKeys and regenerateKey. Each account holds key1 and key2;
 * regenerating one replaces its value at once, so the old value stops working on the data
 * plane (storage-data-plane.ts) from the next request on.
 */
import { randomBytes } from 'node:crypto';
import { ArmError, armErrors } from './arm-errors.js';
import { key } from './scopes.js';
import type { STORAGE_KINDS, STORAGE_SKUS } from './seed.js';
import type { ArmRequestContext, Route } from './routes.js';

export const STORAGE_KEY_NAMES = ['key1', 'key2'] as const;
export type StorageKeyName = (typeof STORAGE_KEY_NAMES)[number];

export interface StoredStorageKey {
  keyName: StorageKeyName;
  /** Base64 of 64 random bytes, as Storage makes them. Never logged, never in the admin API's state. */
  value: string;
  creationTime: string;
}

export interface StoredStorageAccount {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  kind: (typeof STORAGE_KINDS)[number];
  sku: (typeof STORAGE_SKUS)[number];
  tags: Record<string, string>;
  keys: StoredStorageKey[];
  createdAt: string;
}

export function storageAccountId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Storage/storageAccounts/${name}`;
}

function newKeyValue(): string {
  return randomBytes(64).toString('base64');
}

export function newStorageKeys(now: string): StoredStorageKey[] {
  return STORAGE_KEY_NAMES.map((keyName) => ({ keyName, value: newKeyValue(), creationTime: now }));
}

/** Which of the account's keys a value is, if any. */
export function matchingKey(account: StoredStorageAccount, value: string): StorageKeyName | undefined {
  return account.keys.find((candidate) => candidate.value === value)?.keyName;
}

/** The blob endpoint's origin: the real host name, with the stand-in's port when it serves one. */
export function blobEndpoint(account: StoredStorageAccount, port: number | undefined): string {
  return `https://${account.name}.blob.core.windows.net${port === undefined || port === 443 ? '' : `:${port}`}/`;
}

export function storageAccountBody(account: StoredStorageAccount, port: number | undefined): unknown {
  const endpoint = (service: string): string => blobEndpoint(account, port).replace('.blob.', `.${service}.`);
  return {
    id: account.id,
    name: account.name,
    type: 'Microsoft.Storage/storageAccounts',
    location: account.location,
    tags: account.tags,
    kind: account.kind,
    sku: { name: account.sku, tier: account.sku.startsWith('Premium') ? 'Premium' : 'Standard' },
    properties: {
      provisioningState: 'Succeeded',
      creationTime: account.createdAt,
      primaryLocation: account.location,
      statusOfPrimary: 'available',
      primaryEndpoints: { blob: endpoint('blob'), queue: endpoint('queue'), table: endpoint('table'), file: endpoint('file'), dfs: endpoint('dfs'), web: endpoint('web') },
      keyCreationTime: Object.fromEntries(account.keys.map((k) => [k.keyName, k.creationTime])),
      allowSharedKeyAccess: true,
      minimumTlsVersion: 'TLS1_2',
      supportsHttpsTrafficOnly: true,
      publicNetworkAccess: 'Enabled',
      encryption: { keySource: 'Microsoft.Storage', services: { blob: { enabled: true, keyType: 'Account' }, file: { enabled: true, keyType: 'Account' } } },
    },
  };
}

function keysBody(account: StoredStorageAccount): unknown {
  return { keys: account.keys.map((k) => ({ keyName: k.keyName, value: k.value, permissions: 'FULL', creationTime: k.creationTime })) };
}

function findAccount(context: ArmRequestContext, subscriptionId: string, group: string, name: string): StoredStorageAccount {
  context.requireGroup(subscriptionId, group);
  const account = context.state.storageAccounts.get(key(storageAccountId(subscriptionId, group, name)));
  if (!account) throw armErrors.resourceNotFound('Microsoft.Storage/storageAccounts', name, group);
  return account;
}

/** The keyName regenerateKey is asked for: a JSON object naming key1 or key2 (Storage's own names, compared case-insensitively). */
export function parseRegenerateKeyBody(body: string): StorageKeyName {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: the body is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: the body must be a JSON object.');
  const keyName = (parsed as { keyName?: unknown }).keyName;
  if (keyName === undefined || keyName === null) throw new ArmError(400, 'MissingRequiredRequestProperty', "The request body is missing the required property 'keyName'.");
  const name = typeof keyName === 'string' ? STORAGE_KEY_NAMES.find((candidate) => candidate === keyName.toLowerCase()) : undefined;
  if (!name) throw new ArmError(400, 'InvalidValuesForRequestParameters', `Values for request parameters are invalid: keyName. The key name must be one of ${STORAGE_KEY_NAMES.join(', ')}.`);
  return name;
}

const S = '([^/]+)';
const ACCOUNT = `^/subscriptions/${S}/resourceGroups/${S}/providers/Microsoft\\.Storage/storageAccounts/${S}`;

export function matchStorageRoute(path: string): Route | undefined {
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`${ACCOUNT}$`, 'i').exec(path))) {
    const [, sub, group, name] = m as unknown as [string, string, string, string];
    return { operation: 'storageAccounts.getProperties', family: 'Microsoft.Storage/storageAccounts', run: (c) => storageAccountBody(findAccount(c, sub, group, name), c.port) };
  }
  if ((m = new RegExp(`${ACCOUNT}/listKeys$`, 'i').exec(path))) {
    const [, sub, group, name] = m as unknown as [string, string, string, string];
    return { operation: 'storageAccounts.listKeys', family: 'Microsoft.Storage/storageAccounts', method: 'POST', run: (c) => keysBody(findAccount(c, sub, group, name)) };
  }
  if ((m = new RegExp(`${ACCOUNT}/regenerateKey$`, 'i').exec(path))) {
    const [, sub, group, name] = m as unknown as [string, string, string, string];
    return {
      operation: 'storageAccounts.regenerateKey',
      family: 'Microsoft.Storage/storageAccounts',
      method: 'POST',
      run: (c) => {
        const account = findAccount(c, sub, group, name);
        const keyName = parseRegenerateKeyBody(c.body);
        account.keys = account.keys.map((k) => (k.keyName === keyName ? { keyName, value: newKeyValue(), creationTime: c.state.now().toISOString() } : k));
        return keysBody(account);
      },
    };
  }
  return undefined;
}
