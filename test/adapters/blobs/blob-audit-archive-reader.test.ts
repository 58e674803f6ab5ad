/** The archive read back on Azurite: a window across days, oldest first, cut only between milliseconds, content as written. */
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { auditArchiveContainer, auditBlobContent, BlobAuditArchive } from '../../../src/adapters/blobs/blob-audit-archive.js';
import { BlobAuditArchiveReader } from '../../../src/adapters/blobs/blob-audit-archive-reader.js';
import { localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import type { AuditRecord } from '../../../src/core/ports.js';
import { anAuditRecord } from '../../support/contract/fixtures.js';

async function archiveOf(records: AuditRecord[]) {
  const container = auditArchiveContainer({ kind: 'local-connection-string', connectionString: inject('azuriteConnectionString') }, localEmulatorCredential, `audit-${randomBytes(5).toString('hex')}`);
  const writer = new BlobAuditArchive(container);
  await writer.createIfMissing();
  for (const record of records) await writer.write(record);
  return new BlobAuditArchiveReader(container);
}

const at = (iso: string) => new Date(iso);
const RECORDS = [
  anAuditRecord({ id: 'before', at: at('2026-03-31T23:59:59.999Z') }),
  anAuditRecord({ id: 'd1', at: at('2026-04-01T00:00:00.000Z') }),
  anAuditRecord({ id: 'tie-a', at: at('2026-04-01T10:00:00.000Z') }),
  anAuditRecord({ id: 'tie-b', at: at('2026-04-01T10:00:00.000Z') }),
  anAuditRecord({ id: 'd3', at: at('2026-04-03T12:00:00.500Z') }),
  anAuditRecord({ id: `long-${'x'.repeat(1000)}`, at: at('2026-04-03T13:00:00.000Z') }),
  anAuditRecord({ id: 'after', at: at('2026-04-04T00:00:00.001Z') }),
];
const FROM = at('2026-04-01T00:00:00.000Z');
const TO = at('2026-04-04T00:00:00.000Z');

describe('BlobAuditArchiveReader on Azurite', () => {
  it('reads the copies from `from` to `to` inclusive across days, oldest first, with their content exactly as archived', async () => {
    // Arrange
    const reader = await archiveOf(RECORDS);

    // Act
    const slice = await reader.read(FROM, TO, 100);

    // Assert
    const inside = RECORDS.slice(1, 6);
    expect(slice.through).toBeUndefined();
    expect(slice.copies.map((c) => c.recordId)).toEqual(inside.map((r) => r.id));
    expect(slice.copies.map((c) => c.at)).toEqual(inside.map((r) => r.at));
    expect(slice.copies.map((c) => c.content)).toEqual(inside.map(auditBlobContent));
  });

  it('stops at the limit only between milliseconds and says through when', async () => {
    // Arrange
    const reader = await archiveOf(RECORDS);

    // Act
    const one = await reader.read(FROM, TO, 1);
    const two = await reader.read(FROM, TO, 2);
    const rest = await reader.read(new Date(two.through!.getTime() + 1), TO, 2);

    // Assert
    expect([one.copies.map((c) => c.recordId), one.through]).toEqual([['d1'], at('2026-04-01T00:00:00.000Z')]);
    expect([two.copies.map((c) => c.recordId).sort(), two.through]).toEqual([['d1', 'tie-a', 'tie-b'], at('2026-04-01T10:00:00.000Z')]);
    expect(rest.copies.map((c) => c.recordId.slice(0, 5))).toEqual(['d3', 'long-']);
    expect(rest.through).toBeUndefined();
  });
});
