import { describe, expect, it } from 'vitest';
import { TransientDependencyError } from '../../../src/core/errors.js';
import { aPolicy } from '../../support/policy-mother.js';
import { createStores, processOver, refOf } from './engine-fixture.js';

describe('DueScan', () => {
  it('rotates every due policy even when one of them fails, and records the failure', async () => {
    // Arrange: three new policies; Key Vault refuses writes for one of them
    const stores = createStores();
    const app = processOver(stores);
    const policies = ['alpha', 'bravo', 'charlie'].map((id) => aPolicy({ id, secretName: id }));
    for (const policy of policies) await app.admin.put(policy.id, policy, 'test');
    const write = stores.secrets.write.bind(stores.secrets);
    stores.secrets.write = async (ref, value, options) => {
      if (ref.secretName === 'bravo') throw new TransientDependencyError('Key Vault writing bravo failed: 503');
      return write(ref, value, options);
    };

    // Act
    const report = await app.scan.run();

    // Assert
    expect(report).toMatchObject({ examined: 3, rotated: 2, failed: 1 });
    expect(stores.secrets.versions(refOf(policies[0]!))).toHaveLength(1);
    expect(stores.secrets.versions(refOf(policies[2]!))).toHaveLength(1);
    const failed = (await stores.states.get('bravo'))!.state;
    expect(failed).toMatchObject({ lastResult: 'failed', consecutiveFailures: 1, lastError: expect.stringContaining('503') });
    expect(failed.nextDueAt!.getTime()).toBeGreaterThan(stores.clock.now().getTime());
  });

  it('removes index entries whose policy is gone or disabled without rotating', async () => {
    const stores = createStores();
    const app = processOver(stores);
    await app.admin.put('gone', aPolicy({ id: 'gone', secretName: 'gone' }), 'test');
    await app.admin.put('paused', aPolicy({ id: 'paused', secretName: 'paused' }), 'test');
    await stores.policies.delete('gone');
    const paused = (await stores.policies.get('paused'))!;
    await stores.policies.put({ ...paused.policy, enabled: false }, paused.etag);

    const report = await app.scan.run();

    expect(report).toMatchObject({ examined: 2, rotated: 0, staleEntriesRemoved: 2 });
    expect(await app.scan.run()).toMatchObject({ examined: 0 });
  });
});
