/** The overview's chart data as GET /api/reports/rotations answers it: rotation results per UTC day, counts only. */

export interface TimelineDay {
  /** YYYY-MM-DD, a UTC day. */
  date: string;
  succeeded: number;
  /** Failed attempts. */
  failed: number;
  /** Ended with nothing changed. */
  abandoned: number;
  /** How many of the day's succeeded and failed were break-glass (counted there too). */
  breakGlass: number;
}

export interface RotationTimeline {
  from: string;
  to: string;
  /** Oldest first, one per day. */
  days: TimelineDay[];
}

/** The days the overview charts. */
export const TIMELINE_DAYS = 30;

/** The one read the chart needs, whatever the number of policies. */
export const timelinePath = (days = TIMELINE_DAYS): string => `/reports/rotations?days=${days}`;
