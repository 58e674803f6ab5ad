/**
 * "Scheduled and event-driven rotations of a policy that was approved run without asking again:
 * the approval was of the policy." End to end on the local stack: a production policy approved by
 * two people is rotated by the timer-triggered scan once it is due, and by the SecretNearExpiry the
 * Key Vault emulator raises once its clock reaches 30 days before the version's expiry. Neither
 * creates a change request, and each is audited with its trigger. An on-demand rotation of the
 * same policy is the twin: it does wait for approval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInPeople, type AuditItem, type SignedInPeople } from '../support/governance-people.js';
import { eventually, startTestApp, versionsOf, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
let people: SignedInPeople;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await startTestApp();
  people = await signInPeople(t);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

/** Oldest first. */
async function succeededRotations(id: string): Promise<AuditItem[]> {
  return (await people.auditOf(id)).filter((r) => r.action === 'rotation.succeeded').reverse();
}

async function scan(): Promise<void> {
  await t.app.functionsHost.invoke('scanDuePolicies');
  await t.app.functionsHost.queuesIdle();
}

// The timer case first: the near-expiry case moves the shared clock, and its policy must not exist yet when the scans run.
describe('a timer-triggered scan', () => {
  it('rotates an approved production policy once due, with no change request, audited as trigger timer', async () => {
    // Arrange: approved by two; its first version written by the first scan
    const id = 'approved-scheduled';
    await people.approvedPolicy(id, { rotation: { every: '2d', validFor: '60d' } });
    await scan();
    const client = t.secrets(t.vault().url);
    const [firstVersion] = await versionsOf(client, id);
    expect(firstVersion).toBeDefined();
    const requestsBefore = await people.everyChangeRequestId();

    // Act: the twin first (not yet due: the scan rotates nothing), then three days on
    await scan();
    expect(await versionsOf(client, id)).toEqual([firstVersion]);
    await t.admin.advanceClock(3 * DAY);
    await scan();

    // Assert
    const versions = await versionsOf(client, id);
    expect(versions).toHaveLength(2);
    expect(await people.everyChangeRequestId()).toEqual(requestsBefore);
    const rotations = await eventually(async () => {
      const found = await succeededRotations(id);
      return found.length === 2 ? found : undefined;
    }, 'the scheduled rotation to be audited');
    expect(rotations).toEqual([
      expect.objectContaining({ trigger: 'timer', actor: 'scheduler', newVersion: firstVersion }),
      expect.objectContaining({ trigger: 'timer', actor: 'scheduler', previousVersion: firstVersion, newVersion: versions[1] }),
    ]);
  });
});

describe('a SecretNearExpiry event', () => {
  it('rotates an approved production policy with no change request, audited as trigger event; an on-demand rotation still asks', async () => {
    // Arrange: a version written by hand that expires in 31 days, then governed by an approved production policy
    const id = 'approved-near-expiry';
    const client = t.secrets(t.vault().url);
    const manual = await client.setSecret(id, 'set-by-hand', { expiresOn: new Date((await t.admin.now()).getTime() + 31 * DAY) });
    await people.approvedPolicy(id);
    await t.admin.waitForDeliveriesIdle();
    const requestsBefore = await people.everyChangeRequestId();

    // Act: two days on, the version is within 30 days of expiry and the emulator raises the event
    await t.admin.advanceClock(2 * DAY);

    // Assert
    const versions = await eventually(async () => {
      const found = await versionsOf(client, id);
      return found.length === 2 ? found : undefined;
    }, 'the near-expiry rotation');
    await t.admin.waitForDeliveriesIdle();
    const nearExpiry = (await t.admin.deliveries()).filter((d) => JSON.stringify(d).includes('SecretNearExpiry') && JSON.stringify(d).includes(manual.properties.version!));
    expect(nearExpiry).toHaveLength(1);
    const rotations = await eventually(async () => {
      const found = await succeededRotations(id);
      return found.length === 1 ? found : undefined;
    }, 'the event rotation to be audited');
    expect(rotations[0]).toMatchObject({ trigger: 'event', previousVersion: manual.properties.version, newVersion: versions[1] });
    expect(await people.everyChangeRequestId()).toEqual(requestsBefore);

    // The twin: the same policy rotated on demand (by the suite's admin, who holds every role) waits for approval, and rotates nothing
    const onDemand = await t.call('POST', `/policies/${id}/rotate`, { reason: 'by hand' });
    expect(onDemand.status, onDemand.text).toBe(202);
    const requestsAfter = await people.everyChangeRequestId();
    expect(requestsAfter).toHaveLength(requestsBefore.length + 1);
    expect(requestsAfter).toEqual(expect.arrayContaining([...requestsBefore, onDemand.json.changeRequestId]));
    expect(await versionsOf(client, id)).toEqual(versions);
  });
});
