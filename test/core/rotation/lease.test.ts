/**
 * The lease: how long a claimed rotation belongs to its claimant, what the scan can
 * see of it meanwhile, and what happens to a claimant that outlives its lease.
 */
import { describe, expect, it } from 'vitest';
import { RotationInProgressError } from '../../../src/core/errors.js';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { aPolicy } from '../../support/policy-mother.js';
import { LEASE_MS, auditActions, createStores, processOver, refOf, scheduleEntries } from './engine-fixture.js';
import { PortGate } from './port-gate.js';

const timer: RotationTrigger = { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' };
const http: RotationTrigger = { kind: 'http', actor: 'admin@example.com', reason: 'rotate now' };

async function governed() {
  const stores = createStores();
  const policy = aPolicy();
  await processOver(stores).admin.put(policy.id, policy, 'test');
  return { stores, policy };
}

/** Starts a rotation in one process and holds it just before it writes to Key Vault. */
async function heldBeforeWrite(stores: ReturnType<typeof createStores>, policyId: string, trigger: RotationTrigger = http) {
  const gate = new PortGate('write', 'before');
  const rotation = processOver(stores, gate).engine.rotate(policyId, trigger);
  await gate.reached;
  return { gate, rotation };
}

describe('the rotation lease', () => {
  it('runs for the lease duration from the claim, and the schedule holds the rotation at its end', async () => {
    // Arrange
    const { stores, policy } = await governed();
    const claimedAt = stores.clock.now();

    // Act
    const { gate, rotation } = await heldBeforeWrite(stores, policy.id);
    const state = (await stores.states.get(policy.id))!.state;
    const entries = await scheduleEntries(stores, policy.id);
    gate.release();
    await rotation;

    // Assert
    expect(state.active).toMatchObject({ step: 'claimed', startedAt: claimedAt, attempt: 1 });
    expect(state.active!.leaseExpiresAt).toEqual(new Date(claimedAt.getTime() + LEASE_MS));
    // If this process dies now, the scan finds the rotation when the lease ends.
    expect(state.nextDueAt).toEqual(state.active!.leaseExpiresAt);
    expect(entries).toContainEqual(state.active!.leaseExpiresAt);
  });

  it('keeps every other trigger out until it ends, even one that arrives a moment before', async () => {
    // Arrange
    const { stores, policy } = await governed();
    const { gate, rotation } = await heldBeforeWrite(stores, policy.id);
    const other = processOver(stores);

    // Act
    stores.clock.advance(LEASE_MS - 1);
    const timerOutcome = await other.engine.rotate(policy.id, timer);
    const httpCall = await other.engine.rotate(policy.id, http).catch((error: unknown) => error);
    const scanReport = await other.scan.run();
    gate.release();
    const held = await rotation;

    // Assert
    expect(held.rotationId).toEqual(expect.any(String));
    expect(timerOutcome).toMatchObject({ status: 'in-progress', rotationId: held.rotationId });
    expect(httpCall).toBeInstanceOf(RotationInProgressError);
    expect(httpCall).toMatchObject({ rotationId: held.rotationId });
    expect(scanReport).toMatchObject({ rotated: 0, failed: 0 });
    expect(held.status).toBe('succeeded');
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it('once it has lapsed, lets the next trigger resume the same rotation under a fresh lease', async () => {
    // Arrange: the claimant is stuck before its write, and its lease runs out
    const { stores, policy } = await governed();
    const stuck = await heldBeforeWrite(stores, policy.id);
    stores.clock.advance(LEASE_MS + 1);
    const resumedAt = stores.clock.now();

    // Act: the resuming process is held at its own write, so its lease can be read
    const { gate, rotation } = await heldBeforeWrite(stores, policy.id, timer);
    const during = (await stores.states.get(policy.id))!.state;
    gate.release();
    const resumed = await rotation;
    stuck.gate.release();
    const late = await stuck.rotation.catch((error: unknown) => error);

    // Assert
    expect(during.active).toMatchObject({ attempt: 2, startedAt: new Date(resumedAt.getTime() - LEASE_MS - 1) });
    expect(during.active!.leaseExpiresAt).toEqual(new Date(resumedAt.getTime() + LEASE_MS));
    expect(resumed).toMatchObject({ status: 'succeeded', rotationId: during.active!.rotationId });
    // The stuck claimant was an HTTP caller: it hears 409, naming the rotation that was finished for it.
    expect(late).toBeInstanceOf(RotationInProgressError);
    expect(late).toMatchObject({ rotationId: resumed.rotationId });
  });

  it.each([
    { kind: 'timer', trigger: timer, hears: 'in-progress' },
    { kind: 'http', trigger: http, hears: '409' },
  ])('lost to a takeover is not a failed attempt, and its $kind caller hears $hears', async ({ trigger, hears }) => {
    // Arrange: the claimant has written its version but not yet recorded it when its lease lapses
    const { stores, policy } = await governed();
    const gate = new PortGate('write', 'after');
    const slow = processOver(stores, gate).engine.rotate(policy.id, trigger).catch((error: unknown) => error);
    await gate.reached;
    stores.clock.advance(LEASE_MS + 1);
    const takeover = await processOver(stores).engine.rotate(policy.id, timer);

    // Act
    gate.release();
    const outcome = await slow;

    // Assert
    expect(takeover).toMatchObject({ status: 'succeeded' });
    if (hears === '409') expect(outcome).toBeInstanceOf(RotationInProgressError);
    else expect(outcome).toMatchObject({ status: 'in-progress' });
    expect(outcome).toMatchObject({ rotationId: takeover.rotationId });
    const versions = stores.secrets.versions(refOf(policy));
    expect(versions.map((v) => v.version)).toEqual([takeover.newVersion]);
    const state = (await stores.states.get(policy.id))!.state;
    expect(state).toMatchObject({ lastResult: 'succeeded', consecutiveFailures: 0, currentVersion: takeover.newVersion });
    expect(state.active).toBeUndefined();
    expect(state.lastError).toBeUndefined();
    expect(await auditActions(stores, policy.id)).not.toContain('rotation.failed');
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
  });
});
