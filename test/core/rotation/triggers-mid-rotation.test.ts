/**
 * Duplicate triggers arriving at every step of a rotation that is held in place
 * (before and after each of its port calls), not only all at once from the same
 * starting state: whatever the step, exactly one new version is written, every HTTP
 * caller that did not rotate hears 409, and the state ends consistent.
 */
import { describe, expect, it } from 'vitest';
import { RotationInProgressError } from '../../../src/core/errors.js';
import type { RotationTrigger } from '../../../src/core/ports.js';
import type { RotationOutcome } from '../../../src/core/rotation/rotation-outcome.js';
import type { CrashMoment } from '../../support/fakes/crash-injector.js';
import { aPolicy } from '../../support/policy-mother.js';
import { auditActions, createStores, processOver, refOf, scheduleEntries } from './engine-fixture.js';
import { PortGate } from './port-gate.js';

const DAY = 24 * 60 * 60 * 1000;

type App = ReturnType<typeof processOver>;
type Arrival = (app: App, firstVersion: string) => Promise<RotationOutcome>;

const timer: RotationTrigger = { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' };
const httpWithKey: RotationTrigger = { kind: 'http', actor: 'admin@example.com', reason: 'rotate now', idempotencyKey: 'http:retried-request' };

function nearExpiryEvent(app: App, policy: ReturnType<typeof aPolicy>, version: string, eventId: string): Promise<RotationOutcome> {
  const vaultName = new URL(policy.vaultUrl).hostname.split('.')[0]!;
  return app.events
    .handle({
      id: eventId,
      eventType: 'Microsoft.KeyVault.SecretNearExpiry',
      subject: policy.secretName,
      data: { VaultName: vaultName, ObjectType: 'Secret', ObjectName: policy.secretName, Version: version },
    })
    .then((handled) => {
      if (handled.status !== 'rotation') throw new Error(`expected a rotation outcome, got ${handled.status}`);
      return handled.outcome;
    });
}

/** A governed secret whose only version is 91 days old: due by age, and near expiry (120d validity). */
async function arrange() {
  const stores = createStores();
  const policy = aPolicy();
  const setup = processOver(stores);
  await setup.admin.put(policy.id, policy, 'test');
  const first = await setup.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });
  stores.clock.advance(91 * DAY);
  return { stores, policy, firstVersion: first.newVersion! };
}

interface Scenario {
  held: string;
  trigger: (firstVersion: string) => RotationTrigger;
  /** Triggers that repeat the held one's intent: none of them may add a version. */
  arrivals: Array<[string, Arrival]>;
}

const policyOf = aPolicy();
const scenarios: Scenario[] = [
  {
    held: 'a timer rotation',
    trigger: () => timer,
    arrivals: [
      ['a timer trigger', (app) => app.engine.rotate(policyOf.id, timer)],
      ['a scan', (app) => app.scan.run().then((report) => ({ policyId: policyOf.id, status: report.rotated ? 'succeeded' : 'skipped', reason: 'scan' }))],
      ['a near-expiry event', (app, v1) => nearExpiryEvent(app, policyOf, v1, 'near-expiry-1')],
      ['the same event again', (app, v1) => nearExpiryEvent(app, policyOf, v1, 'near-expiry-1')],
    ],
  },
  {
    held: 'an HTTP rotation with an idempotency key',
    trigger: () => httpWithKey,
    arrivals: [
      ['the HTTP call retried', (app) => app.engine.rotate(policyOf.id, httpWithKey)],
      ['the HTTP call retried again', (app) => app.engine.rotate(policyOf.id, httpWithKey)],
    ],
  },
  {
    held: 'a near-expiry event',
    trigger: (v1) => ({ kind: 'event', actor: 'eventgrid:near-expiry-1', reason: 'SecretNearExpiry', eventVersion: v1, idempotencyKey: 'event:near-expiry-1' }),
    arrivals: [
      ['the event redelivered', (app, v1) => nearExpiryEvent(app, policyOf, v1, 'near-expiry-1')],
      ['another near-expiry delivery for the same version', (app, v1) => nearExpiryEvent(app, policyOf, v1, 'near-expiry-2')],
      ['a timer trigger', (app) => app.engine.rotate(policyOf.id, timer)],
    ],
  },
];

async function portCallsOfOneRotation(scenario: Scenario): Promise<number> {
  const { stores, policy, firstVersion } = await arrange();
  const counter = new PortGate(undefined);
  await processOver(stores, counter).engine.rotate(policy.id, scenario.trigger(firstVersion));
  return counter.portCalls;
}

describe.each(scenarios)('duplicates arriving while $held is held at each step', (scenario) => {
  it('add no version, and every HTTP caller that did not rotate gets 409 or a replay', async () => {
    const calls = await portCallsOfOneRotation(scenario);
    expect(calls).toBeGreaterThan(5);
    const cases: Array<[number, CrashMoment]> = [];
    for (let call = 0; call < calls; call++) cases.push([call, 'before'], [call, 'after']);

    for (const [call, moment] of cases) {
      // Arrange: one process holds its rotation at this port call
      const where = `held ${moment} port call ${call}`;
      const { stores, policy, firstVersion } = await arrange();
      const gate = new PortGate(call, moment);
      const heldTrigger = scenario.trigger(firstVersion);
      const held = processOver(stores, gate).engine.rotate(policy.id, heldTrigger);
      await Promise.race([gate.reached, held]);

      // Act: the duplicates arrive through another instance, one after another, while it is held
      const other = processOver(stores);
      const arrived: Array<PromiseSettledResult<RotationOutcome>> = [];
      for (const [, arrival] of scenario.arrivals) {
        arrived.push(...(await Promise.allSettled([arrival(other, firstVersion)])));
      }
      gate.release();
      const [heldResult] = await Promise.allSettled([held]);

      // Assert
      const versions = stores.secrets.versions(refOf(policy));
      expect(versions, where).toHaveLength(2);
      const newVersion = versions[1]!.version;
      const state = (await stores.states.get(policy.id))!.state;
      expect(state.active, where).toBeUndefined();
      expect(state, where).toMatchObject({ currentVersion: newVersion, lastResult: 'succeeded', consecutiveFailures: 0 });
      expect(await scheduleEntries(stores, policy.id), where).toContainEqual(state.nextDueAt);
      const audited = (await auditActions(stores, policy.id)).filter((action) => action === 'rotation.succeeded');
      expect(audited, where).toHaveLength(2);

      const all: Array<[RotationTrigger['kind'], PromiseSettledResult<RotationOutcome>]> = [
        [heldTrigger.kind, heldResult!],
        ...scenario.arrivals.map(([name], i): [RotationTrigger['kind'], PromiseSettledResult<RotationOutcome>] => [
          name.includes('HTTP') ? 'http' : 'timer',
          arrived[i]!,
        ]),
      ];
      for (const [kind, result] of all) {
        if (result.status === 'rejected') {
          expect(result.reason, where).toBeInstanceOf(RotationInProgressError);
          continue;
        }
        expect(result.value.status, where).not.toBe('failed');
        // Over HTTP a rotation someone else holds is a 409, never a 200 'in-progress'.
        if (kind === 'http') expect(['succeeded', 'skipped'], where).toContain(result.value.status);
      }
      // A replay of the winner's key may repeat its success; no other rotation succeeded.
      const succeeded = all.flatMap(([, result]) => (result.status === 'fulfilled' && result.value.status === 'succeeded' ? [result.value] : []));
      expect(new Set(succeeded.map((outcome) => outcome.rotationId)).size, where).toBeLessThanOrEqual(1);
      for (const outcome of succeeded) expect(outcome.newVersion, where).toBe(newVersion);
    }
  });
});
