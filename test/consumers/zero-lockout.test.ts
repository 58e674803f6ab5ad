/**
 * Zero lockout, measured: PostgreSQL (a private cluster that checks passwords), MariaDB and Redis,
 * rotated back to back by the real engine on Azurite and the Key Vault emulator, with half the
 * rotations killed mid-step and resumed, while a prober per kind signs in with whatever the vault
 * holds every few milliseconds. Nothing here asserts a timing. A control that revokes early (a naive
 * rotation) shows the same prober does see failed logins when there are some.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureZeroLockout, startLocalStack, type KindFigures, type LocalStack } from '../../bench/zero-lockout/measure.js';
import { PROBED_KINDS } from '../../bench/zero-lockout/prober.js';

const SEED = Number(process.env['ZERO_LOCKOUT_SEED'] ?? 20_261_202);
// Enough for every kill point of each strategy several times over; `npm run bench -- zero-lockout` runs 1,000.
const ROTATIONS = 20;

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** What to print when an expectation fails: the figures, without the noise. */
function context(kind: KindFigures): string {
  return JSON.stringify({ seed: SEED, kind: kind.kind, failures: kind.probes.failures, errors: kind.probes.signInErrorSamples, unplanned: kind.unplannedFailureSamples, revocation: kind.revocation });
}

describe('zero lockout', () => {
  it('a control that revokes early (the held credential revoked at prepare, every grace over at once, no drain check) is caught by the prober as failed logins', async () => {
    // Act
    const figures = await measureZeroLockout({ rotations: 4, kinds: PROBED_KINDS, seed: SEED, revokeEarly: true, stack });

    // Assert: the prober's sign-in tells a wrong password apart, and the early revocation locks it out
    for (const kind of figures.kinds) {
      expect(kind.selfCheck, kind.kind).toEqual({ rightPasswordAccepted: true, wrongPasswordRefused: true });
      expect(kind.rotations, context(kind)).toBe(4);
      expect(kind.probes.failedLogins, context(kind)).toBeGreaterThan(0);
    }
  }, 60_000);

  it(`${ROTATIONS} rotations per kind, a third killed mid-step and resumed: no failed login, and every credential whose turn has passed is refused`, async () => {
    // Act
    const figures = await measureZeroLockout({ rotations: ROTATIONS, kinds: PROBED_KINDS, seed: SEED, killRate: 0.3, stack });

    // Assert
    expect(figures.kinds.map((kind) => kind.kind)).toEqual([...PROBED_KINDS]);
    for (const kind of figures.kinds) {
      const why = context(kind);
      expect(kind.selfCheck, why).toEqual({ rightPasswordAccepted: true, wrongPasswordRefused: true });
      // Every rotation completed; every kill fired, and each killed rotation was finished under its own id.
      expect(kind.rotations, why).toBe(ROTATIONS);
      const fired = Object.values(kind.kills).reduce((sum, n) => sum + n, 0);
      expect(fired, why).toBe(kind.killsPlanned);
      expect(fired, why).toBeGreaterThan(0);
      expect(kind.resumedRotations, why).toBe(fired);
      expect(kind.resumedUnderAnotherId, why).toBe(0);
      expect(kind.unplannedFailures, why).toBe(0);
      // Applications: signed in with every version, and never refused.
      expect(kind.probes.attempts, why).toBeGreaterThan(ROTATIONS);
      expect(kind.probes.versionsSeen, why).toBe(ROTATIONS);
      expect(kind.probes.failedLogins, why).toBe(0);
      expect(kind.probes.signInErrors, why).toBe(0);
      expect(kind.probes.successes, why).toBe(kind.probes.attempts);
      // Revocation: two switches back (alternating users) or the previous credential (multi-password) is refused, its version disabled.
      const expectedChecks = kind.strategy === 'alternating-users' ? ROTATIONS - 2 : ROTATIONS - 1;
      expect(kind.revocation, why).toMatchObject({ checked: expectedChecks, stillAccepted: 0, errors: 0, retiredVersionsChecked: expectedChecks, retiredVersionsStillReadable: 0 });
    }
  }, 180_000);
});
