/**
 * What the event handler records and logs: each out-of-band change and each unmanaged
 * event under its own record (a duplicate delivery adds none), whose version counts as
 * the app's own, and what a rotation it starts says about the event.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LogProperties, Logger } from '../../../src/core/logger.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { aPolicy } from '../../support/policy-mother.js';
import { createStores, processOver, refOf } from '../rotation/engine-fixture.js';

const DAY = 24 * 60 * 60 * 1000;

async function governed() {
  const stores = createStores();
  const lines: Array<{ level: string; message: string; properties?: LogProperties }> = [];
  const log = (level: string) => (message: string, properties?: LogProperties) => lines.push({ level, message, ...(properties ? { properties } : {}) });
  const logger: Logger = { info: log('info'), warn: log('warn'), error: log('error') };
  const policy = aPolicy();
  const app = processOver(stores, undefined, logger);
  await app.admin.put(policy.id, policy, 'test');
  const first = await app.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });
  const vaultName = new URL(policy.vaultUrl).hostname.split('.')[0]!;
  const event = (type: string, version: string, id: string, secretName = policy.secretName) => ({
    id,
    eventType: `Microsoft.KeyVault.${type}`,
    subject: secretName,
    data: { VaultName: vaultName, ObjectType: 'Secret', ObjectName: secretName, Version: version },
  });
  const writeByHand = (tags: Record<string, string> = {}) =>
    stores.secrets.write(refOf(policy), SecretValue.of('set by hand'), { expiresOn: new Date(stores.clock.now().getTime() + 200 * DAY), tags });
  return { stores, policy, app, first, event, writeByHand, lines, vaultName };
}

describe('KeyVaultEventHandler records', () => {
  it('each out-of-band version under its own record, with what, where and which event', async () => {
    // Arrange
    const { stores, policy, app, event, writeByHand } = await governed();
    const first = await writeByHand();
    const second = await writeByHand();

    // Act
    const outcomes = [
      await app.events.handle(event('SecretNewVersionCreated', first.version, 'oob-1')),
      await app.events.handle(event('SecretNewVersionCreated', second.version, 'oob-2')),
      await app.events.handle(event('SecretNewVersionCreated', second.version, 'oob-2')),
    ];

    // Assert
    expect(outcomes.map((o) => o.status)).toEqual(['out-of-band-change', 'out-of-band-change', 'out-of-band-change']);
    const records = stores.audit.records().filter((record) => record.action === 'secret.out-of-band-change');
    expect(records).toHaveLength(2);
    expect(records[0]!.id).not.toBe(records[1]!.id);
    expect(records).toMatchObject([
      { policyId: policy.id, vaultUrl: policy.vaultUrl, secretName: policy.secretName, actor: 'eventgrid:oob-1', newVersion: first.version, at: stores.clock.now() },
      { policyId: policy.id, vaultUrl: policy.vaultUrl, secretName: policy.secretName, actor: 'eventgrid:oob-2', newVersion: second.version, at: stores.clock.now() },
    ]);
    expect(records[1]!.reason).toContain(second.version);
    expect(records[1]!.reason).toContain(policy.id);
    expect(outcomes[1]).toMatchObject({ eventId: 'oob-2', reason: records[1]!.reason });
  });

  it('each event for an ungoverned secret under its own record, and changes nothing', async () => {
    // Arrange
    const { stores, app, event, lines, vaultName } = await governed();
    const [v1, v2] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];

    // Act
    const outcomes = [
      await app.events.handle(event('SecretNearExpiry', v1, 'unmanaged-1', 'not-governed')),
      await app.events.handle(event('SecretNearExpiry', v2, 'unmanaged-2', 'not-governed')),
      await app.events.handle(event('SecretNearExpiry', v2, 'unmanaged-2', 'not-governed')),
    ];

    // Assert
    expect(outcomes.map((o) => o.status)).toEqual(['unmanaged', 'unmanaged', 'unmanaged']);
    expect(outcomes[0]).toMatchObject({ eventId: 'unmanaged-1', reason: `no policy governs secret 'not-governed' in vault '${vaultName}'` });
    const records = stores.audit.records().filter((record) => record.action === 'secret.unmanaged-event');
    expect(records).toHaveLength(2);
    expect(records).toMatchObject([
      { secretName: 'not-governed', vaultUrl: `https://${vaultName}.vault.azure.net`, actor: 'eventgrid:unmanaged-1', newVersion: v1 },
      { secretName: 'not-governed', vaultUrl: `https://${vaultName}.vault.azure.net`, actor: 'eventgrid:unmanaged-2', newVersion: v2 },
    ]);
    expect(records[0]!.policyId).toBeUndefined();
    expect(stores.secrets.counts.creates).toBe(1);
    expect(lines.filter((line) => line.message === 'event.unmanaged').map((line) => line.properties)).toContainEqual(
      expect.objectContaining({ eventId: 'unmanaged-1', eventType: 'Microsoft.KeyVault.SecretNearExpiry', vaultName, secretName: 'not-governed', version: v1 }),
    );
  });

  it.each<{ who: string; tags: Record<string, string> }>([
    { who: 'a hand-written version carrying only our managed-by tag', tags: { 'managed-by': 'kv-rotation' } },
    { who: 'a version another policy of this app wrote', tags: { 'managed-by': 'kv-rotation', 'rotation-policy-id': 'another-policy', 'rotation-id': 'r-9' } },
    { who: 'a version naming this policy but not written by this app', tags: { 'managed-by': 'someone-else', 'rotation-policy-id': 'payments-db-password' } },
  ])('$who as an out-of-band change, not as its own', async ({ tags }) => {
    const { stores, app, event, writeByHand, lines, policy } = await governed();
    const version = await writeByHand(tags);
    const outcome = await app.events.handle(event('SecretNewVersionCreated', version.version, 'oob-tags'));
    expect(outcome.status).toBe('out-of-band-change');
    expect(stores.audit.records().filter((record) => record.action === 'secret.out-of-band-change')).toHaveLength(1);
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'secret.out-of-band-change',
      properties: expect.objectContaining({ eventId: 'oob-tags', policyId: policy.id, version: version.version }),
    });
  });

  it('its own new version as its own, naming the rotation, and records nothing', async () => {
    const { stores, app, first, event } = await governed();
    const before = stores.audit.records();
    const outcome = await app.events.handle(event('SecretNewVersionCreated', first.newVersion!, 'own-1'));
    expect(outcome).toEqual({ status: 'own-write', eventId: 'own-1', reason: `version '${first.newVersion}' was written by rotation '${first.rotationId}'` });
    expect(stores.audit.records()).toEqual(before);
  });

  it('a rotation it starts under the event: who, why, and which version', async () => {
    // Arrange: the current version is 91 days old, inside its near-expiry window
    const { stores, policy, app, first, event } = await governed();
    stores.clock.advance(91 * DAY);

    // Act
    const handled = await app.events.handle(event('SecretNearExpiry', first.newVersion!, 'near-1'));

    // Assert
    expect(handled).toMatchObject({ status: 'rotation', eventId: 'near-1', outcome: { status: 'succeeded', previousVersion: first.newVersion } });
    const record = stores.audit.records().filter((r) => r.action === 'rotation.succeeded').at(-1)!;
    expect(record).toMatchObject({
      policyId: policy.id,
      trigger: 'event',
      actor: 'eventgrid:near-1',
      reason: `SecretNearExpiry for version '${first.newVersion}'`,
      previousVersion: first.newVersion,
    });
  });

  it('nothing for an event it cannot read, and logs why', async () => {
    const { stores, app, lines } = await governed();
    const before = stores.audit.records();
    const outcome = await app.events.handle({ id: 'bad-1', eventType: 'Microsoft.KeyVault.SecretNearExpiry', data: {} });
    expect(outcome).toMatchObject({ status: 'ignored', eventId: 'bad-1' });
    expect(stores.audit.records()).toEqual(before);
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'event.ignored',
      properties: expect.objectContaining({ eventId: 'bad-1', eventType: 'Microsoft.KeyVault.SecretNearExpiry', reason: (outcome as { reason: string }).reason }),
    });
  });
});
