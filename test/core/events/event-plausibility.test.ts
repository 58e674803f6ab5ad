/**
 * Events are claims; Key Vault is the evidence. A near-expiry or expired event rotates
 * only when the version's own expiry agrees, a new-version event is an out-of-band
 * alarm only when the version exists, and no event or timer rotates a secret twice
 * within the minimum interval.
 */
import { describe, expect, it } from 'vitest';
import { SecretValue } from '../../../src/core/secret-value.js';
import { aPolicy } from '../../support/policy-mother.js';
import { MIN_INTERVAL_MS, auditActions, createStores, processOver, refOf, scheduleEntries } from '../rotation/engine-fixture.js';

const DAY = 24 * 60 * 60 * 1000;

async function governed() {
  const stores = createStores();
  const policy = aPolicy(); // every 90d, validFor 120d
  const app = processOver(stores);
  await app.admin.put(policy.id, policy, 'test');
  const first = await app.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });
  const vaultName = new URL(policy.vaultUrl).hostname.split('.')[0]!;
  const event = (type: string, version: string, id: string) => ({
    id,
    eventType: `Microsoft.KeyVault.${type}`,
    subject: policy.secretName,
    data: { VaultName: vaultName, ObjectType: 'Secret', ObjectName: policy.secretName, Version: version },
  });
  return { stores, policy, app, first, event };
}

describe('event plausibility', () => {
  it('a forged SecretNearExpiry for a version with 120 days left rotates nothing and is recorded once as implausible', async () => {
    // Arrange: a day after the rotation, past the minimum interval, the version has 119 days left
    const { stores, policy, app, first, event } = await governed();
    stores.clock.advance(DAY);

    // Act
    const results = [await app.events.handle(event('SecretNearExpiry', first.newVersion!, 'forged-1')), await app.events.handle(event('SecretNearExpiry', first.newVersion!, 'forged-1'))];

    // Assert
    expect(results[0]).toMatchObject({ status: 'rotation', outcome: { status: 'skipped', reason: expect.stringContaining('implausible') } });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
    expect((await auditActions(stores, policy.id)).filter((a) => a === 'secret.implausible-event')).toHaveLength(1);
  });

  it.each([
    ['SecretExpired', 91, 'a version with 29 days left'],
    ['SecretNearExpiry', 89, 'a version with 31 days left'],
  ])('%s is implausible for %s days on (%s)', async (type, days) => {
    const { stores, policy, app, first, event } = await governed();
    stores.clock.advance(days * DAY);
    const result = await app.events.handle(event(type, first.newVersion!, `e-${type}`));
    expect(result).toMatchObject({ status: 'rotation', outcome: { status: 'skipped' } });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it.each([
    ['SecretNearExpiry', 90],
    ['SecretExpired', 120],
  ])('%s is believed %s days on, when Key Vault agrees', async (type, days) => {
    const { stores, policy, app, first, event } = await governed();
    stores.clock.advance(days * DAY);
    const result = await app.events.handle(event(type, first.newVersion!, `e-${type}`));
    expect(result).toMatchObject({ status: 'rotation', outcome: { status: 'succeeded' } });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
  });

  it('a near-expiry event for a version without an expiry is implausible', async () => {
    // Arrange: someone wrote a version by hand with no expiry, a day ago
    const { stores, policy, app, event } = await governed();
    const byHand = await stores.secrets.write(refOf(policy), SecretValue.of('set by hand'), { tags: {} } as never);
    stores.clock.advance(DAY);

    // Act
    const result = await app.events.handle(event('SecretNearExpiry', byHand.version, 'no-expiry'));

    // Assert
    expect(result).toMatchObject({ status: 'rotation', outcome: { status: 'skipped', reason: expect.stringContaining('no expiry') } });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
  });

  it('a SecretNewVersionCreated for a version that does not exist is implausible, not an out-of-band change', async () => {
    const { stores, policy, app, event } = await governed();
    const result = await app.events.handle(event('SecretNewVersionCreated', '0123456789abcdef0123456789abcdef', 'ghost'));
    expect(result.status).toBe('implausible');
    const actions = await auditActions(stores, policy.id);
    expect(actions).toContain('secret.implausible-event');
    expect(actions).not.toContain('secret.out-of-band-change');
  });
});

describe('the minimum interval between rotations', () => {
  it('holds off events and timers, not an admin, and the timer looks again when the interval ends', async () => {
    // Arrange: our latest version, written a minute ago, is (through a clock fault) already near expiry
    const { stores, policy, app, first, event } = await governed();
    stores.clock.advance(DAY);
    const ours = await stores.secrets.write(refOf(policy), SecretValue.of('ours'), {
      expiresOn: new Date(stores.clock.now().getTime() + 10 * DAY),
      tags: stores.secrets.versions(refOf(policy)).find((v) => v.version === first.newVersion)!.tags,
    });
    stores.clock.advance(60_000);

    // Act
    const byEvent = await app.events.handle(event('SecretNearExpiry', ours.version, 'within-interval'));
    const byTimer = await app.engine.rotate(policy.id, { kind: 'timer', actor: 'scheduler', reason: 'scan' });

    // Assert
    expect(byEvent).toMatchObject({ outcome: { status: 'skipped', reason: expect.stringContaining('again before') } });
    expect(byTimer).toMatchObject({ status: 'skipped', reason: expect.stringContaining('again before') });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
    expect(await scheduleEntries(stores, policy.id)).toEqual([new Date(ours.createdOn!.getTime() + MIN_INTERVAL_MS)]);
    await expect(app.engine.rotate(policy.id, { kind: 'http', actor: 'admin', reason: 'now' })).resolves.toMatchObject({ status: 'succeeded' });
  });

  it('does not hold off a version written by hand', async () => {
    const { stores, policy, app, event } = await governed();
    stores.clock.advance(DAY);
    const byHand = await stores.secrets.write(refOf(policy), SecretValue.of('set by hand'), { expiresOn: new Date(stores.clock.now().getTime() + 10 * DAY), tags: {} });
    const result = await app.events.handle(event('SecretNearExpiry', byHand.version, 'by-hand'));
    expect(result).toMatchObject({ outcome: { status: 'succeeded' } });
  });

  it('a vault clock 91 days ahead of ours does not start a rotation loop', async () => {
    // Arrange: the store's clock is the vault's; the app runs 91 days behind it, as under `npm start` after the
    // emulator's clock was advanced. The vault sees every version we write (expiry = our now + 120 days) 29 days from expiry.
    const { stores, policy, first, event } = await governed();
    stores.clock.advance(91 * DAY);
    const behind = processOver({ ...stores, clock: Object.assign(Object.create(stores.clock) as typeof stores.clock, { now: () => new Date(stores.clock.now().getTime() - 91 * DAY) }) });
    let current = first.newVersion!;
    const first91 = await behind.events.handle(event('SecretNearExpiry', current, 'vault-0'));
    expect(first91).toMatchObject({ outcome: { status: 'skipped' } });

    // Act: the vault raises near-expiry for the current version every minute
    for (let i = 1; i <= 10; i++) {
      stores.clock.advance(60_000);
      current = stores.secrets.versions(refOf(policy)).at(-1)!.version;
      await behind.events.handle(event('SecretNearExpiry', current, `vault-${i}`));
      await behind.scan.run();
    }

    // Assert
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });
});
