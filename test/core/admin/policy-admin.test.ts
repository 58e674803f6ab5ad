import { describe, expect, it } from 'vitest';
import { PolicyAdmin } from '../../../src/core/admin/policy-admin.js';
import { ConcurrencyConflictError, NotFoundError, PreconditionFailedError, RotationInProgressError, ValidationError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { aPolicy } from '../../support/policy-mother.js';
import { createStores, processOver, scheduleEntries } from '../rotation/engine-fixture.js';

function adminFor(stores: ReturnType<typeof createStores>, governedVaultUrls: string[] = []) {
  let n = 0;
  return new PolicyAdmin({ ...stores, logger: silentLogger, newId: () => `id-${n++}`, governedVaultUrls });
}

describe('PolicyAdmin', () => {
  it('creates a policy due at once, with its state, schedule entry and audit record', async () => {
    // Arrange
    const stores = createStores();
    const policy = aPolicy();

    // Act
    const result = await adminFor(stores).put(policy.id, policy, 'alice');

    // Assert
    expect(result.created).toBe(true);
    expect(result.state.nextDueAt).toEqual(stores.clock.now());
    expect(await scheduleEntries(stores, policy.id)).toEqual([stores.clock.now()]);
    const audit = await stores.audit.listForPolicy(policy.id);
    expect(audit.items).toMatchObject([{ action: 'policy.created', actor: 'alice' }]);
  });

  it('takes the id from the URL when the body has none, and refuses a body whose id differs', async () => {
    const stores = createStores();
    const { id: _omitted, ...withoutId } = aPolicy({ id: 'from-url' });
    await expect(adminFor(stores).put('from-url', withoutId, 'alice')).resolves.toMatchObject({ created: true });
    const error = await adminFor(stores).put('other-id', aPolicy({ id: 'from-url' }), 'alice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ path: 'id', message: expect.stringContaining('other-id') }]);
    expect(await stores.policies.get('other-id')).toBeUndefined();
  });

  it('refuses a vault this deployment does not govern, naming vaultUrl, and writes nothing', async () => {
    const stores = createStores();
    const policy = aPolicy({ vaultUrl: 'https://kv-elsewhere.vault.azure.net' });
    const error = await adminFor(stores, ['https://kv-governed.vault.azure.net']).put(policy.id, policy, 'alice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details[0]?.path).toBe('vaultUrl');
    // Which vaults are governed is not every caller's business.
    expect(JSON.stringify(error)).not.toContain('kv-governed');
    expect((error as ValidationError).details[0]?.message).not.toContain('kv-governed');
    expect(await stores.policies.get(policy.id)).toBeUndefined();
    expect((await stores.audit.listForPolicy(policy.id)).items).toEqual([]);
  });

  it('refuses a body id that differs from the URL without serialising it: deep or huge ids give a short 400', async () => {
    const stores = createStores();
    let deep: unknown = 'x';
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    for (const id of [deep, 'y'.repeat(100_000)]) {
      const error = await adminFor(stores).put('a-policy', { ...aPolicy(), id }, 'alice').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details[0]?.path).toBe('id');
      expect(JSON.stringify(error).length + (error as Error).message.length).toBeLessThan(2_000);
    }
    expect(await stores.policies.get('a-policy')).toBeUndefined();
  });

  it('replaces with If-Match and refuses a stale ETag with 412', async () => {
    const stores = createStores();
    const admin = adminFor(stores);
    const policy = aPolicy();
    const created = await admin.put(policy.id, policy, 'alice');
    const replaced = await admin.put(policy.id, { ...policy, owner: 'team-b' }, 'bob', { ifMatch: created.stored.etag });
    expect(replaced.created).toBe(false);
    expect(replaced.stored.policy.owner).toBe('team-b');
    await expect(admin.put(policy.id, policy, 'carol', { ifMatch: created.stored.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(admin.put('missing-policy', aPolicy({ id: 'missing-policy' }), 'carol', { ifMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('refuses a second policy for a secret that is already governed', async () => {
    const stores = createStores();
    const admin = adminFor(stores);
    await admin.put('first', aPolicy({ id: 'first' }), 'alice');
    await expect(admin.put('second', aPolicy({ id: 'second' }), 'alice')).rejects.toBeInstanceOf(ConcurrencyConflictError);
  });

  it('deletes the policy, its state and schedule entry but refuses while a rotation holds the lease', async () => {
    // Arrange
    const stores = createStores();
    const admin = adminFor(stores);
    const policy = aPolicy();
    await admin.put(policy.id, policy, 'alice');
    const versioned = (await stores.states.get(policy.id))!;
    const now = stores.clock.now();
    await stores.states.save(
      { ...versioned.state, active: { rotationId: 'r1', step: 'claimed', trigger: { kind: 'http', actor: 'a', reason: 'r' }, target: { vaultUrl: policy.vaultUrl, secretName: policy.secretName }, startedAt: now, leaseExpiresAt: new Date(now.getTime() + 60_000), attempt: 1 } },
      versioned.etag,
    );

    // Act + Assert
    await expect(admin.delete(policy.id, 'alice')).rejects.toBeInstanceOf(RotationInProgressError);
    stores.clock.advance(60_001);
    await admin.delete(policy.id, 'alice');
    expect(await stores.policies.get(policy.id)).toBeUndefined();
    expect(await stores.states.get(policy.id)).toBeUndefined();
    expect(await scheduleEntries(stores, policy.id)).toEqual([]);
    await expect(admin.delete(policy.id, 'alice')).rejects.toBeInstanceOf(NotFoundError);
    expect((await stores.audit.listForPolicy(policy.id)).items[0]).toMatchObject({ action: 'policy.deleted', actor: 'alice' });
  });

  it('an existing secret is not rotated by the first scan, only rescheduled from its age', async () => {
    // Arrange: the secret already has a fresh version
    const stores = createStores();
    const policy = aPolicy();
    const app = processOver(stores);
    await stores.secrets.write({ vaultUrl: policy.vaultUrl, secretName: policy.secretName }, (await import('../../../src/core/secret-value.js')).SecretValue.of('pre-existing'), {
      expiresOn: new Date(stores.clock.now().getTime() + 200 * 86_400_000),
      tags: {},
    });
    await app.admin.put(policy.id, policy, 'alice');

    // Act
    const report = await app.scan.run();

    // Assert
    expect(report).toMatchObject({ examined: 1, rotated: 0, skipped: 1 });
    const state = (await stores.states.get(policy.id))!.state;
    expect(state.nextDueAt!.getTime()).toBe(stores.clock.now().getTime() + 90 * 86_400_000);
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
  });
});
