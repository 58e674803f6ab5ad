/** The PolicyStateStore contract: the optimistic-concurrency rules the exactly-once rotation relies on. */
import { beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyConflictError } from '../../../src/core/errors.js';
import type { PolicyStateStore, VersionedPolicyState } from '../../../src/core/ports.js';
import { aState, anActiveRotation } from './fixtures.js';

export function describePolicyStateStoreContract(name: string, makeStore: () => PolicyStateStore | Promise<PolicyStateStore>): void {
  describe(`PolicyStateStore contract: ${name}`, () => {
    let store: PolicyStateStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    it('answers undefined for a policy without state', async () => {
      // Act
      const read = await store.get('no-state-yet');

      // Assert
      expect(read).toBeUndefined();
    });

    it('creates a state and reads back every field, Dates and the active rotation included', async () => {
      // Arrange
      const state = aState('p1', { active: anActiveRotation(), lastError: 'DependencyUnavailable: Key Vault answered 503' });

      // Act
      const saved = await store.save(state, undefined);
      const read = await store.get('p1');

      // Assert
      expect(saved.state).toEqual(state);
      expect(read).toEqual(saved);
      expect(read?.state.active?.leaseExpiresAt).toBeInstanceOf(Date);
      expect(read?.state.lastRotatedAt).toBeInstanceOf(Date);
    });

    it('refuses to create a state that exists, leaving it as it was', async () => {
      // Arrange
      const first = await store.save(aState('p1'), undefined);

      // Act
      const second = store.save(aState('p1', { currentVersion: 'other' }), undefined);

      // Assert
      await expect(second).rejects.toBeInstanceOf(ConcurrencyConflictError);
      expect(await store.get('p1')).toEqual(first);
    });

    it('replaces with the current ETag: a new ETag, and cleared fields are gone', async () => {
      // Arrange
      const created = await store.save(aState('p1', { active: anActiveRotation(), lastError: 'boom' }), undefined);
      const next = aState('p1', { currentVersion: 'v2', consecutiveFailures: 0 });

      // Act
      const replaced = await store.save(next, created.etag);
      const read = await store.get('p1');

      // Assert
      expect(replaced.etag).not.toBe(created.etag);
      expect(read).toEqual(replaced);
      expect(read?.state.active).toBeUndefined();
      expect(read?.state.lastError).toBeUndefined();
      expect(read?.state.currentVersion).toBe('v2');
    });

    it('refuses a replace with a stale ETag', async () => {
      // Arrange
      const created = await store.save(aState('p1'), undefined);
      const newer = await store.save(aState('p1', { consecutiveFailures: 1 }), created.etag);

      // Act
      const stale = store.save(aState('p1', { consecutiveFailures: 2 }), created.etag);

      // Assert
      await expect(stale).rejects.toBeInstanceOf(ConcurrencyConflictError);
      expect(await store.get('p1')).toEqual(newer);
    });

    it('refuses a replace of a state that was deleted since it was read', async () => {
      // Arrange
      const created = await store.save(aState('p1'), undefined);
      await store.delete('p1');

      // Act
      const replace = store.save(aState('p1'), created.etag);

      // Assert
      await expect(replace).rejects.toBeInstanceOf(ConcurrencyConflictError);
      expect(await store.get('p1')).toBeUndefined();
    });

    it('lets exactly one of 20 concurrent replaces with the same ETag win', async () => {
      // Arrange
      const created = await store.save(aState('p1'), undefined);
      const contenders = Array.from({ length: 20 }, (_, i) => aState('p1', { active: anActiveRotation({ rotationId: `rot-${i}` }) }));

      // Act
      const results = await Promise.allSettled(contenders.map((state) => store.save(state, created.etag)));

      // Assert
      const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(19);
      expect(lost.every((reason) => reason instanceof ConcurrencyConflictError)).toBe(true);
      expect(await store.get('p1')).toEqual(won[0] satisfies VersionedPolicyState | undefined);
    });

    it('lets exactly one of 20 concurrent creates win', async () => {
      // Arrange
      const contenders = Array.from({ length: 20 }, (_, i) => aState('p1', { lastRotationId: `rot-${i}` }));

      // Act
      const results = await Promise.allSettled(contenders.map((state) => store.save(state, undefined)));

      // Assert
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConcurrencyConflictError)).toHaveLength(19);
    });

    it('keeps states of different policies apart', async () => {
      // Arrange
      await store.save(aState('p1', { currentVersion: 'one' }), undefined);
      await store.save(aState('p2', { currentVersion: 'two' }), undefined);

      // Act
      const [one, two] = await Promise.all([store.get('p1'), store.get('p2')]);

      // Assert
      expect([one?.state.currentVersion, two?.state.currentVersion]).toEqual(['one', 'two']);
    });

    it('reads the states of many policies at once, each as get() reads it; one without state, or not asked for, has no entry', async () => {
      // Arrange: 'p-b' lies between the ids asked for, so a read of the range would find it.
      for (const id of ['p-a', 'p-b', 'p-c', 'p-d']) await store.save(aState(id, { currentVersion: `${id}-v1`, active: anActiveRotation({ rotationId: `rot-${id}` }) }), undefined);
      await store.delete('p-c');

      // Act
      const many = await store.getMany(['p-d', 'p-a', 'p-c', 'p-no-state', 'p-a']);

      // Assert
      expect([...many.keys()].sort()).toEqual(['p-a', 'p-d']);
      expect(many.get('p-a')).toEqual(await store.get('p-a'));
      expect(many.get('p-d')).toEqual(await store.get('p-d'));
      expect(many.get('p-d')?.state.active?.leaseExpiresAt).toBeInstanceOf(Date);
    });

    it('reads no state for no policy ids', async () => {
      // Arrange
      await store.save(aState('p1'), undefined);

      // Act
      const many = await store.getMany([]);

      // Assert
      expect(many.size).toBe(0);
    });

    it('deletes a state, and deleting a missing one is no error', async () => {
      // Arrange
      await store.save(aState('p1'), undefined);

      // Act
      await store.delete('p1');
      await store.delete('p1');

      // Assert
      expect(await store.get('p1')).toBeUndefined();
      expect((await store.save(aState('p1'), undefined)).state.policyId).toBe('p1');
    });
  });
}
