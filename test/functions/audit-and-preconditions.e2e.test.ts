/**
 * Through the local host, against Azurite and the emulator: conditional requests,
 * idempotency keys bound to their request, a replace refused during a rotation, events
 * checked against Key Vault, and an audit trail that outlives its policy.
 */
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aPolicyJson } from '../support/policy-mother.js';
import { eventually, startTestApp, versionsOf, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.stop();
});

function policyBody(id: string, overrides: Record<string, unknown> = {}) {
  return aPolicyJson({ id, secretName: id, vaultUrl: t.vault().url, ...overrides });
}

async function actionsOf(id: string): Promise<string[]> {
  const history = await t.call('GET', `/policies/${id}/rotations?pageSize=100`);
  return history.json.items.map((record: { action: string }) => record.action);
}

describe('conditional requests', () => {
  it('PUT with If-None-Match: * creates, then answers 412 and leaves the policy as it was', async () => {
    const created = await t.call('PUT', '/policies/create-only', policyBody('create-only'), { 'if-none-match': '*' });
    expect(created.status).toBe(201);
    const again = await t.call('PUT', '/policies/create-only', policyBody('create-only', { owner: 'someone-else' }), { 'if-none-match': '*' });
    expect(again.status).toBe(412);
    expect(again.json.error.code).toBe('PreconditionFailed');
    expect((await t.call('GET', '/policies/create-only')).json.policy.owner).toBe('team-payments');
  });

  it('DELETE with a stale If-Match answers 412 and deletes nothing; with the current ETag it deletes', async () => {
    const created = await t.call('PUT', '/policies/guarded-delete', policyBody('guarded-delete'));
    const staleEtag = created.headers.get('etag')!;
    const replaced = await t.call('PUT', '/policies/guarded-delete', policyBody('guarded-delete', { owner: 'team-b' }));
    const stale = await t.call('DELETE', '/policies/guarded-delete', undefined, { 'if-match': staleEtag });
    expect(stale.status).toBe(412);
    expect((await t.call('GET', '/policies/guarded-delete')).status).toBe(200);
    const current = await t.call('DELETE', '/policies/guarded-delete', undefined, { 'if-match': replaced.headers.get('etag')! });
    expect(current.status).toBe(204);
  });
});

describe('the audit trail', () => {
  it('outlives a deleted policy, and says which fields a replace changed without their values', async () => {
    // Arrange
    await t.call('PUT', '/policies/short-lived', policyBody('short-lived'));
    await t.call('POST', '/policies/short-lived/rotate', { reason: 'first' });
    await t.call('PUT', '/policies/short-lived', policyBody('short-lived', { owner: 'team-b', generator: { kind: 'random_password', length: 40 } }));

    // Act
    expect((await t.call('DELETE', '/policies/short-lived')).status).toBe(204);
    const history = await t.call('GET', '/policies/short-lived/rotations');

    // Assert
    expect(history.status).toBe(200);
    const actions = history.json.items.map((record: { action: string }) => record.action);
    expect(actions).toEqual(['policy.deleted', 'policy.replaced', 'rotation.succeeded', 'policy.created']);
    const replaced = history.json.items[1];
    expect(replaced.changedFields).toEqual(expect.arrayContaining(['generator.length', 'owner']));
    expect(JSON.stringify(replaced)).not.toContain('team-b');
  });

  it('answers 404 for a policy that never existed', async () => {
    expect((await t.call('GET', '/policies/never-existed/rotations')).status).toBe(404);
  });

  it('serves the records of secrets no policy governs per vault', async () => {
    const shared = t.vault('kv-shared-local');
    await t.secrets(shared.url).setSecret('scattered-credential', 'whatever');
    const found = await eventually(async () => {
      const page = await t.call('GET', `/vaults/${shared.name}/audit`);
      return page.json.items.some((r: { secretName: string }) => r.secretName === 'scattered-credential') ? page : undefined;
    }, 'the unmanaged-secret record');
    expect(found.json.items.find((r: { secretName: string }) => r.secretName === 'scattered-credential')).toMatchObject({ action: 'secret.unmanaged-event' });
    expect((await t.call('GET', '/vaults/not_a_vault!/audit')).json.error.details[0].path).toBe('vaultName');
  });
});

describe('idempotency keys', () => {
  it('a replay returns its own rotation; the same key with another body is 422 and writes nothing', async () => {
    // Arrange
    await t.call('PUT', '/policies/keyed', policyBody('keyed'));
    const original = await t.call('POST', '/policies/keyed/rotate', { reason: 'ticket 1' }, { 'idempotency-key': 'abc-123' });
    await t.call('POST', '/policies/keyed/rotate', { reason: 'no key' });

    // Act
    const replay = await t.call('POST', '/policies/keyed/rotate', { reason: 'ticket 1' }, { 'idempotency-key': 'abc-123' });
    const reused = await t.call('POST', '/policies/keyed/rotate', { reason: 'ticket 2' }, { 'idempotency-key': 'abc-123' });

    // Assert
    expect(replay.status).toBe(200);
    expect(replay.json).toMatchObject({ replayed: true, rotationId: original.json.rotationId, newVersion: original.json.newVersion });
    expect(reused.status).toBe(422);
    expect(reused.json.error.code).toBe('IdempotencyKeyReused');
    expect(await versionsOf(t.secrets(t.vault().url), 'keyed')).toHaveLength(2);
  });
});

describe('a replace during a rotation', () => {
  it('is refused with 409 while the rotation holds its lease, and the rotation writes only to the secret it claimed', async () => {
    // Arrange: the rotation's Key Vault write is held for a second and a half
    await t.call('PUT', '/policies/moving-target', policyBody('moving-target'));
    const faultsBefore = (await t.admin.countsFor('kv-app-local')).faults;
    await t.admin.injectFault({ method: 'PUT', pathPrefix: '/secrets/moving-target', latencyInMs: 1500, count: 1 });
    const rotation = t.call('POST', '/policies/moving-target/rotate', { reason: 'held' });
    await eventually(async () => ((await t.admin.countsFor('kv-app-local')).faults > faultsBefore ? true : undefined), 'the write to be held');

    // Act
    const replace = await t.call('PUT', '/policies/moving-target', policyBody('moving-target', { secretName: 'moved-target' }));

    // Assert
    expect(replace.status).toBe(409);
    expect((await rotation).status).toBe(200);
    expect(await versionsOf(t.secrets(t.vault().url), 'moving-target')).toHaveLength(1);
    expect(await versionsOf(t.secrets(t.vault().url), 'moved-target')).toHaveLength(0);
    expect(await actionsOf('moving-target')).toEqual(['rotation.succeeded', 'policy.created']);
  });
});

describe('events checked against Key Vault', () => {
  it('a forged SecretNearExpiry for a version with 120 days left rotates nothing and is recorded as implausible', async () => {
    // Arrange
    await t.call('PUT', '/policies/healthy', policyBody('healthy'));
    const rotated = await t.call('POST', '/policies/healthy/rotate', { reason: 'first' });
    await t.admin.waitForDeliveriesIdle();

    // Act
    const delivered = await t.deliver([
      {
        id: 'forged-near-expiry',
        eventType: 'Microsoft.KeyVault.SecretNearExpiry',
        subject: 'healthy',
        eventTime: new Date().toISOString(),
        dataVersion: '1',
        topic: '/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/kv-app-local',
        data: { Id: `${t.vault().url}/secrets/healthy/${rotated.json.newVersion}`, VaultName: 'kv-app-local', ObjectType: 'Secret', ObjectName: 'healthy', Version: rotated.json.newVersion },
      },
    ]);

    // Assert
    expect(delivered.status).toBe(200);
    expect(await versionsOf(t.secrets(t.vault().url), 'healthy')).toHaveLength(1);
    expect(await actionsOf('healthy')).toContain('secret.implausible-event');
  });
});

describe('a storm of 200 concurrent rotations through the host', () => {
  it('makes one version and leaves one schedule entry for the policy', async () => {
    // Arrange
    await t.call('PUT', '/policies/stormy', policyBody('stormy'));
    await t.call('POST', '/policies/stormy/rotate', { reason: 'first' });
    const schedule = TableClient.fromConnectionString(process.env['AzureWebJobsStorage']!, 'rotationschedule', { allowInsecureConnection: true });
    const entriesOf = async () => {
      const rows: string[] = [];
      for await (const entity of schedule.listEntities<{ policyId: string }>()) if (entity.policyId === 'stormy') rows.push(entity.rowKey!);
      return rows;
    };
    expect(await entriesOf()).toHaveLength(1);

    // Act
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => t.call('POST', '/policies/stormy/rotate', { reason: `storm ${i}` })));

    // Assert
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
    expect(await versionsOf(t.secrets(t.vault().url), 'stormy')).toHaveLength(1 + answers.filter((a) => a.status === 200).length);
    expect(await entriesOf()).toHaveLength(1);
  });
});
