import { describe, expect, it } from 'vitest';
import { expiryFor, isDue, NEAR_EXPIRY_WINDOW_MS, nextDueAt, rotationIntervals } from '../../../src/core/policy/schedule.js';
import { aPolicy } from '../../support/policy-mother.js';

const DAY = 24 * 60 * 60 * 1000;
const at = (iso: string): Date => new Date(iso);
const plusDays = (date: Date, days: number): Date => new Date(date.getTime() + days * DAY);

// every 90d, validFor 120d unless a test says otherwise.
const policy = aPolicy();
const created = at('2026-01-01T00:00:00.000Z');

describe('NEAR_EXPIRY_WINDOW_MS', () => {
  it("is Key Vault's 30 days", () => {
    expect(NEAR_EXPIRY_WINDOW_MS).toBe(30 * DAY);
  });
});

describe('nextDueAt', () => {
  it('is createdOn + every when the version has no expiry', () => {
    expect(nextDueAt(policy, { createdOn: created })).toEqual(plusDays(created, 90));
  });

  it('is expiresOn - 30 days when that comes first', () => {
    // Arrange: written by hand with a short expiry, so the near-expiry window opens before the age is reached.
    const version = { createdOn: created, expiresOn: plusDays(created, 100) };

    // Act / Assert
    expect(nextDueAt(policy, version)).toEqual(plusDays(created, 70));
  });

  it('is createdOn + every when the expiry is far enough out', () => {
    expect(nextDueAt(policy, { createdOn: created, expiresOn: plusDays(created, 365) })).toEqual(plusDays(created, 90));
  });

  it('is expiresOn - 30 days when the creation date is unknown', () => {
    expect(nextDueAt(policy, { expiresOn: plusDays(created, 60) })).toEqual(plusDays(created, 30));
  });

  it('is the epoch when the version carries neither date: overdue', () => {
    expect(nextDueAt(policy, {})).toEqual(new Date(0));
  });

  it('agrees with expiryFor: a version this app wrote is due at min(every, validFor - 30d)', () => {
    // Arrange: every 90d, validFor 100d, so the near-expiry window opens at day 70.
    const tight = aPolicy({ rotation: { every: '90d', validFor: '100d' } });

    // Act
    const due = nextDueAt(tight, { createdOn: created, expiresOn: expiryFor(tight, created) });

    // Assert
    expect(due).toEqual(plusDays(created, 70));
  });
});

describe('expiryFor and rotationIntervals', () => {
  it('expires a new version validFor after it is written', () => {
    expect(expiryFor(aPolicy({ rotation: { every: 'P90D', validFor: 'P120D' } }), created)).toEqual(plusDays(created, 120));
  });

  it('reads both durations', () => {
    expect(rotationIntervals(aPolicy({ rotation: { every: 'P2W', validFor: '31d' } }))).toEqual({
      every: { text: 'P2W', milliseconds: 14 * DAY },
      validFor: { text: '31d', milliseconds: 31 * DAY },
    });
  });
});

describe('isDue', () => {
  it('is due at once when the secret does not exist yet', () => {
    expect(isDue(policy, undefined, created)).toEqual({ due: true, reason: 'secret does not exist yet' });
  });

  it('is never due for a disabled policy, even a missing or expired secret', () => {
    // Arrange
    const disabled = aPolicy({ enabled: false });

    // Act
    const decisions = [isDue(disabled, undefined, created), isDue(disabled, { createdOn: created, expiresOn: created }, plusDays(created, 400))];

    // Assert
    expect(decisions).toEqual([
      { due: false, reason: 'policy is disabled' },
      { due: false, reason: 'policy is disabled' },
    ]);
  });

  it('is not due one millisecond before createdOn + every, and due at that instant', () => {
    // Arrange
    const version = { createdOn: created, expiresOn: plusDays(created, 120) };
    const dueAt = plusDays(created, 90);

    // Act
    const before = isDue(policy, version, new Date(dueAt.getTime() - 1));
    const onTime = isDue(policy, version, dueAt);

    // Assert
    expect(before).toEqual({ due: false, reason: `not due until ${dueAt.toISOString()}, when the current version's age reaches every (90d)` });
    expect(onTime.due).toBe(true);
    expect(onTime.reason).toMatch(/^age reached every \(90d\): current version created at 2026-01-01T00:00:00.000Z$/);
  });

  it('is due in the near-expiry window, saying so', () => {
    // Arrange: an expiry set outside this app, 40 days after creation.
    const version = { createdOn: created, expiresOn: plusDays(created, 40) };

    // Act
    const early = isDue(policy, version, plusDays(created, 9));
    const inWindow = isDue(policy, version, plusDays(created, 10));

    // Assert
    expect(early).toEqual({ due: false, reason: expect.stringMatching(/when the current version enters Key Vault's 30d near-expiry window$/) });
    expect(inWindow).toEqual({ due: true, reason: expect.stringMatching(/^near expiry: current version expires at 2026-02-10T00:00:00.000Z, within Key Vault's 30d near-expiry window$/) });
  });

  it('says so when the current version has already expired', () => {
    const version = { createdOn: created, expiresOn: plusDays(created, 120) };
    expect(isDue(policy, version, plusDays(created, 121))).toEqual({ due: true, reason: 'current version expired at 2026-05-01T00:00:00.000Z' });
  });

  it('is due when the version carries no dates at all', () => {
    expect(isDue(policy, {}, created)).toEqual({ due: true, reason: expect.stringMatching(/neither a creation nor an expiry date/) });
  });
});
