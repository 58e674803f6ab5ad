/** The rotation timeline over an in-memory audit: counts per UTC day and kind, the window's edges, the bounds of days, reads by action only. */
import { describe, expect, it } from 'vitest';
import type { AuditQuery } from '../../../src/core/audit/audit-query.js';
import { ValidationError } from '../../../src/core/errors.js';
import type { AuditAction, AuditLog, PageOptions } from '../../../src/core/ports.js';
import { MAX_TIMELINE_DAYS, RotationTimeline } from '../../../src/core/reports/rotation-timeline.js';
import { anAuditRecord } from '../../support/contract/fixtures.js';
import { InMemoryAuditLog } from '../../support/in-memory/index.js';

const NOW = new Date('2026-12-06T15:30:00.000Z');
const clock = { now: () => NOW };

async function auditWith(...records: [at: string, action: AuditAction][]): Promise<InMemoryAuditLog> {
  const audit = new InMemoryAuditLog();
  for (const [at, action] of records) await audit.append(anAuditRecord({ at: new Date(at), action, actor: 'Ada Admin', reason: 'a reason only auditors read' }));
  return audit;
}

describe('RotationTimeline', () => {
  it('counts each kind of rotation result per UTC day, oldest first, days without any included', async () => {
    // Arrange
    const audit = await auditWith(
      ['2026-12-06T01:00:00Z', 'rotation.succeeded'],
      ['2026-12-06T14:00:00Z', 'rotation.succeeded'],
      ['2026-12-06T14:00:01Z', 'rotation.break-glass'],
      ['2026-12-05T23:59:59.999Z', 'rotation.failed'],
      ['2026-12-05T08:00:00Z', 'rotation.failed'],
      ['2026-12-04T00:00:00Z', 'rotation.abandoned'],
      // Not results: steps, progress, policy changes.
      ['2026-12-06T02:00:00Z', 'rotation.step-finished'],
      ['2026-12-06T02:00:00Z', 'rotation.rolled-back'],
      ['2026-12-05T02:00:00Z', 'policy.created'],
      ['2026-12-05T02:00:00Z', 'rotation.dry-run'],
    );

    // Act
    const answer = await new RotationTimeline({ audit, clock }).count(4);

    // Assert
    expect(answer.from.toISOString()).toBe('2026-12-03T00:00:00.000Z');
    expect(answer.to).toEqual(NOW);
    expect(answer.days).toEqual([
      { date: '2026-12-03', succeeded: 0, failed: 0, abandoned: 0, breakGlass: 0 },
      { date: '2026-12-04', succeeded: 0, failed: 0, abandoned: 1, breakGlass: 0 },
      { date: '2026-12-05', succeeded: 0, failed: 2, abandoned: 0, breakGlass: 0 },
      { date: '2026-12-06', succeeded: 2, failed: 0, abandoned: 0, breakGlass: 1 },
    ]);
  });

  it('includes the first day from its midnight and today up to now, and nothing outside', async () => {
    // Arrange
    const audit = await auditWith(
      ['2026-11-07T00:00:00.000Z', 'rotation.succeeded'], // the first of 30 days, at its first instant
      ['2026-11-06T23:59:59.999Z', 'rotation.succeeded'], // the day before
      ['2026-12-06T15:30:00.000Z', 'rotation.failed'], // now
      ['2026-12-06T15:30:00.001Z', 'rotation.failed'], // after now
    );

    // Act
    const answer = await new RotationTimeline({ audit, clock }).count();

    // Assert
    expect(answer.days).toHaveLength(30);
    expect(answer.days[0]).toEqual({ date: '2026-11-07', succeeded: 1, failed: 0, abandoned: 0, breakGlass: 0 });
    expect(answer.days.at(-1)).toEqual({ date: '2026-12-06', succeeded: 0, failed: 1, abandoned: 0, breakGlass: 0 });
    expect(answer.days.reduce((sum, day) => sum + day.succeeded + day.failed, 0)).toBe(2);
  });

  it('counts every record of a busy window, across pages of the audit query', async () => {
    // Arrange
    const audit = new InMemoryAuditLog();
    for (let i = 0; i < 2_345; i++) await audit.append(anAuditRecord({ at: new Date(NOW.getTime() - i * 60_000), action: i % 5 === 0 ? 'rotation.failed' : 'rotation.succeeded' }));

    // Act
    const answer = await new RotationTimeline({ audit, clock }).count(3);

    // Assert
    const total = (kind: 'succeeded' | 'failed') => answer.days.reduce((sum, day) => sum + day[kind], 0);
    expect(total('succeeded')).toBe(1_876);
    expect(total('failed')).toBe(469);
  });

  it('reads the audit by action over the window only, and answers counts with no field of a record', async () => {
    // Arrange
    const inner = await auditWith(['2026-12-06T01:00:00Z', 'rotation.succeeded']);
    const queries: AuditQuery[] = [];
    const audit: Pick<AuditLog, 'query'> = {
      query: (query: AuditQuery, options?: PageOptions) => {
        queries.push(query);
        return inner.query(query, options);
      },
    };

    // Act
    const answer = await new RotationTimeline({ audit, clock }).count(7);

    // Assert
    expect(queries.map((q) => q.action).sort()).toEqual(['rotation.abandoned', 'rotation.break-glass', 'rotation.failed', 'rotation.succeeded']);
    expect(queries.every((q) => Object.keys(q).sort().join() === 'action,from,to' && q.from.toISOString() === '2026-11-30T00:00:00.000Z' && q.to === NOW)).toBe(true);
    const text = JSON.stringify(answer);
    for (const field of ['Ada Admin', 'a reason only auditors read', 'payments-db-password', 'rot-1', 'actor', 'reason']) expect(text).not.toContain(field);
  });

  it.each([[1], [30], [MAX_TIMELINE_DAYS]])('answers %i days', async (days) => {
    // Act
    const answer = await new RotationTimeline({ audit: new InMemoryAuditLog(), clock }).count(days);

    // Assert
    expect(answer.days).toHaveLength(days);
    expect(answer.days.at(-1)!.date).toBe('2026-12-06');
  });

  it.each([[0], [MAX_TIMELINE_DAYS + 1], [1.5], [-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('refuses %s days, naming days, before reading anything', async (days) => {
    // Arrange
    const audit = new InMemoryAuditLog();
    audit.failNext('query', new Error('read the audit'));

    // Act
    const refused = new RotationTimeline({ audit, clock }).count(days);

    // Assert
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({ details: [{ path: 'days' }] });
  });
});
