/**
 * Where an audit record lives. PartitionKey: the policy id; for a record about no
 * policy (an event on an unmanaged secret), '_vault:<vault name>' when the vault is
 * known, '_unmanaged' otherwise, so such records stay listable per vault and do not
 * pile into one partition. RowKey: '<inverted timestamp, 16 digits>-<inverted
 * sequence, 6 digits>-<record id>', so a partition scan reads newest first.
 */
import { ValidationError } from '../../core/errors.js';
import type { AuditRecord } from '../../core/ports.js';
import { vaultNameOf } from './table-keys.js';

/** Date's largest time value; (this - ms) counts down as time goes on. */
export const MAX_TIME_IN_MS = 8_640_000_000_000_000;

export const UNMANAGED_PARTITION = '_unmanaged';

export function vaultPartition(vaultName: string): string {
  return `_vault:${vaultName.toLowerCase()}`;
}

export function auditPartitionOf(record: Pick<AuditRecord, 'policyId' | 'vaultUrl'>): string {
  if (record.policyId !== undefined) return record.policyId;
  if (record.vaultUrl !== undefined) return vaultPartition(vaultNameOf(record.vaultUrl));
  return UNMANAGED_PARTITION;
}

const MAX_SEQUENCE = 999_999;

/**
 * Orders records stamped with the same millisecond by one process: the one appended
 * later reads first. Across processes such ties fall back to the record id.
 */
export class SameInstantSequence {
  #lastMs = Number.NaN;
  #count = 0;

  next(at: Date): number {
    const ms = at.getTime();
    if (ms === this.#lastMs) this.#count = Math.min(this.#count + 1, MAX_SEQUENCE);
    else [this.#lastMs, this.#count] = [ms, 0];
    return this.#count;
  }
}

export function auditRowKey(record: Pick<AuditRecord, 'id' | 'at'>, sequence: number): string {
  const ms = record.at.getTime();
  if (!(ms >= 0 && ms <= MAX_TIME_IN_MS)) {
    throw new ValidationError(`audit record '${record.id}' has a time before 1970 or past Date's range`, [{ path: 'at', message: 'out of range' }]);
  }
  const newestFirst = String(MAX_TIME_IN_MS - ms).padStart(16, '0');
  const laterFirst = String(MAX_SEQUENCE - sequence).padStart(6, '0');
  return `${newestFirst}-${laterFirst}-${record.id}`;
}
