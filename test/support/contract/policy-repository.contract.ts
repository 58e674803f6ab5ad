/** The PolicyRepository contract, run against the in-memory twin and the Table Storage adapter. */
import { beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyConflictError, NotFoundError, ValidationError } from '../../../src/core/errors.js';
import type { PolicyRepository } from '../../../src/core/ports.js';
import { aPolicy } from '../policy-mother.js';
import { allPages, inParallel } from './fixtures.js';

export function describePolicyRepositoryContract(name: string, makeRepository: () => PolicyRepository | Promise<PolicyRepository>): void {
  describe(`PolicyRepository contract: ${name}`, () => {
    let repository: PolicyRepository;

    beforeEach(async () => {
      repository = await makeRepository();
    });

    it('creates a policy and reads it back with its ETag and timestamps', async () => {
      // Arrange
      const policy = aPolicy();

      // Act
      const created = await repository.put(policy);
      const read = await repository.get(policy.id);

      // Assert
      expect(created.policy).toEqual(policy);
      expect(created.etag).toEqual(expect.any(String));
      expect(created.createdAt.getTime()).toBe(created.updatedAt.getTime());
      expect(read).toEqual(created);
    });

    it('answers undefined for an unknown id', async () => {
      // Act
      const read = await repository.get('no-such-policy');

      // Assert
      expect(read).toBeUndefined();
    });

    it('refuses to create a policy whose id exists, leaving the stored one as it was', async () => {
      // Arrange
      const first = await repository.put(aPolicy());

      // Act
      const second = repository.put(aPolicy({ owner: 'someone-else' }));

      // Assert
      await expect(second).rejects.toBeInstanceOf(ConcurrencyConflictError);
      expect(await repository.get(first.policy.id)).toEqual(first);
    });

    it('replaces with the current ETag, keeping createdAt and changing the ETag', async () => {
      // Arrange
      const created = await repository.put(aPolicy());

      // Act
      const replaced = await repository.put(aPolicy({ owner: 'team-platform' }), created.etag);

      // Assert
      expect(replaced.policy.owner).toBe('team-platform');
      expect(replaced.etag).not.toBe(created.etag);
      expect(replaced.createdAt.getTime()).toBe(created.createdAt.getTime());
      expect(replaced.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
      expect(await repository.get(created.policy.id)).toEqual(replaced);
    });

    it('refuses a replace with a stale ETag and keeps the newer policy', async () => {
      // Arrange
      const created = await repository.put(aPolicy());
      const newer = await repository.put(aPolicy({ owner: 'team-platform' }), created.etag);

      // Act
      const stale = repository.put(aPolicy({ owner: 'team-stale' }), created.etag);

      // Assert
      await expect(stale).rejects.toBeInstanceOf(ConcurrencyConflictError);
      expect(await repository.get(created.policy.id)).toEqual(newer);
    });

    it("replaces unconditionally with '*'", async () => {
      // Arrange
      await repository.put(aPolicy());

      // Act
      const replaced = await repository.put(aPolicy({ enabled: false }), '*');

      // Assert
      expect((await repository.get(replaced.policy.id))?.policy.enabled).toBe(false);
    });

    it.each([['*'], ['W/"1"']])('refuses to replace a policy that does not exist (ETag %s)', async (etag) => {
      // Act
      const replace = repository.put(aPolicy(), etag);

      // Assert
      await expect(replace).rejects.toBeInstanceOf(NotFoundError);
      expect(await repository.get(aPolicy().id)).toBeUndefined();
    });

    it('deletes a policy once, then reports there was nothing to delete', async () => {
      // Arrange
      const created = await repository.put(aPolicy());

      // Act
      const first = await repository.delete(created.policy.id);
      const second = await repository.delete(created.policy.id);

      // Assert
      expect([first, second]).toEqual([true, false]);
      expect(await repository.get(created.policy.id)).toBeUndefined();
      expect(await repository.findBySecret('kv-payments-prod', created.policy.secretName)).toBeUndefined();
    });

    it.each([
      ['the same spelling', 'payments-db-password'],
      ['another letter case', 'Payments-DB-Password'],
    ])('refuses a second policy for a governed secret (%s), naming the governing policy', async (_case, secretName) => {
      // Arrange
      await repository.put(aPolicy({ id: 'governor' }));

      // Act
      const second = repository.put(aPolicy({ id: 'newcomer', secretName }));

      // Assert
      await expect(second).rejects.toBeInstanceOf(ConcurrencyConflictError);
      await expect(second).rejects.toThrow(/governor/);
      expect(await repository.get('newcomer')).toBeUndefined();
    });

    it('allows the same secret name in another vault', async () => {
      // Arrange
      await repository.put(aPolicy({ id: 'in-prod' }));

      // Act
      const other = await repository.put(aPolicy({ id: 'in-test', vaultUrl: 'https://kv-payments-test.vault.azure.net' }));

      // Assert
      expect((await repository.findBySecret('kv-payments-test', other.policy.secretName))?.policy.id).toBe('in-test');
      expect((await repository.findBySecret('kv-payments-prod', other.policy.secretName))?.policy.id).toBe('in-prod');
    });

    it('finds the governing policy whatever the letter case of vault and secret', async () => {
      // Arrange
      const created = await repository.put(aPolicy({ secretName: 'Payments-DB-Password' }));

      // Act
      const found = await repository.findBySecret('KV-Payments-Prod', 'PAYMENTS-db-password');
      const missing = await repository.findBySecret('kv-payments-prod', 'another-secret');

      // Assert
      expect(found).toEqual(created);
      expect(missing).toBeUndefined();
    });

    it('moves a policy to another secret: the old one is free, the new one is governed', async () => {
      // Arrange
      const created = await repository.put(aPolicy({ id: 'mover', secretName: 'old-secret' }));

      // Act
      await repository.put(aPolicy({ id: 'mover', secretName: 'new-secret' }), created.etag);

      // Assert
      expect(await repository.findBySecret('kv-payments-prod', 'old-secret')).toBeUndefined();
      expect((await repository.findBySecret('kv-payments-prod', 'new-secret'))?.policy.id).toBe('mover');
      await expect(repository.put(aPolicy({ id: 'intruder', secretName: 'new-secret' }))).rejects.toThrow(/mover/);
      expect((await repository.put(aPolicy({ id: 'successor', secretName: 'old-secret' }))).policy.id).toBe('successor');
    });

    it('refuses to move a policy onto a secret another policy governs', async () => {
      // Arrange
      await repository.put(aPolicy({ id: 'holder', secretName: 'taken' }));
      const mover = await repository.put(aPolicy({ id: 'mover', secretName: 'free' }));

      // Act
      const move = repository.put(aPolicy({ id: 'mover', secretName: 'taken' }), mover.etag);

      // Assert
      await expect(move).rejects.toThrow(/holder/);
      expect(await repository.get('mover')).toEqual(mover);
      expect((await repository.findBySecret('kv-payments-prod', 'free'))?.policy.id).toBe('mover');
    });

    it('frees the secret when its policy is deleted', async () => {
      // Arrange
      await repository.put(aPolicy({ id: 'first' }));
      await repository.delete('first');

      // Act
      const second = await repository.put(aPolicy({ id: 'second' }));

      // Assert
      expect((await repository.findBySecret('kv-payments-prod', second.policy.secretName))?.policy.id).toBe('second');
    });

    it('lets exactly one of several concurrent creates for one secret win', async () => {
      // Arrange
      const ids = Array.from({ length: 8 }, (_, i) => `racer-${i}`);

      // Act
      const results = await Promise.allSettled(ids.map((id) => repository.put(aPolicy({ id }))));

      // Assert
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost.every((reason) => reason instanceof ConcurrencyConflictError)).toBe(true);
      const page = await repository.list();
      expect(page.items.map((s) => s.policy.id)).toEqual([(won[0] as PromiseFulfilledResult<{ policy: { id: string } }>).value.policy.id]);
    });

    it('lets exactly one of several concurrent replaces with the same ETag win', async () => {
      // Arrange
      const created = await repository.put(aPolicy());
      const owners = Array.from({ length: 6 }, (_, i) => `owner-${i}`);

      // Act
      const results = await Promise.allSettled(owners.map((owner) => repository.put(aPolicy({ owner }), created.etag)));

      // Assert
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConcurrencyConflictError)).toHaveLength(owners.length - 1);
      expect((await repository.get(created.policy.id))?.etag).toBe((won[0] as PromiseFulfilledResult<{ etag: string }>).value.etag);
    });

    it('lists every policy once, in pages that follow continuation tokens', async () => {
      // Arrange
      const ids = Array.from({ length: 25 }, (_, i) => `policy-${String(i).padStart(2, '0')}`);
      await inParallel(ids, 10, (id) => repository.put(aPolicy({ id, secretName: `secret-${id}` })));

      // Act
      const pages = await allPages((continuationToken) => repository.list({ pageSize: 10, ...(continuationToken ? { continuationToken } : {}) }));

      // Assert
      expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
      expect(pages.flat().map((stored) => stored.policy.id)).toEqual(ids);
    });

    it('lists up to 100 policies on a page by default', async () => {
      // Arrange
      await inParallel(['a-1', 'b-2', 'c-3'], 3, (id) => repository.put(aPolicy({ id, secretName: id })));

      // Act
      const page = await repository.list();

      // Assert
      expect(page.items.map((stored) => stored.policy.id)).toEqual(['a-1', 'b-2', 'c-3']);
      expect(page.continuationToken).toBeUndefined();
    });

    it('refuses a continuation token it did not issue', async () => {
      // Act
      const list = repository.list({ continuationToken: 'not-a-token' });

      // Assert
      await expect(list).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
