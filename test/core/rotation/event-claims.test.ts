/**
 * When Key Vault's own expiry backs an event's claim: near expiry within 30 days,
 * expired at expiry, each with five minutes for clocks that disagree, never more.
 */
import { describe, expect, it } from 'vitest';
import type { SecretVersionInfo } from '../../../src/core/ports.js';
import { checkEventClaim } from '../../../src/core/rotation/event-claims.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function versionExpiringIn(ms: number | undefined): SecretVersionInfo {
  return {
    vaultUrl: 'https://kv-payments.vault.azure.net',
    secretName: 'db-password',
    version: '0123456789abcdef0123456789abcdef',
    enabled: true,
    tags: {},
    ...(ms === undefined ? {} : { expiresOn: new Date(NOW.getTime() + ms) }),
  };
}

describe('checkEventClaim', () => {
  it.each([
    { claim: 'near-expiry' as const, left: 30 * DAY + 5 * MINUTE, plausible: true },
    { claim: 'near-expiry' as const, left: 30 * DAY + 5 * MINUTE + 1, plausible: false },
    { claim: 'near-expiry' as const, left: 10 * DAY, plausible: true },
    { claim: 'near-expiry' as const, left: -DAY, plausible: true },
    { claim: 'expired' as const, left: 5 * MINUTE, plausible: true },
    { claim: 'expired' as const, left: 5 * MINUTE + 1, plausible: false },
    { claim: 'expired' as const, left: -DAY, plausible: true },
    { claim: 'expired' as const, left: 10 * DAY, plausible: false },
  ])('finds "$claim" plausible: $plausible with $left ms left', ({ claim, left, plausible }) => {
    expect(checkEventClaim(claim, versionExpiringIn(left), NOW).plausible).toBe(plausible);
  });

  it('says what the event claimed and what Key Vault says instead', () => {
    const version = versionExpiringIn(120 * DAY);
    expect(checkEventClaim('near-expiry', version, NOW)).toEqual({
      plausible: false,
      why: `the event says version '${version.version}' is within 30 days of expiry, but Key Vault says it expires ${version.expiresOn!.toISOString()}`,
    });
    expect(checkEventClaim('expired', version, NOW)).toEqual({
      plausible: false,
      why: `the event says version '${version.version}' is expired, but Key Vault says it expires ${version.expiresOn!.toISOString()}`,
    });
  });

  it.each(['near-expiry', 'expired'] as const)('never believes "%s" of a version that does not expire', (claim) => {
    expect(checkEventClaim(claim, versionExpiringIn(undefined), NOW)).toEqual({
      plausible: false,
      why: "version '0123456789abcdef0123456789abcdef' has no expiry in Key Vault, so it can be neither near expiry nor expired",
    });
  });
});
