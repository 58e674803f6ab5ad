import { describe, expect, it } from 'vitest';
import { ConcurrencyConflictError, TransientDependencyError } from '../../../src/core/errors.js';
import { aState } from '../contract/fixtures.js';
import { aPolicy } from '../policy-mother.js';
import { createInMemoryAdapters } from './index.js';

describe('in-memory adapters: fault injection', () => {
  it('fails the next call without changing anything, then works again', async () => {
    // Arrange
    const { states } = createInMemoryAdapters();
    states.failNext('save');

    // Act
    const failed = states.save(aState('p1'), undefined);

    // Assert
    await expect(failed).rejects.toBeInstanceOf(TransientDependencyError);
    expect(await states.get('p1')).toBeUndefined();
    expect((await states.save(aState('p1'), undefined)).state.policyId).toBe('p1');
    expect(states.faults.calls('save')).toBe(2);
  });

  it('throws the error given, as many times as asked', async () => {
    // Arrange
    const { schedule } = createInMemoryAdapters();
    const crash = new Error('process killed');
    schedule.failNext('add', crash, 2);

    // Act
    const attempts = await Promise.allSettled([1, 2, 3].map((n) => schedule.add({ policyId: `p${n}`, dueAt: new Date(0) })));

    // Assert
    expect(attempts.map((a) => (a.status === 'rejected' ? a.reason : 'ok'))).toEqual([crash, crash, 'ok']);
    expect(schedule.entries()).toEqual([{ policyId: 'p3', dueAt: new Date(0) }]);
  });

  it('runs a competing write just before the next call, which then loses the race', async () => {
    // Arrange
    const { states } = createInMemoryAdapters();
    const created = await states.save(aState('p1'), undefined);
    states.beforeNext('save', async () => {
      await states.save(aState('p1', { lastRotationId: 'other-instance' }), created.etag);
    });

    // Act
    const mine = states.save(aState('p1', { lastRotationId: 'mine' }), created.etag);

    // Assert
    await expect(mine).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect((await states.get('p1'))?.state.lastRotationId).toBe('other-instance');
  });

  it('hands out copies, so a caller cannot change what is stored', async () => {
    // Arrange
    const { policies, audit } = createInMemoryAdapters();
    const stored = await policies.put(aPolicy());
    await audit.append({ id: 'r1', at: new Date(0), action: 'policy.created', policyId: stored.policy.id, actor: 'admin' });

    // Act
    stored.policy.owner = 'tampered';
    (await audit.listForPolicy(stored.policy.id)).items[0]!.actor = 'tampered';

    // Assert
    expect((await policies.get(stored.policy.id))?.policy.owner).toBe(aPolicy().owner);
    expect(audit.records()[0]?.actor).toBe('admin');
  });
});
