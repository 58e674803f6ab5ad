import { describe, expect, it } from 'vitest';
import { ArchivedAuditLog } from '../../../src/core/audit/archived-audit-log.js';
import { AuditArchiveMismatchError, AuditRecordExistsError } from '../../../src/core/audit/errors.js';
import { PermanentDependencyError, TransientDependencyError } from '../../../src/core/errors.js';
import type { LogProperties } from '../../../src/core/logger.js';
import { MAX_STORED_TEXT_LENGTH } from '../../../src/core/stored-text.js';
import { anAuditRecord } from '../../support/contract/fixtures.js';
import { InMemoryAuditArchive, InMemoryAuditLog } from '../../support/in-memory/index.js';

function setUp(attempts = 3) {
  const log = new InMemoryAuditLog();
  const archive = new InMemoryAuditArchive();
  const events: { level: string; event: string; properties?: LogProperties }[] = [];
  const logger = {
    info: (event: string, properties?: LogProperties) => events.push({ level: 'info', event, ...(properties ? { properties } : {}) }),
    warn: (event: string, properties?: LogProperties) => events.push({ level: 'warn', event, ...(properties ? { properties } : {}) }),
    error: (event: string, properties?: LogProperties) => events.push({ level: 'error', event, ...(properties ? { properties } : {}) }),
  };
  const waits: number[] = [];
  const audit = new ArchivedAuditLog(log, archive, { logger, attempts, sleep: async (ms) => void waits.push(ms) });
  const archivedIds = () => [...archive.contents().values()].map((text) => (JSON.parse(text) as { id: string }).id);
  return { log, archive, audit, events, waits, archivedIds };
}

describe('ArchivedAuditLog', () => {
  it('appends to the log, then archives the same record', async () => {
    // Arrange
    const { log, audit, archivedIds } = setUp();
    const record = anAuditRecord({ id: 'r1' });

    // Act
    await audit.append(record);

    // Assert
    expect(log.records()).toEqual([record]);
    expect(archivedIds()).toEqual(['r1']);
  });

  it('cuts a text field longer than a table holds before either write, so the log and the archive hold one record', async () => {
    // Arrange
    const { log, audit, archive } = setUp();
    const long = anAuditRecord({ id: 'r-long', reason: 'x'.repeat(MAX_STORED_TEXT_LENGTH + 1000) });
    const short = anAuditRecord({ id: 'r-short', reason: 'y'.repeat(MAX_STORED_TEXT_LENGTH) });

    // Act
    await audit.append(long);
    await audit.append(short);

    // Assert
    const [loggedLong, loggedShort] = log.records();
    expect(loggedLong!.reason).toHaveLength(MAX_STORED_TEXT_LENGTH);
    expect(loggedLong!.reason!.endsWith('…')).toBe(true);
    expect(loggedShort).toEqual(short);
    const archived = [...archive.contents().values()].map((text) => JSON.parse(text) as { id: string; reason: string });
    expect(archived.find((record) => record.id === 'r-long')?.reason).toBe(loggedLong!.reason);
    expect(archived.find((record) => record.id === 'r-short')?.reason).toBe(short.reason);
  });

  it('archives nothing when the log refuses the record', async () => {
    // Arrange
    const { log, audit, archive } = setUp();
    log.failNext('append');

    // Act
    const append = audit.append(anAuditRecord({ id: 'r1' }));

    // Assert
    await expect(append).rejects.toBeInstanceOf(TransientDependencyError);
    expect(archive.faults.calls('write')).toBe(0);
  });

  it('retries a failing archive write with backoff, and succeeds once it passes', async () => {
    // Arrange
    const { audit, archive, waits, archivedIds, events } = setUp();
    archive.failNext(undefined, 2);

    // Act
    await audit.append(anAuditRecord({ id: 'r1' }));

    // Assert
    expect(archive.faults.calls('write')).toBe(3);
    expect(waits).toEqual([200, 800]);
    expect(archivedIds()).toEqual(['r1']);
    expect(events.map((e) => e.event)).toEqual(['audit.archive-retry', 'audit.archive-retry']);
  });

  it('fails retryably, loudly, with the record kept in the log, when the archive stays down; the replay archives the stored record', async () => {
    // Arrange
    const { log, audit, archive, events, archivedIds } = setUp();
    const record = anAuditRecord({ id: 'r1', reason: 'first' });
    archive.failNext(undefined, 3);

    // Act
    const first = await audit.append(record).catch((error: unknown) => error);
    const replay = await audit.append({ ...record, reason: 'a rebuilt retry', at: new Date('2026-04-02T00:00:00.000Z') }).catch((error: unknown) => error);

    // Assert
    expect(first).toBeInstanceOf(TransientDependencyError);
    expect((first as Error).message).toContain('in the audit log but not yet in the archive');
    expect(log.records()).toEqual([record]);
    expect(events.filter((e) => e.level === 'error')).toEqual([{ level: 'error', event: 'audit.archive-failed', properties: expect.objectContaining({ recordId: 'r1', attempt: 3 }) }]);
    expect(replay).toBeInstanceOf(AuditRecordExistsError);
    expect(archivedIds()).toEqual(['r1']);
    expect(JSON.parse([...archive.contents().values()][0]!)).toMatchObject({ reason: 'first', at: record.at.toISOString() });
  });

  it('answers a replay whose record is archived already with the log’s refusal, changing nothing', async () => {
    // Arrange
    const { audit, archive } = setUp();
    const record = anAuditRecord({ id: 'r1' });
    await audit.append(record);

    // Act
    const replay = audit.append(record);

    // Assert
    await expect(replay).rejects.toBeInstanceOf(AuditRecordExistsError);
    expect(archive.contents().size).toBe(1);
  });

  it('does not retry a permanent refusal, and passes it on', async () => {
    // Arrange
    const { audit, archive, events } = setUp();
    archive.failNext(new PermanentDependencyError('archive audit record failed: Blob Storage 403'));

    // Act
    const append = audit.append(anAuditRecord({ id: 'r1' }));

    // Assert
    await expect(append).rejects.toBeInstanceOf(PermanentDependencyError);
    expect(archive.faults.calls('write')).toBe(1);
    expect(events.map((e) => e.event)).toEqual(['audit.archive-failed']);
  });

  it('never overwrites a different archived record: the mismatch is thrown and logged, not retried', async () => {
    // Arrange
    const { audit, archive, events } = setUp();
    const record = anAuditRecord({ id: 'r1' });
    await archive.write({ ...record, actor: 'someone else' });

    // Act
    const append = audit.append(record);

    // Assert
    await expect(append).rejects.toBeInstanceOf(AuditArchiveMismatchError);
    expect(archive.faults.calls('write')).toBe(2);
    expect(events.map((e) => e.event)).toEqual(['audit.archive-mismatch']);
  });

  it("catches up a time range: archives what the log holds and the archive lacks, and leaves the rest as it is", async () => {
    // Arrange
    const { log, audit, archive, archivedIds } = setUp(1);
    const at = (minute: number) => new Date(Date.UTC(2026, 3, 1, 0, minute));
    await audit.append(anAuditRecord({ id: 'archived', at: at(1) }));
    await log.append(anAuditRecord({ id: 'missed-1', at: at(2) }));
    await log.append(anAuditRecord({ id: 'missed-2', at: at(3) }));
    await log.append(anAuditRecord({ id: 'outside', at: at(30) }));

    // Act
    const result = await audit.catchUp(at(0), at(10));

    // Assert
    expect(result).toEqual({ read: 3, failed: 0 });
    expect(archivedIds().sort()).toEqual(['archived', 'missed-1', 'missed-2']);
    expect(archive.faults.calls('write')).toBe(4);
  });

  it('passes queries and listings through to the log', async () => {
    // Arrange
    const { audit } = setUp();
    const record = anAuditRecord({ id: 'r1' });
    await audit.append(record);

    // Act
    const listed = await audit.listForPolicy(record.policyId!);
    const queried = await audit.query({ from: record.at, to: record.at });

    // Assert
    expect(listed.items).toEqual([record]);
    expect(queried.items).toEqual([record]);
  });
});
