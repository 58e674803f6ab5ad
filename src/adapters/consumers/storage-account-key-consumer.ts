/**
 * The `storage-account-key` issuer: a storage account's two access keys, alternated. Each rotation
 * regenerates the key applications do not use (told by comparing the vault's value with the
 * account's keys), proves the new one with a Shared Key signed request to the account's blob
 * endpoint, and hands it to the issued-credential strategy to write, as the key itself or as a
 * connection string. After the grace period the replaced key is regenerated too, which is what
 * makes its old value stop working: Storage has no other way to revoke a key.
 *
 * Key values are compared in memory by digest and never logged; errors name the account and key1
 * or key2, never a value.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ArmClients } from '../arm/arm-clients.js';
import { STORAGE_KEY_NAMES, StorageAccountKeys, type StorageAccountKey, type StorageKeyName } from '../arm/storage-account-keys.js';
import { CredentialRefusedError, type IssuedCredential, type IssuerKind } from '../../core/consumers/consumer-port.js';
import { issuerSchema } from '../../core/consumers/follower-schema.js';
import { PermanentDependencyError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { SecretValue } from '../../core/secret-value.js';

export const STORAGE_ACCOUNT_KEY_KIND = 'storage-account-key';
export const STORAGE_KEY_FORMATS = ['key', 'connection-string'] as const;
export type StorageKeyFormat = (typeof STORAGE_KEY_FORMATS)[number];
export const DEFAULT_ENDPOINT_SUFFIX = 'core.windows.net';
/** Regenerated on a first rotation, when the vault holds neither key: applications are expected on key1, the key Azure's portal shows first. */
export const FIRST_KEY_ISSUED: StorageKeyName = 'key2';

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** ARM's rule for resource group names: 1-90 of letters, digits, _ - . ( ), not ending in a period. */
const RESOURCE_GROUP = '[-\\w._()]{0,89}[-\\w_()]';
/** ARM ids' own segments in any case; the account name as Storage takes it: 3-24 lower-case letters and digits. */
const ACCOUNT_PREFIX = new RegExp(`^/subscriptions/${GUID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft\\.Storage/storageAccounts/`, 'i');
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
/** A DNS suffix of Azure's clouds: core.windows.net, core.chinacloudapi.cn, core.usgovcloudapi.net. */
const ENDPOINT_SUFFIX = /^(?=.{4,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

const accountIdSchema = z
  .string()
  .max(400, 'must be at most 400 characters')
  .superRefine((id, ctx) => {
    const prefix = ACCOUNT_PREFIX.exec(id);
    if (!prefix) ctx.addIssue({ code: 'custom', message: 'must be /subscriptions/{guid}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{name}' });
    else if (!ACCOUNT_NAME.test(id.slice(prefix[0].length))) ctx.addIssue({ code: 'custom', message: 'must end in a storage account name: 3-24 lower-case letters and digits' });
  });

const storageAccountKeySchema = issuerSchema(STORAGE_ACCOUNT_KEY_KIND, {
  /** The account whose key1 and key2 alternate. */
  accountId: accountIdSchema,
  /** What the vault holds: the key alone (default), or a connection string with it. */
  format: z.enum(STORAGE_KEY_FORMATS).optional(),
  /** The connection string's EndpointSuffix; default core.windows.net. Only with format connection-string. */
  endpointSuffix: z.string().max(253, 'must be at most 253 characters').regex(ENDPOINT_SUFFIX, 'must be a DNS suffix such as core.windows.net').optional(),
}).superRefine((spec, ctx) => {
  if (spec.endpointSuffix !== undefined && formatOf(spec) !== 'connection-string') {
    ctx.addIssue({ code: 'custom', path: ['endpointSuffix'], message: "applies only to format 'connection-string': a key alone names no endpoint" });
  }
});

export type StorageAccountKeySpec = z.output<typeof storageAccountKeySchema>;

/** Left out of the stored policy when not given, so a Secretfile without it shows no drift. */
function formatOf(spec: { format?: StorageKeyFormat | undefined }): StorageKeyFormat {
  return spec.format ?? 'key';
}

export interface StorageAccountKeyRuntime {
  arm: ArmClients;
  logger: Logger;
}

function accountNameOf(accountId: string): string {
  return accountId.slice(accountId.lastIndexOf('/') + 1);
}

export function connectionString(account: string, key: SecretValue, endpointSuffix: string): SecretValue {
  return SecretValue.of(`DefaultEndpointsProtocol=https;AccountName=${account};AccountKey=${key.reveal()};EndpointSuffix=${endpointSuffix}`);
}

/**
 * The account key a vault value holds: a connection string's AccountKey, else the value itself.
 * Either format is read whatever the spec says, so a policy moved from one format to the other
 * still tells which key applications use.
 */
export function accountKeyIn(value: SecretValue): SecretValue {
  const text = value.reveal().trim();
  if (!/(^|;)\s*AccountKey\s*=/i.test(text)) return SecretValue.of(text);
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    // Base64 keys end in '=': only the first one separates the name.
    if (at > 0 && part.slice(0, at).trim().toLowerCase() === 'accountkey') return SecretValue.of(part.slice(at + 1).trim());
  }
  return SecretValue.of('');
}

const digest = (value: SecretValue) => createHash('sha256').update(value.reveal(), 'utf8').digest();

function sameKey(a: SecretValue, b: SecretValue): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function isKeyName(id: string | undefined): id is StorageKeyName {
  return (STORAGE_KEY_NAMES as readonly string[]).includes(id ?? '');
}

function keyNamed(keys: StorageAccountKey[], name: StorageKeyName, account: string): SecretValue {
  const key = keys.find((candidate) => candidate.keyName === name);
  if (!key) throw new PermanentDependencyError(`ARM answered the keys of storage account ${account} without ${name}`);
  return key.value;
}

export function storageAccountKeyConsumer(runtime: StorageAccountKeyRuntime): IssuerKind<StorageAccountKeySpec> {
  // Built on first use: the validation-only catalog must never reach ARM.
  let keys: StorageAccountKeys | undefined;
  const keysOf = () => (keys ??= new StorageAccountKeys(runtime.arm));

  return {
    kind: STORAGE_ACCOUNT_KEY_KIND,
    role: 'issuer',
    schema: storageAccountKeySchema,

    async identify(spec, current) {
      const held = accountKeyIn(current);
      if (held.byteLength === 0) return undefined;
      return (await keysOf().list(spec.accountId)).find((key) => sameKey(key.value, held))?.keyName;
    },

    async issue(spec, inUse): Promise<IssuedCredential> {
      const account = accountNameOf(spec.accountId);
      const keyName: StorageKeyName = inUse === 'key2' ? 'key1' : inUse === 'key1' ? 'key2' : FIRST_KEY_ISSUED;
      // Regenerating the key nobody uses is its own look-then-act: a retry regenerates it again, which no one notices.
      const value = keyNamed(await keysOf().regenerate(spec.accountId, keyName), keyName, account);
      runtime.logger.info('storage-account-key.regenerated', { account, keyName, inUse: inUse ?? 'none known', purpose: 'issue' });
      return { id: keyName, value: formatOf(spec) === 'connection-string' ? connectionString(account, value, spec.endpointSuffix ?? DEFAULT_ENDPOINT_SUFFIX) : value };
    },

    async verify(spec, credential) {
      const account = accountNameOf(spec.accountId);
      if (!(await keysOf().verify(spec.accountId, accountKeyIn(credential.value), { endpointSuffix: spec.endpointSuffix ?? DEFAULT_ENDPOINT_SUFFIX }))) {
        throw new CredentialRefusedError(`storage account ${account} refused a request signed with the new ${credential.id}: it is not one of the account's keys (regenerated again since?)`);
      }
    },

    async revoke(spec, id, keep) {
      const account = accountNameOf(spec.accountId);
      if (!isKeyName(id) || !isKeyName(keep)) throw new PermanentDependencyError(`storage account ${account}: '${String(id).slice(0, 40)}' and '${String(keep).slice(0, 40)}' must be key1 and key2`);
      if (id === keep) throw new PermanentDependencyError(`storage account ${account}: asked to revoke ${id}, the key applications use`);
      // The old value is gone from every answer once regenerated, so there is nothing to look at first: regenerating again is harmless.
      await keysOf().regenerate(spec.accountId, id);
      runtime.logger.info('storage-account-key.regenerated', { account, keyName: id, inUse: keep, purpose: 'revoke' });
      return `${id} of storage account ${account} regenerated: its old value no longer works; ${keep} is untouched`;
    },
  };
}
