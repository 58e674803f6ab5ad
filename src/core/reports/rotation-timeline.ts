/**
 * Rotation results per UTC day over the last N days (GET /api/reports/rotations), counted
 * from the audit's action index: the overview's chart in a few bounded reads instead of one
 * history per policy. It returns counts only, never a record: actors, reasons and errors are
 * for Audit.Read, and this answers Rotation.Read.
 */
import type { Clock } from '../clock.js';
import { DAY_MS } from '../durations.js';
import { ValidationError } from '../errors.js';
import type { AuditAction, AuditLog } from '../ports.js';

export const DEFAULT_TIMELINE_DAYS = 30;
/** A quarter: the overview shows 30 days; longer questions are the audit query's (Audit.Read). */
export const MAX_TIMELINE_DAYS = 90;
/** The audit query's largest page: fewer round trips, each still bounded. */
const PAGE_SIZE = 1000;

/**
 * What each count counts, one audit action each. A failed attempt that spends the retry
 * budget (parking the policy) is one of `failed`: parking is a state, shown by the status
 * counts, not an action of its own. A break-glass rotation runs through the engine, which
 * records its rotation.succeeded or rotation.failed too: `breakGlass` says how many of
 * those were break-glass, and is not added to them.
 */
export const TIMELINE_ACTIONS = {
  succeeded: 'rotation.succeeded',
  failed: 'rotation.failed',
  abandoned: 'rotation.abandoned',
  breakGlass: 'rotation.break-glass',
} as const satisfies Record<string, AuditAction>;

export type TimelineCount = keyof typeof TIMELINE_ACTIONS;

export type TimelineDay = { /** YYYY-MM-DD, UTC. */ date: string } & Record<TimelineCount, number>;

export interface RotationTimelineAnswer {
  /** The start of the first day (UTC midnight). */
  from: Date;
  /** Now: the last day is today, so far. */
  to: Date;
  /** Oldest first, one entry per day, days with nothing included. */
  days: TimelineDay[];
}

export interface RotationTimelineDependencies {
  audit: Pick<AuditLog, 'query'>;
  clock: Clock;
}

export class RotationTimeline {
  constructor(private readonly deps: RotationTimelineDependencies) {}

  /** `days` whole days ending today (UTC), 1 to MAX_TIMELINE_DAYS; anything else is a ValidationError naming days. */
  async count(days: number = DEFAULT_TIMELINE_DAYS): Promise<RotationTimelineAnswer> {
    if (!Number.isInteger(days) || days < 1 || days > MAX_TIMELINE_DAYS) {
      const message = `a whole number from 1 to ${MAX_TIMELINE_DAYS}`;
      throw new ValidationError(`days is invalid: ${message}`, [{ path: 'days', message }]);
    }
    const to = this.deps.clock.now();
    const from = new Date(Math.floor(to.getTime() / DAY_MS) * DAY_MS - (days - 1) * DAY_MS);
    const timeline = Array.from({ length: days }, (_, i): TimelineDay => ({ date: utcDate(from.getTime() + i * DAY_MS), succeeded: 0, failed: 0, abandoned: 0, breakGlass: 0 }));
    const byDate = new Map(timeline.map((day) => [day.date, day]));
    await Promise.all(
      (Object.entries(TIMELINE_ACTIONS) as [TimelineCount, AuditAction][]).map(async ([count, action]) => {
        let continuationToken: string | undefined;
        do {
          const page = await this.deps.audit.query({ from, to, action }, { pageSize: PAGE_SIZE, ...(continuationToken ? { continuationToken } : {}) });
          for (const record of page.items) {
            const day = byDate.get(utcDate(record.at.getTime()));
            if (day) day[count] += 1;
          }
          continuationToken = page.continuationToken;
        } while (continuationToken);
      }),
    );
    return { from, to, days: timeline };
  }
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
