/**
 * When a policy's secret is due: when the current version's age reaches
 * `every`, or when it enters Key Vault's near-expiry window, whichever comes first.
 */
import { DAY_MS, formatDuration, parseDuration, type Duration } from '../durations.js';
import type { RotationPolicy } from './policy.js';

/** Key Vault raises SecretNearExpiry this long before a version expires; not configurable for secrets. */
export const NEAR_EXPIRY_WINDOW_MS = 30 * DAY_MS;

export interface VersionDates {
  createdOn?: Date;
  expiresOn?: Date;
}

export interface DueDecision {
  due: boolean;
  reason: string;
}

export function rotationIntervals(policy: RotationPolicy): { every: Duration; validFor: Duration } {
  return { every: parseDuration(policy.rotation.every), validFor: parseDuration(policy.rotation.validFor) };
}

/** The expiry to give a version written at `writtenAt`. */
export function expiryFor(policy: RotationPolicy, writtenAt: Date): Date {
  return new Date(writtenAt.getTime() + rotationIntervals(policy).validFor.milliseconds);
}

/**
 * The earlier of createdOn + every and expiresOn - 30 days. A version with
 * neither date gives the epoch: its age is unknown, so it is overdue.
 */
export function nextDueAt(policy: RotationPolicy, version: VersionDates): Date {
  const candidates = dueCandidates(policy, version);
  if (candidates.length === 0) return new Date(0);
  return new Date(Math.min(...candidates.map((candidate) => candidate.at)));
}

export function isDue(policy: RotationPolicy, latest: VersionDates | undefined, now: Date): DueDecision {
  if (!policy.enabled) return { due: false, reason: 'policy is disabled' };
  if (latest === undefined) return { due: true, reason: 'secret does not exist yet' };
  const candidates = dueCandidates(policy, latest);
  if (candidates.length === 0) return { due: true, reason: 'current version has neither a creation nor an expiry date, so its age is unknown' };
  const first = candidates.reduce((earliest, candidate) => (candidate.at < earliest.at ? candidate : earliest));
  if (now.getTime() < first.at) return { due: false, reason: `not due until ${new Date(first.at).toISOString()}, when ${first.until}` };
  if (latest.expiresOn && latest.expiresOn.getTime() <= now.getTime()) {
    return { due: true, reason: `current version expired at ${latest.expiresOn.toISOString()}` };
  }
  return { due: true, reason: first.why };
}

interface DueCandidate {
  at: number;
  /** Why it is due, once it is. */
  why: string;
  /** What happens at `at`, while it is not due yet. */
  until: string;
}

function dueCandidates(policy: RotationPolicy, version: VersionDates): DueCandidate[] {
  const candidates: DueCandidate[] = [];
  if (version.createdOn) {
    const every = rotationIntervals(policy).every;
    candidates.push({
      at: version.createdOn.getTime() + every.milliseconds,
      why: `age reached every (${every.text}): current version created at ${version.createdOn.toISOString()}`,
      until: `the current version's age reaches every (${every.text})`,
    });
  }
  if (version.expiresOn) {
    candidates.push({
      at: version.expiresOn.getTime() - NEAR_EXPIRY_WINDOW_MS,
      why: `near expiry: current version expires at ${version.expiresOn.toISOString()}, within Key Vault's ${formatDuration(NEAR_EXPIRY_WINDOW_MS)} near-expiry window`,
      until: `the current version enters Key Vault's ${formatDuration(NEAR_EXPIRY_WINDOW_MS)} near-expiry window`,
    });
  }
  return candidates;
}
