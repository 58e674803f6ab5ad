/** What a dry run reports in each situation a rotation can meet, and that it never writes. */
import { describe, expect, it } from 'vitest';
import type { PolicyState, RotationTrigger } from '../../../src/core/ports.js';
import { aPolicy } from '../../support/policy-mother.js';
import { LEASE_MS, createStores, processOver, refOf, scheduleEntries } from './engine-fixture.js';
import { PortGate } from './port-gate.js';

const DAY = 24 * 60 * 60 * 1000;
const timer: RotationTrigger = { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' };
const http: RotationTrigger = { kind: 'http', actor: 'admin@example.com', reason: 'rotate now' };

async function governed(overrides: Parameters<typeof aPolicy>[0] = {}) {
  const stores = createStores();
  const policy = aPolicy({ contentType: 'text/plain', tags: { CostCenter: 'eng' }, ...overrides });
  const app = processOver(stores);
  await app.admin.put(policy.id, policy, 'test');
  return { stores, policy, app };
}

/** Everything a dry run must leave as it found it. */
async function snapshot(stores: ReturnType<typeof createStores>, policyId: string) {
  return {
    versions: stores.secrets.versions({ vaultUrl: aPolicy().vaultUrl, secretName: aPolicy().secretName }),
    creates: stores.secrets.counts.creates,
    state: await stores.states.get(policyId),
    audit: stores.audit.records(),
    schedule: await scheduleEntries(stores, policyId),
  };
}

describe('a dry run', () => {
  it('of a rotation that would happen names the version it replaces, the new expiry, the content type and the tags', async () => {
    // Arrange
    const { stores, policy, app } = await governed();
    const first = await app.engine.rotate(policy.id, http);
    stores.clock.advance(DAY);
    const before = await snapshot(stores, policy.id);

    // Act
    const plan = await app.engine.plan(policy.id, http);

    // Assert
    const [current] = stores.secrets.versions(refOf(policy));
    expect(plan).toEqual({
      policyId: policy.id,
      trigger: 'http',
      vaultUrl: policy.vaultUrl,
      secretName: policy.secretName,
      currentVersion: first.newVersion,
      currentVersionExpiresOn: current!.expiresOn!.toISOString(),
      tagNames: ['CostCenter', 'managed-by', 'rotation-policy-id', 'rotation-id'],
      contentType: 'text/plain',
      wouldRotate: true,
      reason: http.reason,
      newVersionExpiresOn: new Date(stores.clock.now().getTime() + 120 * DAY).toISOString(),
      keyVaultOperations: { creates: 1, others: 1 },
    });
    expect(await snapshot(stores, policy.id)).toEqual(before);
  });

  it('of a secret that does not exist yet says so without a current version', async () => {
    const { stores, policy, app } = await governed();
    const before = await snapshot(stores, policy.id);
    const plan = await app.engine.plan(policy.id, timer);
    expect(plan).toMatchObject({ trigger: 'timer', wouldRotate: true, reason: 'secret does not exist yet' });
    expect(plan.currentVersion).toBeUndefined();
    expect(plan.currentVersionExpiresOn).toBeUndefined();
    expect(await snapshot(stores, policy.id)).toEqual(before);
  });

  it('of a timer that is not due yet says when it will be', async () => {
    const { stores, policy, app } = await governed();
    await app.engine.rotate(policy.id, http);
    stores.clock.advance(DAY);
    const plan = await app.engine.plan(policy.id, timer);
    expect(plan).toMatchObject({ wouldRotate: false, reason: expect.stringContaining('not due until'), keyVaultOperations: { creates: 0, others: 1 } });
    expect(plan.newVersionExpiresOn).toBeUndefined();
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it('of a disabled policy would not rotate', async () => {
    const { policy, app } = await governed({ enabled: false });
    await expect(app.engine.plan(policy.id, http)).resolves.toMatchObject({ wouldRotate: false, reason: 'policy is disabled', keyVaultOperations: { creates: 0, others: 1 } });
  });

  it('of a template without a content type reports JSON', async () => {
    const { policy, app } = await governed({
      contentType: undefined,
      generator: { kind: 'template', fields: { user: { static: 'app' }, password: { kind: 'random_password', length: 24 } } } as never,
    });
    await expect(app.engine.plan(policy.id, http)).resolves.toMatchObject({ contentType: 'application/json' });
  });

  it('while another rotation holds the lease would not rotate, and names that rotation', async () => {
    // Arrange
    const { stores, policy, app } = await governed();
    const gate = new PortGate('write', 'before');
    const held = processOver(stores, gate).engine.rotate(policy.id, http);
    await gate.reached;
    const before = await snapshot(stores, policy.id);

    // Act
    const plan = await app.engine.plan(policy.id, http);

    // Assert
    const rotationId = before.state!.state.active!.rotationId;
    expect(plan).toMatchObject({ wouldRotate: false, reason: `rotation '${rotationId}' is in progress`, keyVaultOperations: { creates: 0, others: 1 } });
    expect(plan.resumesRotationId).toBeUndefined();
    expect(await snapshot(stores, policy.id)).toEqual(before);
    gate.release();
    await held;
  });

  it.each([
    { step: 'claimed', creates: 1, stallAt: (method: string) => method === 'write' },
    { step: 'switched', creates: 0, stallAt: (method: string, args: unknown[]) => method === 'save' && (args[0] as PolicyState).active?.step === 'switched' },
  ])('of a rotation interrupted at step $step would resume it, writing $creates version(s)', async ({ step, creates, stallAt }) => {
    // Arrange: a process stalls before its Key Vault write, or once it recorded the write, and its lease lapses
    const { stores, policy, app } = await governed();
    const gate = new PortGate(stallAt, step === 'claimed' ? 'before' : 'after');
    void processOver(stores, gate).engine.rotate(policy.id, http);
    await gate.reached;
    stores.clock.advance(LEASE_MS + 1);
    const before = await snapshot(stores, policy.id);
    const rotationId = before.state!.state.active!.rotationId;

    // Act
    const plan = await app.engine.plan(policy.id, timer);

    // Assert
    expect(plan).toMatchObject({
      wouldRotate: true,
      reason: `would resume interrupted rotation '${rotationId}' at step '${step}'`,
      resumesRotationId: rotationId,
      keyVaultOperations: { creates, others: 2 },
    });
    expect(await snapshot(stores, policy.id)).toEqual(before);
  });
});
