/**
 * Kills the engine at every port call of a rotation (before the call takes effect and
 * after it took effect but before the caller learned of it), then lets the trigger be
 * delivered again, as Event Grid or a retrying admin would, and a scan run. Every time:
 * exactly one new version, and state, schedule and audit consistent with it.
 */
import { describe, expect, it } from 'vitest';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { CrashInjector, SimulatedCrash, type CrashMoment } from '../../support/fakes/crash-injector.js';
import { aPolicy } from '../../support/policy-mother.js';
import { LEASE_MS, auditActions, createStores, processOver, refOf, scheduleEntries } from './engine-fixture.js';

type TriggerFor = (currentVersion: string) => RotationTrigger;

const triggers: Array<[string, TriggerFor]> = [
  ['an HTTP call with an idempotency key', () => ({ kind: 'http', actor: 'admin', reason: 'rotate now', idempotencyKey: 'http:retry-me' })],
  ['a SecretNearExpiry event', (version) => ({ kind: 'event', actor: 'eventgrid:e-1', reason: 'SecretNearExpiry', eventVersion: version, eventClaim: 'near-expiry', idempotencyKey: 'event:e-1' })],
];

/** A governed secret with one version already, so a rotation is a second version. */
async function arrange() {
  const stores = createStores();
  const policy = aPolicy();
  const setup = processOver(stores);
  await setup.admin.put(policy.id, policy, 'test');
  const first = await setup.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });
  // 91 of the version's 120 days later: inside Key Vault's 30-day near-expiry window, so the event is plausible.
  stores.clock.advance(91 * 24 * 60 * 60 * 1000);
  return { stores, policy, firstVersion: first.newVersion! };
}

async function portCallsOfOneRotation(trigger: TriggerFor): Promise<number> {
  const { stores, policy, firstVersion } = await arrange();
  const counter = new CrashInjector(undefined);
  await processOver(stores, counter).engine.rotate(policy.id, trigger(firstVersion));
  return counter.calls;
}

describe.each(triggers)('a rotation triggered by %s, killed at any step', (_name, trigger) => {
  it('finishes with exactly one new version and consistent state when the trigger is delivered again', async () => {
    const calls = await portCallsOfOneRotation(trigger);
    expect(calls).toBeGreaterThan(5);
    const cases: Array<[number, CrashMoment]> = [];
    for (let call = 0; call < calls; call++) cases.push([call, 'before'], [call, 'after']);

    for (const [call, moment] of cases) {
      // Arrange
      const { stores, policy, firstVersion } = await arrange();
      const injector = new CrashInjector(call, moment);

      // Act: the first process dies mid-rotation; a second one gets the redelivery after the lease lapses, then the timer runs
      // (A crash in the best-effort clean-up of an old index entry is swallowed: the rotation was already complete.)
      await processOver(stores, injector)
        .engine.rotate(policy.id, trigger(firstVersion))
        .catch((error: unknown) => expect(error).toBeInstanceOf(SimulatedCrash));
      expect(injector.crashed).toBe(true);
      stores.clock.advance(LEASE_MS + 1);
      const survivor = processOver(stores);
      const redelivered = await survivor.engine.rotate(policy.id, trigger(firstVersion));
      await survivor.scan.run();

      // Assert
      const where = `crash ${moment} port call ${call}`;
      const versions = stores.secrets.versions(refOf(policy));
      expect(versions, where).toHaveLength(2);
      const newVersion = versions[1]!.version;
      expect(['succeeded', 'skipped'], where).toContain(redelivered.status);
      const state = (await stores.states.get(policy.id))!.state;
      expect(state.active, where).toBeUndefined();
      expect(state, where).toMatchObject({ currentVersion: newVersion, lastResult: 'succeeded', consecutiveFailures: 0 });
      // A crash can strand an index entry; the scan removes it when it comes due, without rotating.
      const entries = await scheduleEntries(stores, policy.id);
      expect(entries, where).toContainEqual(state.nextDueAt);
      for (const stale of entries.filter((due) => due.getTime() !== state.nextDueAt!.getTime())) {
        expect(stale.getTime(), where).toBeLessThan(state.nextDueAt!.getTime());
        stores.clock.advance(stale.getTime() - stores.clock.now().getTime());
        expect(await survivor.scan.run(), where).toMatchObject({ rotated: 0, staleEntriesRemoved: 1 });
      }
      expect(await scheduleEntries(stores, policy.id), where).toEqual([state.nextDueAt]);
      expect(stores.secrets.versions(refOf(policy)), where).toHaveLength(2);
      const succeeded = (await auditActions(stores, policy.id)).filter((a) => a === 'rotation.succeeded');
      expect(succeeded, where).toHaveLength(2);
    }
  });
});
