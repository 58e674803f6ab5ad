import { describe, expect, it } from 'vitest';
import { RotationInProgressError } from '../../../src/core/errors.js';
import { aPolicy } from '../../support/policy-mother.js';
import { createStores, processOver, refOf } from './engine-fixture.js';

describe('50 concurrent triggers for one secret', () => {
  it('produce exactly one new version, whichever instance wins', async () => {
    // Arrange: an existing version that is due, and ten engine instances sharing the stores
    const stores = createStores();
    const policy = aPolicy();
    const setup = processOver(stores);
    await setup.admin.put(policy.id, policy, 'test');
    const first = await setup.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });
    stores.clock.advance(91 * 24 * 60 * 60 * 1000);
    const instances = Array.from({ length: 10 }, () => processOver(stores));
    const nearExpiry = (deliveryId: string) => ({
      id: deliveryId,
      eventType: 'Microsoft.KeyVault.SecretNearExpiry',
      subject: policy.secretName,
      data: { VaultName: new URL(policy.vaultUrl).hostname.split('.')[0], ObjectName: policy.secretName, Version: first.newVersion, ObjectType: 'Secret' },
    });

    // Act: 20 event deliveries (10 duplicates of two ids), 20 timer scans, 10 HTTP calls sharing one idempotency key
    const calls = Array.from({ length: 50 }, (_, i) => {
      const instance = instances[i % instances.length]!;
      if (i % 5 < 2) return instance.events.handle(nearExpiry(`event-${i % 2}`));
      if (i % 5 < 4) return instance.scan.run();
      return instance.engine.rotate(policy.id, { kind: 'http', actor: 'admin', reason: 'now', idempotencyKey: 'http:same-request' });
    });
    const results = await Promise.allSettled(calls);

    // Assert
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(RotationInProgressError);
    }
    const state = (await stores.states.get(policy.id))!.state;
    expect(state.active).toBeUndefined();
    expect(state.currentVersion).toBe(stores.secrets.versions(refOf(policy))[1]!.version);
  });
});
