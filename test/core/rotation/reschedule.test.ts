/**
 * A timer that finds nothing due moves the policy to what Key Vault now says: a policy
 * laid over an existing secret, or a version written by hand, sets the next due date
 * from that version's own times; a state already right is left as it is.
 */
import { describe, expect, it } from 'vitest';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { aPolicy } from '../../support/policy-mother.js';
import { createStores, processOver, refOf, scheduleEntries } from './engine-fixture.js';

const DAY = 24 * 60 * 60 * 1000;
const timer: RotationTrigger = { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' };

describe('a timer that finds nothing due', () => {
  it('takes up a secret the policy was laid over: its version, its times, and its due date', async () => {
    // Arrange: the secret was set by hand 10 days ago and expires in 200 days
    const stores = createStores();
    const policy = aPolicy();
    const app = processOver(stores);
    const existing = await stores.secrets.write(refOf(policy), SecretValue.of('set by hand'), {
      expiresOn: new Date(stores.clock.now().getTime() + 200 * DAY),
      tags: {},
    });
    stores.clock.advance(10 * DAY);
    await app.admin.put(policy.id, policy, 'test');

    // Act
    const report = await app.scan.run();

    // Assert
    expect(report).toMatchObject({ examined: 1, skipped: 1, rotated: 0 });
    const state = (await stores.states.get(policy.id))!.state;
    expect(state).toMatchObject({ currentVersion: existing.version, currentVersionCreatedOn: existing.createdOn, currentVersionExpiresOn: existing.expiresOn });
    expect(state.nextDueAt).toEqual(new Date(existing.createdOn!.getTime() + 90 * DAY));
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it('follows a version written by hand since the last rotation, and rotates when that version is due', async () => {
    // Arrange
    const stores = createStores();
    const policy = aPolicy();
    const app = processOver(stores);
    await app.admin.put(policy.id, policy, 'test');
    await app.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });
    stores.clock.advance(60 * DAY);
    const byHand = await stores.secrets.write(refOf(policy), SecretValue.of('set by hand'), {
      expiresOn: new Date(stores.clock.now().getTime() + 100 * DAY),
      tags: {},
    });
    stores.clock.advance(30 * DAY);

    // Act: the first rotation's due date comes, but the current version is the hand-written one
    const outcome = await app.engine.rotate(policy.id, timer);

    // Assert: due when the hand-written version nears its expiry (100 - 30 days after it was written), before its age reaches 90 days
    expect(outcome).toMatchObject({ status: 'skipped', reason: expect.stringContaining('not due until') });
    const state = (await stores.states.get(policy.id))!.state;
    expect(state.currentVersion).toBe(byHand.version);
    expect(state.nextDueAt).toEqual(new Date(byHand.expiresOn!.getTime() - 30 * DAY));
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
    stores.clock.advance(state.nextDueAt!.getTime() - stores.clock.now().getTime());
    expect(await app.scan.run()).toMatchObject({ rotated: 1 });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(3);
  });

  it('writes nothing when the state already says what Key Vault says', async () => {
    // Arrange
    const stores = createStores();
    const policy = aPolicy();
    const app = processOver(stores);
    await app.admin.put(policy.id, policy, 'test');
    await app.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });
    stores.clock.advance(DAY);
    const before = await stores.states.get(policy.id);
    const entriesBefore = await scheduleEntries(stores, policy.id);

    // Act
    const outcome = await app.engine.rotate(policy.id, timer);

    // Assert
    expect(outcome.status).toBe('skipped');
    expect(await stores.states.get(policy.id)).toEqual(before);
    expect(await scheduleEntries(stores, policy.id)).toEqual(entriesBefore);
  });

  it('is harmless when another trigger changes the state first', async () => {
    // Arrange: a policy over an existing secret; another instance saves the state just before this timer does
    const stores = createStores();
    const policy = aPolicy();
    const app = processOver(stores);
    await stores.secrets.write(refOf(policy), SecretValue.of('set by hand'), { expiresOn: new Date(stores.clock.now().getTime() + 200 * DAY), tags: {} });
    await app.admin.put(policy.id, policy, 'test');
    stores.states.beforeNext('save', async () => {
      const current = (await stores.states.get(policy.id))!;
      await stores.states.save({ ...current.state, lastResult: 'skipped' }, current.etag);
    });

    // Act
    const outcome = await app.engine.rotate(policy.id, timer);

    // Assert
    expect(outcome.status).toBe('skipped');
    expect((await stores.states.get(policy.id))!.state.lastResult).toBe('skipped');
  });
});
