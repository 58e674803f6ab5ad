import { describe, expect, it } from 'vitest';
import { SecretValue } from '../../../src/core/secret-value.js';
import { aPolicy } from '../../support/policy-mother.js';
import { auditActions, createStores, processOver, refOf } from '../rotation/engine-fixture.js';

const DAY = 24 * 60 * 60 * 1000;

async function governed() {
  const stores = createStores();
  const policy = aPolicy();
  const app = processOver(stores);
  await app.admin.put(policy.id, policy, 'test');
  const first = await app.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });
  const vaultName = new URL(policy.vaultUrl).hostname.split('.')[0]!;
  const event = (type: string, version: string, id = `e-${Math.random()}`, secretName = policy.secretName) => ({
    id,
    eventType: `Microsoft.KeyVault.${type}`,
    subject: secretName,
    data: { VaultName: vaultName, ObjectType: 'Secret', ObjectName: secretName, Version: version },
  });
  return { stores, policy, app, first, event };
}

describe('KeyVaultEventHandler', () => {
  // The policy's versions are valid for 120 days: 91 days on, 29 are left (near expiry); 121 days on, it has expired.
  it.each([
    ['SecretNearExpiry', 91],
    ['SecretExpired', 121],
  ])('%s for the current version rotates once, however often it is delivered', async (type, days) => {
    const { stores, policy, app, first, event } = await governed();
    stores.clock.advance(days * DAY);
    const delivery = event(type, first.newVersion!, 'same-event');
    const results = [await app.events.handle(delivery), await app.events.handle(delivery)];
    expect(results[0]).toMatchObject({ status: 'rotation', outcome: { status: 'succeeded' } });
    const rotationId = (results[0] as { outcome: { rotationId: string } }).outcome.rotationId;
    expect(results[1]).toMatchObject({ status: 'rotation', outcome: { status: 'succeeded', replayed: true, rotationId } });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
  });

  it('recognizes its own new versions and records out-of-band ones', async () => {
    // Arrange
    const { stores, policy, app, first, event } = await governed();
    const outside = await stores.secrets.write(refOf(policy), SecretValue.of('set by hand'), { expiresOn: new Date('2030-01-01'), tags: {} });

    // Act
    const own = await app.events.handle(event('SecretNewVersionCreated', first.newVersion!));
    const foreign = await app.events.handle(event('SecretNewVersionCreated', outside.version, 'oob-1'));
    await app.events.handle(event('SecretNewVersionCreated', outside.version, 'oob-1'));

    // Assert
    expect(own.status).toBe('own-write');
    expect(foreign.status).toBe('out-of-band-change');
    expect((await auditActions(stores, policy.id)).filter((a) => a === 'secret.out-of-band-change')).toHaveLength(1);
  });

  it('records events for ungoverned secrets as unmanaged and changes nothing', async () => {
    const { stores, app, event } = await governed();
    const result = await app.events.handle(event('SecretNearExpiry', 'a'.repeat(32), 'e-unmanaged', 'not-governed'));
    expect(result.status).toBe('unmanaged');
    expect(stores.secrets.versions({ vaultUrl: 'https://kv-payments-prod.vault.azure.net', secretName: 'not-governed' })).toEqual([]);
  });

  it('ignores malformed events instead of asking for redelivery', async () => {
    const { app } = await governed();
    await expect(app.events.handle({ id: 'x', eventType: 'Microsoft.KeyVault.SecretNearExpiry', data: {} })).resolves.toMatchObject({ status: 'ignored' });
  });
});
