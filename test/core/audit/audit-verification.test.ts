/**
 * AuditVerification over in-memory fakes: the table's copies (an in-memory log behind a
 * wrapper that can alter or drop a record in the copies a filter reads, as someone with table
 * data rights could) against an in-memory archive read back in time order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArchivedAuditLog, ARCHIVE_CATCH_UP_WINDOW_MS } from '../../../src/core/audit/archived-audit-log.js';
import { parseAuditWindow, type AuditQuery, type AuditWindow } from '../../../src/core/audit/audit-query.js';
import { AuditVerification, type ArchivedAuditCopy, type AuditArchiveReader, type AuditCopyName } from '../../../src/core/audit/audit-verification.js';
import { DAY_MS } from '../../../src/core/durations.js';
import { ValidationError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { AuditLog, AuditRecord, Page, PageOptions } from '../../../src/core/ports.js';
import { anAuditRecord } from '../../support/contract/fixtures.js';
import { InMemoryAuditArchive, InMemoryAuditLog } from '../../support/in-memory/index.js';

const NOW = new Date('2026-04-10T12:00:00.000Z');
const WINDOW: AuditWindow = { from: new Date('2026-04-01T00:00:00.000Z'), to: NOW };

/** The archive read back as the Blob reader does: oldest first, never stopping inside a millisecond. */
class ArchiveReaderFake implements AuditArchiveReader {
  constructor(private readonly archive: InMemoryAuditArchive) {}

  async read(from: Date, to: Date, limit: number) {
    const all: ArchivedAuditCopy[] = [...this.archive.contents().values()]
      .map((content) => {
        const parsed = JSON.parse(content) as { id: string; at: string };
        return { recordId: parsed.id, at: new Date(parsed.at), content };
      })
      .filter((copy) => copy.at >= from && copy.at <= to)
      .sort((a, b) => a.at.getTime() - b.at.getTime());
    const copies: ArchivedAuditCopy[] = [];
    for (const copy of all) {
      const last = copies.at(-1);
      if (copies.length >= limit && last && last.at.getTime() !== copy.at.getTime()) return { copies, through: last.at };
      copies.push(copy);
    }
    return { copies };
  }
}

/** Which copy a query reads, as the Table adapter picks its index. */
function copyOf(query: AuditQuery): AuditCopyName {
  if (query.policyId !== undefined) return 'policy';
  if (query.secretName !== undefined) return 'secret';
  if (query.vaultName !== undefined) return 'vault';
  if (query.actor !== undefined) return 'actor';
  if (query.action !== undefined) return 'action';
  if (query.result !== undefined) return 'result';
  return 'time';
}

/** The table as someone with data rights left it: records altered or dropped in some of their copies. */
class TamperedLog implements AuditLog {
  readonly #changes: { id: string; copies: AuditCopyName[] | 'all'; change: (record: AuditRecord) => AuditRecord | undefined }[] = [];
  constructor(private readonly log: InMemoryAuditLog) {}

  alter(id: string, copies: AuditCopyName[] | 'all', fields: Partial<AuditRecord>): void {
    this.#changes.push({ id, copies, change: (record) => ({ ...record, ...fields }) });
  }

  drop(id: string, copies: AuditCopyName[] | 'all'): void {
    this.#changes.push({ id, copies, change: () => undefined });
  }

  append(record: AuditRecord): Promise<void> {
    return this.log.append(record);
  }
  listForPolicy(policyId: string, options?: PageOptions): Promise<Page<AuditRecord>> {
    return this.log.listForPolicy(policyId, options);
  }
  listForVault(vaultName: string, options?: PageOptions): Promise<Page<AuditRecord>> {
    return this.log.listForVault(vaultName, options);
  }
  async query(query: AuditQuery, options?: PageOptions): Promise<Page<AuditRecord>> {
    const page = await this.log.query(query, options);
    const copy = copyOf(query);
    const items = page.items.flatMap((record) => {
      let current: AuditRecord | undefined = record;
      for (const change of this.#changes) {
        if (current && change.id === record.id && (change.copies === 'all' || change.copies.includes(copy))) current = change.change(current);
      }
      return current ? [current] : [];
    });
    return { ...page, items };
  }
}

function setUp() {
  const log = new InMemoryAuditLog();
  const archive = new InMemoryAuditArchive();
  const table = new TamperedLog(log);
  const audit = new ArchivedAuditLog(log, archive, { logger: silentLogger });
  const verification = new AuditVerification({ log: table, archive: new ArchiveReaderFake(archive), clock: { now: () => NOW }, catchUpWindowInMs: ARCHIVE_CATCH_UP_WINDOW_MS });
  return { log, table, audit, verification };
}

function records(count: number, start = new Date('2026-04-02T08:00:00.000Z')): AuditRecord[] {
  return Array.from({ length: count }, (_, i) =>
    anAuditRecord({ id: `r${i}`, at: new Date(start.getTime() + i * 60_000), actor: 'Alice', actorId: '0a1b2c3d-0000-4000-8000-00000000a11c', reason: `the reason ${i}` }),
  );
}

async function allPages(verification: AuditVerification, window: AuditWindow, pageSize?: number) {
  const pages = [];
  let continuationToken: string | undefined;
  do {
    const page = await verification.verify(window, { ...(pageSize ? { pageSize } : {}), ...(continuationToken ? { continuationToken } : {}) });
    pages.push(page);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return pages;
}

describe('AuditVerification', () => {
  it('reports a window whose table copies all match the archive intact, with every record checked', async () => {
    // Arrange
    const { audit, verification } = setUp();
    for (const record of records(5)) await audit.append(record);

    // Act
    const page = await verification.verify(WINDOW);

    // Assert
    expect(page).toMatchObject({ window: WINDOW, checked: 5, intact: true, findings: [] });
    expect(page.continuationToken).toBeUndefined();
  });

  it('reports a record altered in the copy the time range reads, naming the field and never its value', async () => {
    // Arrange
    const { audit, table, verification } = setUp();
    for (const record of records(3)) await audit.append(record);
    table.alter('r1', ['time'], { reason: 'rewritten-by-mallory' });

    // Act
    const page = await verification.verify(WINDOW);

    // Assert
    expect(page.intact).toBe(false);
    expect(page.findings).toEqual([{ kind: 'altered', recordId: 'r1', at: new Date('2026-04-02T08:01:00.000Z'), copy: 'time', message: expect.stringContaining('in reason (sha256 ') }]);
    expect(JSON.stringify(page)).not.toContain('rewritten-by-mallory');
    expect(JSON.stringify(page)).not.toContain('the reason 1');
  });

  it.each<[AuditCopyName]>([['policy'], ['actor'], ['action'], ['vault'], ['secret'], ['result']])('reports a record altered only in the %s copy', async (copy) => {
    // Arrange
    const { audit, table, verification } = setUp();
    for (const record of records(2)) await audit.append(record);
    table.alter('r0', [copy], { newVersion: 'forged' });

    // Act
    const page = await verification.verify(WINDOW);

    // Assert
    expect(page.findings.map((f) => [f.kind, f.recordId, f.copy])).toEqual([['altered', 'r0', copy]]);
  });

  it('reports a record deleted from the table in every copy it was in, and one deleted from one copy in that copy', async () => {
    // Arrange
    const { audit, table, verification } = setUp();
    for (const record of records(3)) await audit.append(record);
    table.drop('r0', 'all');
    table.drop('r2', ['policy']);

    // Act
    const page = await verification.verify(WINDOW);

    // Assert
    expect(page.intact).toBe(false);
    expect(page.findings.filter((f) => f.recordId === 'r0').map((f) => [f.kind, f.copy]).sort()).toEqual(
      [['deleted', 'action'], ['deleted', 'actor'], ['deleted', 'policy'], ['deleted', 'result'], ['deleted', 'secret'], ['deleted', 'time'], ['deleted', 'vault']],
    );
    expect(page.findings.filter((f) => f.recordId === 'r2').map((f) => [f.kind, f.copy])).toEqual([['deleted', 'policy']]);
    expect(page.findings.filter((f) => f.recordId === 'r1')).toEqual([]);
  });

  it('reports a table record not archived yet as pending within the catch-up window (still intact), and as unarchived past it', async () => {
    // Arrange
    const { log, verification } = setUp();
    const recent = anAuditRecord({ id: 'recent', at: new Date(NOW.getTime() - ARCHIVE_CATCH_UP_WINDOW_MS + 60_000) });
    const old = anAuditRecord({ id: 'old', at: new Date(NOW.getTime() - ARCHIVE_CATCH_UP_WINDOW_MS - 60_000) });

    // Act
    await log.append(recent);
    const onlyRecent = await verification.verify(WINDOW);
    await log.append(old);
    const both = await verification.verify(WINDOW);

    // Assert
    expect(onlyRecent).toMatchObject({ intact: true, checked: 1, findings: [{ kind: 'pending', recordId: 'recent' }] });
    expect(both.intact).toBe(false);
    expect(both.findings.map((f) => [f.kind, f.recordId])).toEqual([['unarchived', 'old'], ['pending', 'recent']]);
    expect(both.findings[0]!.message).toContain('2-day catch-up window');
  });

  it('pages by archived records, oldest first, checking each record once and never splitting a millisecond', async () => {
    // Arrange
    const { audit, verification } = setUp();
    const spread = records(7);
    const sameInstant = [0, 1, 2].map((i) => anAuditRecord({ id: `tie${i}`, at: new Date('2026-04-03T00:00:00.000Z') }));
    for (const record of [...spread, ...sameInstant]) await audit.append(record);

    // Act
    const pages = await allPages(verification, WINDOW, 2);

    // Assert
    // The last page goes past pageSize rather than split the three records of one millisecond.
    expect(pages.map((p) => p.checked)).toEqual([2, 2, 2, 4]);
    expect(pages.every((p) => p.intact && p.findings.length === 0)).toBe(true);
    for (const [i, page] of pages.entries()) {
      expect(page.window).toEqual(WINDOW);
      if (i > 0) expect(page.checkedFrom.getTime()).toBe(pages[i - 1]!.checkedTo.getTime() + 1);
    }
    expect(pages.at(-1)!.checkedTo).toEqual(WINDOW.to);
  });

  it('reports tampering found on a later page there, and the earlier pages intact', async () => {
    // Arrange
    const { audit, table, verification } = setUp();
    for (const record of records(6)) await audit.append(record);
    table.alter('r5', ['time'], { actor: 'someone else' });

    // Act
    const pages = await allPages(verification, WINDOW, 2);

    // Assert
    expect(pages.map((p) => p.intact)).toEqual([true, true, false]);
    expect(pages[2]!.findings.map((f) => [f.kind, f.recordId, f.copy])).toEqual([['altered', 'r5', 'time']]);
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON without a time', Buffer.from('{"after":"x"}').toString('base64url')],
    ['a time before the window', Buffer.from(JSON.stringify({ from: '2026-03-01T00:00:00.000Z' })).toString('base64url')],
    ['a time after the window', Buffer.from(JSON.stringify({ from: '2026-05-01T00:00:00.000Z' })).toString('base64url')],
  ])('refuses a continuation token that is %s, naming it, and reads nothing', async (_case, token) => {
    // Arrange
    const { log, verification } = setUp();
    log.failNext('query', new Error('must not be read'));

    // Act
    const verify = verification.verify(WINDOW, { continuationToken: token });

    // Assert
    await expect(verify).rejects.toMatchObject({ name: 'ValidationError', details: [{ path: 'continuationToken' }] });
  });
});

describe('parseAuditWindow', () => {
  const now = NOW;

  it('reads from and to as the audit query does, defaulting to the last 7 days', () => {
    expect(parseAuditWindow([], now)).toEqual({ from: new Date(now.getTime() - 7 * DAY_MS), to: now });
    expect(parseAuditWindow([['from', '2026-04-01T00:00:00Z'], ['to', '2026-04-02T00:00:00+02:00'], ['pageSize', '5']], now)).toEqual({ from: new Date('2026-04-01T00:00:00Z'), to: new Date('2026-04-01T22:00:00Z') });
  });

  it.each<[string, [string, string][], string]>([
    ['a filter of the audit query', [['actor', 'scheduler']], 'actor'],
    ['a time that is not an instant', [['from', '2026-04-01']], 'from'],
    ['from after to', [['from', '2026-04-03T00:00:00Z'], ['to', '2026-04-02T00:00:00Z']], 'from'],
    ['more than 366 days', [['from', '2025-01-01T00:00:00Z'], ['to', '2026-04-02T00:00:00Z']], 'from'],
    ['a repeated parameter', [['to', '2026-04-02T00:00:00Z'], ['to', '2026-04-03T00:00:00Z']], 'to'],
  ])('refuses %s, naming the parameter', (_case, parameters, path) => {
    expect(() => parseAuditWindow(parameters, now)).toThrow(expect.objectContaining({ name: 'ValidationError', details: [expect.objectContaining({ path })] }));
  });

  it('answers a window of at most 366 days, or refuses naming only parameters it was given (or from), for any parameters', () => {
    const name = fc.oneof(fc.constantFrom('from', 'to', 'pageSize', 'continuationToken', 'actor', 'policy', 'From', '__proto__', 'to '), fc.string({ maxLength: 12 }));
    const value = fc.oneof(
      fc.date({ min: new Date('1960-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('', '2026-04-01', '2026-02-30T00:00:00Z', '2026-04-01T00:00:00+24:00', 'now', '9999-12-31T23:59:59.999Z'),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 4 }), (parameters) => {
        try {
          const window = parseAuditWindow(parameters, now);
          expect(window.from.getTime()).toBeLessThanOrEqual(window.to.getTime());
          expect(window.to.getTime() - window.from.getTime()).toBeLessThanOrEqual(366 * DAY_MS);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          const paths = (error as ValidationError).details.map((d) => d.path);
          expect(paths.length).toBeGreaterThan(0);
          for (const path of paths) expect([...parameters.map(([n]) => n), 'from']).toContain(path);
        }
      }),
      { seed: 1010, numRuns: 2000 },
    );
  });
});
