/**
 * Backup blobs: every version of a secret as JSON, sealed with AES-256-GCM under a
 * key every emulator instance shares (as every vault of one subscription can restore
 * another's backups). Opaque and tamper-evident, not a secret-keeping measure: this
 * is a local stand-in and its key is in the source.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { serviceErrors } from './service-errors.js';
import type { StoredSecret, StoredVersion } from './store.js';

const MAGIC = Buffer.from('KVEMUBK1', 'ascii');
const KEY = createHash('sha256').update('keyvault-emulator/backup/v1').digest();
const IV_BYTES = 12;
const TAG_BYTES = 16;

type BackedUpVersion = Omit<StoredVersion, 'nearExpiryEventFor' | 'expiredEventFor'>;

interface BackupPayload {
  format: 1;
  name: string;
  versions: BackedUpVersion[];
}

export function sealBackup(secret: StoredSecret): Buffer {
  const payload: BackupPayload = {
    format: 1,
    name: secret.name,
    versions: secret.versions.map(({ nearExpiryEventFor: _near, expiredEventFor: _expired, ...version }) => version),
  };
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', KEY, iv);
  cipher.setAAD(MAGIC);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), sealed]);
}

function isVersion(value: unknown): value is BackedUpVersion {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['version'] === 'string' &&
    typeof v['value'] === 'string' &&
    typeof v['enabled'] === 'boolean' &&
    typeof v['created'] === 'number' &&
    typeof v['updated'] === 'number'
  );
}

export function openBackup(blob: Buffer): StoredSecret {
  const invalid = serviceErrors.badParameter('The backup blob is not valid: it is corrupt or was not produced by a Key Vault backup.');
  if (blob.length <= MAGIC.length + IV_BYTES + TAG_BYTES || !blob.subarray(0, MAGIC.length).equals(MAGIC)) throw invalid;
  const iv = blob.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
  const tag = blob.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
  const sealed = blob.subarray(MAGIC.length + IV_BYTES + TAG_BYTES);
  let payload: unknown;
  try {
    const decipher = createDecipheriv('aes-256-gcm', KEY, iv);
    decipher.setAAD(MAGIC);
    decipher.setAuthTag(tag);
    payload = JSON.parse(Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8'));
  } catch {
    throw invalid;
  }
  const p = payload as Partial<BackupPayload> | null;
  if (!p || p.format !== 1 || typeof p.name !== 'string' || !Array.isArray(p.versions) || p.versions.length === 0 || !p.versions.every(isVersion)) {
    throw invalid;
  }
  return { name: p.name, versions: p.versions.map((version) => ({ ...version })) };
}
