/**
 * Key Vault's secret events in the Event Grid schema, as the vault's system topic
 * sends them (PascalCase `data`), and the near-expiry / expired evaluation: each fires
 * once per version and `exp`, 30 days before and at `exp` by the emulator clock.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatedVault } from './options.js';
import type { StoredSecret, StoredVersion, VaultStore } from './store.js';

export const SECRET_NEW_VERSION_CREATED = 'Microsoft.KeyVault.SecretNewVersionCreated';
export const SECRET_NEAR_EXPIRY = 'Microsoft.KeyVault.SecretNearExpiry';
export const SECRET_EXPIRED = 'Microsoft.KeyVault.SecretExpired';
export const SECRET_EVENT_TYPES = [SECRET_NEW_VERSION_CREATED, SECRET_NEAR_EXPIRY, SECRET_EXPIRED] as const;
export type SecretEventType = (typeof SECRET_EVENT_TYPES)[number];

/** Not configurable for secrets in Key Vault. */
export const NEAR_EXPIRY_WINDOW_SECONDS = 30 * 24 * 60 * 60;

export interface KeyVaultEventData {
  Id: string;
  VaultName: string;
  ObjectType: 'Secret';
  ObjectName: string;
  Version: string;
  NBF: number | null;
  EXP: number | null;
}

export interface EventGridEvent<TData = unknown> {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: TData;
  dataVersion: string;
  metadataVersion: '1';
}

export function secretEvent(type: SecretEventType, vault: EmulatedVault, secret: StoredSecret, version: StoredVersion, at: Date): EventGridEvent<KeyVaultEventData> {
  return {
    id: randomUUID(),
    topic: vault.resourceId,
    subject: secret.name,
    eventType: type,
    eventTime: at.toISOString(),
    data: {
      Id: `${vault.url}/secrets/${secret.name}/${version.version}`,
      VaultName: vault.name,
      ObjectType: 'Secret',
      ObjectName: secret.name,
      Version: version.version,
      NBF: version.nbf ?? null,
      EXP: version.exp ?? null,
    },
    dataVersion: '1',
    metadataVersion: '1',
  };
}

/** Events now due for every version of every live secret in the vault; marks them sent. */
export function dueExpiryEvents(store: VaultStore, vault: EmulatedVault, at: Date): EventGridEvent<KeyVaultEventData>[] {
  const now = Math.floor(at.getTime() / 1000);
  const events: EventGridEvent<KeyVaultEventData>[] = [];
  for (const secret of store.list()) {
    for (const version of secret.versions) {
      const exp = version.exp;
      if (exp === undefined) continue;
      // A version born already expired never was "near" expiry.
      if (version.nearExpiryEventFor !== exp && now >= exp - NEAR_EXPIRY_WINDOW_SECONDS && version.created < exp) {
        version.nearExpiryEventFor = exp;
        events.push(secretEvent(SECRET_NEAR_EXPIRY, vault, secret, version, at));
      }
      if (version.expiredEventFor !== exp && now >= exp) {
        version.expiredEventFor = exp;
        events.push(secretEvent(SECRET_EXPIRED, vault, secret, version, at));
      }
    }
  }
  return events;
}
