/**
 * A near-expiry or expired event is a claim about a version; the version's own expiry
 * in Key Vault is the evidence. An event is believed only when Key Vault agrees, so a
 * forged or misdirected event cannot make the app rotate a healthy secret.
 */
import { NEAR_EXPIRY_WINDOW_MS } from '../policy/schedule.js';
import type { RotationTrigger, SecretVersionInfo } from '../ports.js';

/** Clocks differ: Key Vault's, Event Grid's and ours. Five minutes covers skew without admitting a forgery with days left. */
export const EVENT_CLOCK_TOLERANCE_MS = 5 * 60_000;

export type ClaimCheck = { plausible: true } | { plausible: false; why: string };

export function checkEventClaim(claim: NonNullable<RotationTrigger['eventClaim']>, version: SecretVersionInfo, now: Date): ClaimCheck {
  const expiresOn = version.expiresOn;
  if (!expiresOn) return { plausible: false, why: `version '${version.version}' has no expiry in Key Vault, so it can be neither near expiry nor expired` };
  const left = expiresOn.getTime() - now.getTime();
  const limit = claim === 'expired' ? EVENT_CLOCK_TOLERANCE_MS : NEAR_EXPIRY_WINDOW_MS + EVENT_CLOCK_TOLERANCE_MS;
  if (left <= limit) return { plausible: true };
  const claimed = claim === 'expired' ? 'expired' : 'within 30 days of expiry';
  return { plausible: false, why: `the event says version '${version.version}' is ${claimed}, but Key Vault says it expires ${expiresOn.toISOString()}` };
}
