/** The AuditArchive contract: each record written once, a replay a no-op, different content refused and the first kept. */
import { beforeEach, describe, expect, it } from 'vitest';
import { AuditArchiveMismatchError } from '../../../src/core/audit/errors.js';
import type { AuditArchive, AuditRecord } from '../../../src/core/ports.js';
import { anAuditRecord } from './fixtures.js';

export interface AuditArchiveUnderTest {
  archive: AuditArchive;
  /** What the archive holds, by name. */
  contents(): Promise<Map<string, string>>;
}

const AT = new Date('2026-04-01T12:34:56.789Z');

function parsed(contents: Map<string, string>): Record<string, unknown>[] {
  return [...contents.values()].map((text) => JSON.parse(text) as Record<string, unknown>);
}

function asJson(record: AuditRecord): Record<string, unknown> {
  return JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
}

export function describeAuditArchiveContract(name: string, make: () => Promise<AuditArchiveUnderTest>): void {
  describe(`AuditArchive contract: ${name}`, () => {
    let subject: AuditArchiveUnderTest;

    beforeEach(async () => {
      subject = await make();
    });

    it('keeps a record under its day and time, every field of it and nothing else', async () => {
      // Arrange
      const record = anAuditRecord({ id: 'r1', at: AT, actor: 'Alice', actorId: '0a1b2c3d-0000-4000-8000-00000000a11c', clientIp: '203.0.113.7', correlationId: 'inv-1', changedFields: ['generator.length'] });

      // Act
      await subject.archive.write(record);

      // Assert
      const contents = await subject.contents();
      expect([...contents.keys()]).toEqual(['2026/04/01/123456.789-r1.json']);
      expect(parsed(contents)).toEqual([asJson(record)]);
    });

    it('writes a replay of the same record as a no-op', async () => {
      // Arrange
      const record = anAuditRecord({ id: 'r1', at: AT });
      await subject.archive.write(record);

      // Act
      await subject.archive.write(structuredClone(record));

      // Assert
      expect(parsed(await subject.contents())).toEqual([asJson(record)]);
    });

    it.each<[string, Partial<AuditRecord>]>([
      ['another action', { action: 'rotation.failed' }],
      ['another actor', { actor: 'mallory' }],
      ['a field more', { error: 'rewritten' }],
      ['a field less', { reason: undefined }],
    ])('refuses different content under the same id and time (%s), loudly, and keeps the first', async (_case, change) => {
      // Arrange
      const first = anAuditRecord({ id: 'r1', at: AT });
      await subject.archive.write(first);
      const other = { ...first, ...change };
      if ('reason' in change && change.reason === undefined) delete other.reason;

      // Act
      const overwrite = subject.archive.write(other);

      // Assert
      await expect(overwrite).rejects.toBeInstanceOf(AuditArchiveMismatchError);
      expect(parsed(await subject.contents())).toEqual([asJson(first)]);
    });

    it('names a record whose id has path or URL characters inside its own day', async () => {
      // Arrange
      const record = anAuditRecord({ id: 'event../../x?y#z', at: AT });

      // Act
      await subject.archive.write(record);

      // Assert
      const [name] = [...(await subject.contents()).keys()];
      expect(name).toBe(`2026/04/01/123456.789-${encodeURIComponent('event../../x?y#z')}.json`);
    });
  });
}
