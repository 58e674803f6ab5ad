/**
 * Rotation intervals written as text: ISO 8601 (P90D, PT12H, P2W, P1DT12H) or
 * shorthand (90d, 12h, 2w, 30m, 45s, or combined: 1d12h). Months and years are
 * refused: their length varies, and a rotation deadline must not.
 */
import { ValidationError } from './errors.js';

export interface Duration {
  /** As written (trimmed). */
  text: string;
  milliseconds: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

export const DAY_MS = DAY;

/** 100 years. Longer values serve no rotation and push dates past what Date can hold. */
export const MAX_DURATION_MS = 36_500 * DAY;

const FORMS = 'use ISO 8601 (P90D, PT12H, P2W, P1DT12H) or shorthand (90d, 12h, 2w, 30m, 45s, 1d12h)';

// Each part optional, but at least one present (checked after matching); units in descending order.
const ISO = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const SHORTHAND = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const UNITS = [WEEK, DAY, HOUR, MINUTE, SECOND];

// Calendar units: Y or M before the T in ISO; y, yr, year(s), mo, mon(th)(s), or an upper-case M in shorthand.
const ISO_CALENDAR = /^P[^T]*[YM]/i;
const SHORTHAND_CALENDAR = /^\d+\s*(?:y|yrs?|years?|mo|mons?|months?|M)$/;

export function parseDuration(text: string): Duration {
  const trimmed = text.trim();
  const milliseconds = toMilliseconds(trimmed);
  return { text: trimmed, milliseconds };
}

function toMilliseconds(text: string): number {
  if (text === '') throw invalid(`a duration is required: ${FORMS}`);
  if (text.startsWith('-')) throw invalid(`duration '${text}' is negative: a rotation interval must be longer than zero`);
  if (ISO_CALENDAR.test(text) || SHORTHAND_CALENDAR.test(text)) {
    throw invalid(
      `duration '${text}' uses months or years, whose length varies (28-31 days, 365-366 days): give days instead, e.g. P90D or 90d for about three months, 365d for a year`,
    );
  }
  const parts = ISO.exec(text) ?? SHORTHAND.exec(text);
  // A bare "P", "PT" or "P1DT" matches the pattern with no usable part.
  if (!parts || text.endsWith('T') || parts.slice(1).every((part) => part === undefined)) {
    throw invalid(`duration '${text}' is not recognised: ${FORMS}`);
  }
  const milliseconds = parts
    .slice(1)
    .reduce((total, part, index) => total + (part === undefined ? 0 : Number(part) * UNITS[index]!), 0);
  if (milliseconds === 0) throw invalid(`duration '${text}' is zero: a rotation interval must be longer than zero`);
  if (!(milliseconds <= MAX_DURATION_MS)) {
    throw invalid(`duration '${text}' is longer than 100 years (36500d): no rotation needs that, and dates that far out overflow`);
  }
  return milliseconds;
}

/**
 * Shorthand for messages and plans: days, hours, minutes, seconds ("90d", "1d12h").
 * Whole-second values round-trip through parseDuration; a sub-second rest is shown as "ms".
 */
export function formatDuration(milliseconds: number): string {
  if (!Number.isFinite(milliseconds) || milliseconds < 0) throw new RangeError(`cannot format ${milliseconds} ms as a duration`);
  if (milliseconds === 0) return '0s';
  let rest = milliseconds;
  let text = '';
  for (const [unit, size] of [['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', SECOND]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return rest > 0 ? `${text}${rest}ms` : text;
}

function invalid(message: string): ValidationError {
  return new ValidationError(message);
}
