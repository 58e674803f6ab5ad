/**
 * The new version's own times, as Key Vault reports them, decide when it is next due:
 * fixtures where the age rule and the near-expiry rule give different dates, and a
 * write that takes time so the version's creation is not the rotation's start.
 */
import { describe, expect, it } from 'vitest';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { aPolicy } from '../../support/policy-mother.js';
import { createStores, processOver, refOf, scheduleEntries } from './engine-fixture.js';

const DAY = 24 * 60 * 60 * 1000;
const WRITE_TAKES_MS = 2 * 60_000;
const http: RotationTrigger = { kind: 'http', actor: 'admin@example.com', reason: 'rotate now' };

async function governedWithSlowWrites(rotation: { every: string; validFor: string }) {
  const stores = createStores();
  const policy = aPolicy({ rotation });
  const app = processOver(stores);
  await app.admin.put(policy.id, policy, 'test');
  const write = stores.secrets.write.bind(stores.secrets);
  stores.secrets.write = async (ref, value, options) => {
    stores.clock.advance(WRITE_TAKES_MS);
    return write(ref, value, options);
  };
  return { stores, policy, app };
}

describe('the next due date after a rotation', () => {
  it.each([
    { rotation: { every: '90d', validFor: '100d' }, rule: 'near expiry (expiry - 30d) comes first', due: (v: { createdOn: Date; expiresOn: Date }) => v.expiresOn.getTime() - 30 * DAY },
    { rotation: { every: '90d', validFor: '200d' }, rule: 'age (creation + every) comes first', due: (v: { createdOn: Date; expiresOn: Date }) => v.createdOn.getTime() + 90 * DAY },
  ])('follows the new version when $rule', async ({ rotation, due }) => {
    // Arrange
    const { stores, policy, app } = await governedWithSlowWrites(rotation);
    const startedAt = stores.clock.now();

    // Act
    const outcome = await app.engine.rotate(policy.id, http);

    // Assert
    const [version] = stores.secrets.versions(refOf(policy));
    const dates = { createdOn: version!.createdOn!, expiresOn: version!.expiresOn! };
    expect(dates.createdOn.getTime()).toBe(startedAt.getTime() + WRITE_TAKES_MS);
    expect(dates.expiresOn.getTime()).toBe(startedAt.getTime() + Number.parseInt(rotation.validFor, 10) * DAY);
    const state = (await stores.states.get(policy.id))!.state;
    expect(state).toMatchObject({ currentVersion: outcome.newVersion, currentVersionCreatedOn: dates.createdOn, currentVersionExpiresOn: dates.expiresOn });
    expect(state.nextDueAt).toEqual(new Date(due(dates)));
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
  });

  it.each([
    { rotation: { every: '90d', validFor: '100d' } },
    { rotation: { every: '90d', validFor: '200d' } },
  ])('is when the scan rotates again, not a moment before ($rotation.validFor validity)', async ({ rotation }) => {
    // Arrange
    const { stores, policy, app } = await governedWithSlowWrites(rotation);
    await app.engine.rotate(policy.id, http);
    const nextDueAt = (await stores.states.get(policy.id))!.state.nextDueAt!;

    // Act + Assert
    stores.clock.advance(nextDueAt.getTime() - stores.clock.now().getTime() - 1);
    expect(await app.scan.run()).toMatchObject({ examined: 0 });
    stores.clock.advance(1);
    expect(await app.scan.run()).toMatchObject({ examined: 1, rotated: 1 });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
  });
});

describe('a completed rotation', () => {
  it('is reported and audited with the previous and the new version, and who asked why', async () => {
    // Arrange
    const { stores, policy, app } = await governedWithSlowWrites({ every: '90d', validFor: '120d' });
    const first = await app.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });

    // Act
    const second = await app.engine.rotate(policy.id, http);

    // Assert
    const [v1, v2] = stores.secrets.versions(refOf(policy));
    expect(first).toMatchObject({ status: 'succeeded', newVersion: v1!.version, reason: 'initial' });
    expect(first.previousVersion).toBeUndefined();
    expect(second).toEqual({
      policyId: policy.id,
      status: 'succeeded',
      reason: http.reason,
      rotationId: second.rotationId,
      previousVersion: v1!.version,
      newVersion: v2!.version,
    });
    const records = stores.audit.records().filter((record) => record.action === 'rotation.succeeded');
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({
      at: stores.clock.now(),
      policyId: policy.id,
      vaultUrl: policy.vaultUrl,
      secretName: policy.secretName,
      rotationId: second.rotationId,
      trigger: 'http',
      actor: http.actor,
      reason: http.reason,
      previousVersion: v1!.version,
      newVersion: v2!.version,
    });
    expect(records[0]!.previousVersion).toBeUndefined();
    const state = (await stores.states.get(policy.id))!.state;
    expect(state).toMatchObject({ lastRotationId: second.rotationId, lastRotatedAt: stores.clock.now() });
  });

  it('writes a template as JSON unless the policy names another content type, and tags every version as its own', async () => {
    // Arrange
    const stores = createStores();
    const app = processOver(stores);
    const template = aPolicy({
      id: 'template',
      secretName: 'template',
      contentType: undefined,
      tags: {},
      generator: { kind: 'template', fields: { user: { static: 'app' }, password: { kind: 'random_password', length: 24 } } } as never,
    });
    await app.admin.put(template.id, template, 'test');

    // Act
    const outcome = await app.engine.rotate(template.id, http);

    // Assert
    const [version] = stores.secrets.versions(refOf(template));
    expect(version!.contentType).toBe('application/json');
    expect(version!.tags).toEqual({ 'managed-by': 'kv-rotation', 'rotation-policy-id': template.id, 'rotation-id': outcome.rotationId });
    expect(JSON.parse(stores.secrets.valueOf(refOf(template), version!.version)!)).toMatchObject({ user: 'app', password: expect.any(String) });
  });
});
