/**
 * Idempotency keys and what each produced. A key is remembered when its trigger claims
 * or resumes a rotation, settled with the rotation's result when it ends, and
 * forgotten by count and by age (both settings). A repeat replays the outcome its own
 * rotation produced, never a later one; the same key with another request is refused.
 */
import { IdempotencyKeyReusedError } from '../errors.js';
import type { PolicyState, RememberedTrigger, RotationTrigger } from '../ports.js';

export interface IdempotencyRetention {
  /** Keys kept per policy; the oldest is forgotten first. */
  keysKept: number;
  /** A key older than this is forgotten: a repeat after it is a new request. */
  retentionInMs: number;
}

/** The remembered entry for this trigger's key, if any. Throws when the key came with another request. */
export function rememberedFor(state: PolicyState, trigger: RotationTrigger, now: Date, retention: IdempotencyRetention): RememberedTrigger | undefined {
  if (!trigger.idempotencyKey) return undefined;
  const entry = live(state.recentTriggers, now, retention).find((candidate) => candidate.key === trigger.idempotencyKey);
  if (entry && entry.fingerprint !== trigger.idempotencyFingerprint) throw new IdempotencyKeyReusedError(trigger.idempotencyKey);
  return entry;
}

/** The state's remembered keys with this trigger's key added for the rotation it started or joined. */
export function remember(state: PolicyState, trigger: RotationTrigger, rotationId: string, now: Date, retention: IdempotencyRetention): RememberedTrigger[] | undefined {
  const kept = live(state.recentTriggers, now, retention);
  if (!trigger.idempotencyKey || kept.some((entry) => entry.key === trigger.idempotencyKey)) return orUndefined(kept);
  const entry: RememberedTrigger = {
    key: trigger.idempotencyKey,
    ...(trigger.idempotencyFingerprint ? { fingerprint: trigger.idempotencyFingerprint } : {}),
    at: now,
    rotationId,
  };
  return [...kept, entry].slice(-retention.keysKept);
}

/** Every key that led to this rotation now replays how it ended. */
export function settle(
  remembered: RememberedTrigger[] | undefined,
  rotationId: string,
  result: NonNullable<RememberedTrigger['result']>,
  versions: Pick<RememberedTrigger, 'previousVersion' | 'newVersion'>,
): RememberedTrigger[] | undefined {
  return remembered?.map((entry) => (entry.rotationId === rotationId ? { ...entry, result, ...versions } : entry));
}

function live(remembered: RememberedTrigger[] | undefined, now: Date, retention: IdempotencyRetention): RememberedTrigger[] {
  const oldest = now.getTime() - retention.retentionInMs;
  return (remembered ?? []).filter((entry) => entry.at.getTime() > oldest).slice(-retention.keysKept);
}

function orUndefined(remembered: RememberedTrigger[]): RememberedTrigger[] | undefined {
  return remembered.length > 0 ? remembered : undefined;
}
