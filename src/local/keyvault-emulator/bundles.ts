/**
 * The JSON shapes Key Vault answers with: secret bundles (value only on a read),
 * list items (no value; `/secrets` items carry no version in `id`), and deleted
 * bundles with recoveryId, deletedDate and scheduledPurgeDate. Times are Unix seconds.
 */
import { RECOVERABLE_DAYS, RECOVERY_LEVEL, type DeletedSecret, type StoredSecret, type StoredVersion } from './store.js';

export interface WireAttributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  recoveryLevel: string;
  recoverableDays: number;
}

export interface WireSecret {
  value?: string;
  id: string;
  contentType?: string;
  attributes: WireAttributes;
  tags?: Record<string, string>;
}

export interface WireDeletedSecret extends WireSecret {
  recoveryId: string;
  deletedDate: number;
  scheduledPurgeDate: number;
}

function attributes(version: StoredVersion): WireAttributes {
  return {
    enabled: version.enabled,
    ...(version.nbf !== undefined ? { nbf: version.nbf } : {}),
    ...(version.exp !== undefined ? { exp: version.exp } : {}),
    created: version.created,
    updated: version.updated,
    recoveryLevel: RECOVERY_LEVEL,
    recoverableDays: RECOVERABLE_DAYS,
  };
}

export function secretId(vaultUrl: string, secret: StoredSecret, version?: StoredVersion): string {
  return `${vaultUrl}/secrets/${secret.name}${version ? `/${version.version}` : ''}`;
}

function describe(id: string, version: StoredVersion): WireSecret {
  return {
    id,
    ...(version.contentType !== undefined ? { contentType: version.contentType } : {}),
    attributes: attributes(version),
    ...(version.tags ? { tags: { ...version.tags } } : {}),
  };
}

/** A full bundle; `withValue` only for get and set, the operations that return a value. */
export function secretBundle(vaultUrl: string, secret: StoredSecret, version: StoredVersion, withValue: boolean): WireSecret {
  return { ...(withValue ? { value: version.value } : {}), ...describe(secretId(vaultUrl, secret, version), version) };
}

/** A list item: `/secrets` names the secret, `/secrets/{name}/versions` names each version. */
export function secretItem(vaultUrl: string, secret: StoredSecret, version: StoredVersion, versioned: boolean): WireSecret {
  return describe(secretId(vaultUrl, secret, versioned ? version : undefined), version);
}

function deletedFields(vaultUrl: string, deleted: DeletedSecret): Pick<WireDeletedSecret, 'recoveryId' | 'deletedDate' | 'scheduledPurgeDate'> {
  return {
    recoveryId: `${vaultUrl}/deletedsecrets/${deleted.secret.name}`,
    deletedDate: deleted.deletedDate,
    scheduledPurgeDate: deleted.scheduledPurgeDate,
  };
}

export function deletedBundle(vaultUrl: string, deleted: DeletedSecret, version: StoredVersion): WireDeletedSecret {
  return { ...deletedFields(vaultUrl, deleted), ...describe(secretId(vaultUrl, deleted.secret, version), version) };
}

export function deletedItem(vaultUrl: string, deleted: DeletedSecret, version: StoredVersion): WireDeletedSecret {
  return { ...deletedFields(vaultUrl, deleted), ...describe(secretId(vaultUrl, deleted.secret), version) };
}
