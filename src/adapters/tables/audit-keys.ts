/**
 * Where an audit record lives. PartitionKey: the policy id; for a record about no
 * policy (an event on an unmanaged secret), '_vault:<vault name>' when the vault is
 * known, '_unmanaged' otherwise, so such records stay listable per vault and do not
 * pile into one partition. RowKey: '<inverted timestamp, 16 digits>-<record id>', so
 * a partition scan reads newest first.
 */
import { ValidationError } from '../../core/errors.js';
import type { AuditRecord } from '../../core/ports.js';
import { vaultNameOf } from './table-keys.js';

/** Date's largest time value; (this - ms) counts down as time goes on. */
const MAX_TIME_IN_MS = 8_640_000_000_000_000;

export const UNMANAGED_PARTITION = '_unmanaged';

export function vaultPartition(vaultName: string): string {
  return `_vault:${vaultName.toLowerCase()}`;
}

export function auditPartitionOf(record: Pick<AuditRecord, 'policyId' | 'vaultUrl'>): string {
  if (record.policyId !== undefined) return record.policyId;
  if (record.vaultUrl !== undefined) return vaultPartition(vaultNameOf(record.vaultUrl));
  return UNMANAGED_PARTITION;
}

export function auditRowKey(record: Pick<AuditRecord, 'id' | 'at'>): string {
  const ms = record.at.getTime();
  if (!(ms >= 0 && ms <= MAX_TIME_IN_MS)) {
    throw new ValidationError(`audit record '${record.id}' has a time before 1970 or past Date's range`, [{ path: 'at', message: 'out of range' }]);
  }
  return `${String(MAX_TIME_IN_MS - ms).padStart(16, '0')}-${record.id}`;
}
