/**
 * An audit record's fields, in the order the API and the archive write them. Listing them
 * (rather than spreading the object) keeps a stray property, such as a column a storage
 * adapter read back, out of what leaves the app; the compiler refuses a new AuditRecord
 * field until it is placed here.
 */
import type { AuditRecord } from '../ports.js';

const ORDER = {
  id: 1,
  at: 2,
  action: 3,
  policyId: 4,
  vaultUrl: 5,
  secretName: 6,
  rotationId: 7,
  trigger: 8,
  actor: 9,
  actorId: 10,
  clientIp: 11,
  correlationId: 12,
  reason: 13,
  previousVersion: 14,
  newVersion: 15,
  error: 16,
  changedFields: 17,
  step: 18,
  consumer: 19,
  login: 20,
} satisfies Record<keyof AuditRecord, number>;

export const AUDIT_RECORD_FIELDS = (Object.keys(ORDER) as (keyof AuditRecord)[]).sort((a, b) => ORDER[a] - ORDER[b]);

/** The record's own fields, in order, those it does not have left out. */
export function auditRecordFields(record: AuditRecord): AuditRecord {
  const picked: Record<string, unknown> = {};
  for (const field of AUDIT_RECORD_FIELDS) {
    if (record[field] !== undefined) picked[field] = record[field];
  }
  return picked as unknown as AuditRecord;
}

/**
 * The record as the archive stores it: its fields in order, its time as an ISO instant. The
 * same record always gives the same text, so a copy can be compared with the archive's by digest.
 */
export function canonicalAuditRecord(record: AuditRecord): string {
  return JSON.stringify({ ...auditRecordFields(record), at: record.at.toISOString() });
}
