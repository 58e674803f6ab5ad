/**
 * SecretZero's `rotation_period` and `one_time` as our `rotation.every` and `rotation.validFor`,
 * with the reason for every default, so `validate` and `plan` can print it.
 */
import { DAY_MS, formatDuration, parseDuration } from '../durations.js';
import { ValidationError } from '../errors.js';
import { NEAR_EXPIRY_WINDOW_MS } from '../policy/schedule.js';

/**
 * Past `every` plus Key Vault's 30-day near-expiry window, a week more: the scheduled
 * rotation comes a week before SecretNearExpiry fires for the same version, so the event
 * finds the version already replaced (a stale event changes nothing) instead of racing the
 * schedule, and a rotation that keeps failing has a week of retries and alerts before the
 * event joins in. Applications keep 37 days to pick up a new value before the old one expires.
 */
export const VALID_FOR_MARGIN_MS = 7 * DAY_MS;

/**
 * `one_time` (and a secret with no rotation_period, which SecretZero never rotates): created
 * when missing, then never rotated. The policy format has no "never", so this is the longest
 * schedule it allows: `every` just under 100 years, each version valid for 100 years.
 */
export const NEVER_ROTATED = { every: '36000d', validFor: '36500d' } as const;

/** SecretZero's parse_rotation_period: a whole number and d, w, m (30 days) or y (365 days), any case. */
const SECRETZERO_PERIOD = /^(\d+)([dwmy])$/i;
const UNIT_DAYS: Record<string, number> = { d: 1, w: 7, m: 30, y: 365 };

export type PeriodReading = { ok: true; every: string; days: number; note?: string } | { ok: false; message: string };

export function readRotationPeriod(period: string): PeriodReading {
  const match = SECRETZERO_PERIOD.exec(period);
  if (!match) {
    return {
      ok: false,
      message: `is not a period SecretZero understands (a whole number and d, w, m or y, such as 90d): SecretZero would never rotate this secret, without a word; write it as days, e.g. 90d`,
    };
  }
  const unit = match[2]!.toLowerCase();
  const days = Number(match[1]) * UNIT_DAYS[unit]!;
  const every = `${days}d`;
  const note = unit === 'm' || unit === 'y' ? `rotation_period ${period} is ${every} (SecretZero counts a month as 30 days and a year as 365)` : undefined;
  return { ok: true, every, days, ...(note ? { note } : {}) };
}

/** every + 30 days + a week, as shorthand days; or why `every` is not a duration. */
export function defaultValidFor(every: string): { ok: true; validFor: string } | { ok: false; message: string } {
  try {
    return { ok: true, validFor: formatDuration(parseDuration(every).milliseconds + NEAR_EXPIRY_WINDOW_MS + VALID_FOR_MARGIN_MS) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { ok: false, message: error.message };
  }
}

export function validForExplanation(every: string, validFor: string): string {
  return `validFor ${validFor} = every ${every} + Key Vault's 30-day near-expiry window + 7 days, so each version is replaced on schedule a week before SecretNearExpiry fires for it, and the replaced version stays valid 37 days for applications to pick up the new one`;
}
