/**
 * A rotation runs against the secret it claimed. A replace is refused while the rotation
 * holds its lease; a replace that lands anyway (after the lease lapsed, or in the instant
 * between the admin's check and the claim) never moves the rotation to the new secret.
 */
import { describe, expect, it } from 'vitest';
import { RotationInProgressError } from '../../../src/core/errors.js';
import { MANAGED_TAGS } from '../../../src/core/policy/policy.js';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { CrashInjector, SimulatedCrash } from '../../support/fakes/crash-injector.js';
import { LEASE_MS, aGovernedPolicy, processOver, refOf } from './engine-fixture.js';
import { holdSecretWrites } from './held-writes.js';
import { PortGate } from './port-gate.js';

/** Port calls of an HTTP rotation: policy, state, latest version, schedule add, claim, old entry removed, lease check, then the write. */
const WRITE_CALL = 7;

const http: RotationTrigger = { kind: 'http', actor: 'admin@example.com', reason: 'rotate now' };

async function governed() {
  const { stores, policy, app } = await aGovernedPolicy();
  const first = await app.engine.rotate(policy.id, http);
  const renamed = { ...policy, secretName: 'payments-db-password-v2' };
  return { stores, policy, app, first, renamed };
}

describe('replacing a policy during its rotation', () => {
  it('is refused with 409 while the rotation holds its lease, and the rotation finishes on the secret it claimed', async () => {
    // Arrange: a rotation held at its Key Vault write
    const { stores, policy, app, first, renamed } = await governed();
    const held = holdSecretWrites(stores);
    const rotation = processOver(held.stores).engine.rotate(policy.id, http);
    await held.reached;

    // Act
    const replace = app.admin.put(policy.id, renamed, 'bob');

    // Assert
    await expect(replace).rejects.toBeInstanceOf(RotationInProgressError);
    held.release();
    const outcome = await rotation;
    expect(outcome).toMatchObject({ status: 'succeeded', previousVersion: first.newVersion });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
    expect(stores.secrets.versions(refOf(renamed))).toHaveLength(0);
    expect((await stores.policies.get(policy.id))!.policy.secretName).toBe(policy.secretName);
    expect((await stores.states.get(policy.id))!.state.currentVersion).toBe(outcome.newVersion);
    // Once the rotation is over, the same replace goes through.
    await expect(app.admin.put(policy.id, renamed, 'bob')).resolves.toMatchObject({ created: false });
  });

  it('after the lease lapsed, before anything was written: the resumed rotation writes nothing, and the new secret gets its own rotation', async () => {
    // Arrange: a process that claimed the rotation and died before writing
    const { stores, policy, app, renamed } = await governed();
    const dying = new CrashInjector(WRITE_CALL, 'before');
    await processOver(stores, dying)
      .engine.rotate(policy.id, http)
      .catch((error: unknown) => expect(error).toBeInstanceOf(SimulatedCrash));
    const claimed = (await stores.states.get(policy.id))!.state.active!;
    expect(claimed).toMatchObject({ step: 'claimed', target: refOf(policy) });
    stores.clock.advance(LEASE_MS + 1);
    await app.admin.put(policy.id, renamed, 'bob');

    // Act: the scan resumes the rotation, then runs again for the new secret
    await app.scan.run();
    await app.scan.run();

    // Assert
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
    const renamedVersions = stores.secrets.versions(refOf(renamed));
    expect(renamedVersions).toHaveLength(1);
    expect(renamedVersions[0]!.tags[MANAGED_TAGS.rotationId]).not.toBe(claimed.rotationId);
    const records = (await stores.audit.listForPolicy(policy.id, { pageSize: 100 })).items;
    expect(records.find((r) => r.action === 'rotation.abandoned')).toMatchObject({ rotationId: claimed.rotationId, secretName: policy.secretName });
    const renamedRotation = records.find((r) => r.action === 'rotation.succeeded' && r.secretName === renamed.secretName)!;
    expect(renamedRotation.previousVersion).toBeUndefined();
    expect((await stores.states.get(policy.id))!.state).toMatchObject({ currentVersion: renamedVersions[0]!.version, lastResult: 'succeeded' });
  });

  it('after the lease lapsed, once the version was written: the rotation finishes on the old secret and never writes to the new one', async () => {
    // Arrange: a process that wrote the version and died before recording it
    const { stores, policy, app, first, renamed } = await governed();
    const dying = new CrashInjector(WRITE_CALL, 'after');
    await processOver(stores, dying)
      .engine.rotate(policy.id, http)
      .catch((error: unknown) => expect(error).toBeInstanceOf(SimulatedCrash));
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
    const rotationId = (await stores.states.get(policy.id))!.state.active!.rotationId;
    stores.clock.advance(LEASE_MS + 1);
    await app.admin.put(policy.id, renamed, 'bob');

    // Act
    await app.scan.run();

    // Assert: one version from this rotation, on the secret it claimed; the audit names that secret and its own previous version
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
    expect(stores.secrets.versions(refOf(renamed)).filter((v) => v.tags[MANAGED_TAGS.rotationId] === rotationId)).toEqual([]);
    const records = (await stores.audit.listForPolicy(policy.id, { pageSize: 100 })).items;
    const finished = records.find((r) => r.action === 'rotation.succeeded' && r.rotationId === rotationId)!;
    expect(finished).toMatchObject({ secretName: policy.secretName, previousVersion: first.newVersion });
    // The state no longer claims the old secret's version is current: the renamed secret is evaluated next.
    const state = (await stores.states.get(policy.id))!.state;
    expect(state.currentVersion).not.toBe(finished.newVersion);
    await app.scan.run();
    const renamedVersions = stores.secrets.versions(refOf(renamed));
    expect(renamedVersions).toHaveLength(1);
    const next = (await stores.audit.listForPolicy(policy.id, { pageSize: 100 })).items.find((r) => r.action === 'rotation.succeeded' && r.secretName === renamed.secretName)!;
    expect(next.previousVersion).toBeUndefined();
  });

  it('that slips in between the admin check and the claim leaves the rotation on its own secret', async () => {
    // Arrange: the rotation is held at its write; the replace reaches the repository directly, as a racing admin call would
    const { stores, policy, first, renamed } = await governed();
    const held = holdSecretWrites(stores);
    const rotation = processOver(held.stores).engine.rotate(policy.id, http);
    await held.reached;
    await stores.policies.put(renamed, (await stores.policies.get(policy.id))!.etag);

    // Act
    held.release();
    const outcome = await rotation;

    // Assert
    expect(outcome).toMatchObject({ status: 'succeeded', previousVersion: first.newVersion });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
    expect(stores.secrets.versions(refOf(renamed))).toHaveLength(0);
    const state = (await stores.states.get(policy.id))!.state;
    expect(state.currentVersion).toBeUndefined();
    expect(state.nextDueAt!.getTime()).toBe(stores.clock.now().getTime());
  });
});

describe('a rotation whose lease lapses while it runs', () => {
  it('answers an HTTP caller 409 once another instance has finished it, without counting a failed attempt', async () => {
    // Arrange: the HTTP rotation has written its version and is held at its first audit append until its
    // lease has lapsed and the scan has taken the rotation over and finished it
    const { stores, policy } = await governed();
    let reached!: () => void;
    let release!: () => void;
    const atAppend = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    stores.audit.beforeNext('append', async () => {
      reached();
      await released;
    });
    const slow = processOver(stores).engine.rotate(policy.id, http);
    await atAppend;
    stores.clock.advance(LEASE_MS + 1);
    expect(await processOver(stores).scan.run()).toMatchObject({ rotated: 1 });

    // Act
    release();

    // Assert
    await expect(slow).rejects.toBeInstanceOf(RotationInProgressError);
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
    const state = (await stores.states.get(policy.id))!.state;
    expect(state).toMatchObject({ consecutiveFailures: 0, lastResult: 'succeeded', currentVersion: stores.secrets.versions(refOf(policy))[1]!.version });
    expect(state.active).toBeUndefined();
  });
});

describe('a claimant that stalls past its lease before writing', () => {
  it('writes nothing once another instance has taken the rotation over: one version, and it is the current one', async () => {
    // Arrange: the HTTP rotation stalls at the lease check just before its write; its lease lapses and the timer takes over
    const { stores, policy } = await governed();
    const gate = new PortGate(WRITE_CALL - 1, 'before');
    const stalled = processOver(stores, gate).engine.rotate(policy.id, http);
    await gate.reached;
    stores.clock.advance(LEASE_MS + 1);
    await processOver(stores).engine.rotate(policy.id, { kind: 'timer', actor: 'scheduler', reason: 'scan' });

    // Act
    gate.release();

    // Assert
    await expect(stalled).rejects.toBeInstanceOf(RotationInProgressError);
    const versions = stores.secrets.versions(refOf(policy));
    expect(versions).toHaveLength(2);
    expect((await stores.states.get(policy.id))!.state.currentVersion).toBe(versions[1]!.version);
  });
});
