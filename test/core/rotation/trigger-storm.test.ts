/**
 * A storm of triggers for one policy makes one version and leaves the schedule index as a
 * single winner would: one entry, at the next due time. Losers take back what they wrote.
 */
import { describe, expect, it } from 'vitest';
import { RotationInProgressError } from '../../../src/core/errors.js';
import type { ManualClock } from '../../support/fakes/manual-clock.js';
import { aPolicy } from '../../support/policy-mother.js';
import { createStores, processOver, refOf, scheduleEntries } from './engine-fixture.js';

const DAY = 24 * 60 * 60 * 1000;

function skewedClock(clock: ManualClock, skewInMs: number): ManualClock {
  return Object.assign(Object.create(clock) as ManualClock, { now: () => new Date(clock.now().getTime() + skewInMs) });
}

async function governed() {
  const stores = createStores();
  const policy = aPolicy();
  const setup = processOver(stores);
  await setup.admin.put(policy.id, policy, 'test');
  const first = await setup.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });
  // Instances whose clocks differ by a millisecond or more, as real ones do: each claimant's lease ends at its own instant.
  const instances = Array.from({ length: 8 }, (_, i) => processOver({ ...stores, clock: skewedClock(stores.clock, i + 1) }));
  return { stores, policy, first, instances };
}

describe('a storm of triggers', () => {
  it('200 concurrent HTTP rotations: one version, one schedule entry', async () => {
    // Arrange
    const { stores, policy, instances } = await governed();

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => instances[i % instances.length]!.engine.rotate(policy.id, { kind: 'http', actor: `caller-${i}`, reason: 'storm' })),
    );

    // Assert
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
    const rejected = results.filter((r) => r.status === 'rejected');
    for (const r of rejected) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RotationInProgressError);
    expect(rejected.length).toBeGreaterThan(0);
    const state = (await stores.states.get(policy.id))!.state;
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
  });

  it('200 concurrent near-expiry events with distinct ids: one version, one schedule entry', async () => {
    // Arrange: 91 of 120 days on, the current version really is near expiry
    const { stores, policy, first, instances } = await governed();
    stores.clock.advance(91 * DAY);
    const vaultName = new URL(policy.vaultUrl).hostname.split('.')[0]!;
    const event = (i: number) => ({
      id: `storm-${i}`,
      eventType: 'Microsoft.KeyVault.SecretNearExpiry',
      subject: policy.secretName,
      data: { VaultName: vaultName, ObjectType: 'Secret', ObjectName: policy.secretName, Version: first.newVersion },
    });

    // Act
    await Promise.all(Array.from({ length: 200 }, (_, i) => instances[i % instances.length]!.events.handle(event(i))));

    // Assert
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
    const state = (await stores.states.get(policy.id))!.state;
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
  });

  it('concurrent scans of a due policy: one version, one schedule entry, and the next scan examines nothing', async () => {
    // Arrange
    const { stores, policy, instances } = await governed();
    stores.clock.advance(90 * DAY);

    // Act
    await Promise.all(instances.flatMap((instance) => [instance.scan.run(), instance.scan.run()]));

    // Assert
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
    const state = (await stores.states.get(policy.id))!.state;
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
    expect(await instances[0]!.scan.run()).toMatchObject({ examined: 0 });
  });
});
