/** The ChangeRequestStore contract, run against the in-memory twin and the Table Storage adapter. */
import { beforeEach, describe, expect, it } from 'vitest';
import { changeRequestHash } from '../../../src/core/approvals/canonical-hash.js';
import type { ChangeRequest } from '../../../src/core/approvals/change-request.js';
import type { ChangeRequestStore } from '../../../src/core/approvals/ports.js';
import { ConcurrencyConflictError, ValidationError } from '../../../src/core/errors.js';
import { aPolicyJson } from '../policy-mother.js';
import { allPages } from './fixtures.js';

/** A pending request with a valid hash; overrides of hashed fields get a matching hash too. */
export function aChangeRequest(overrides: Partial<ChangeRequest> = {}): ChangeRequest {
  const fields = {
    id: 'cr-1',
    action: 'policy.replace' as const,
    policyId: 'payments-db-password',
    policyEtag: 'W/"datetime\'2026-11-23T12%3A00%3A00Z\'"',
    environment: 'production',
    body: aPolicyJson() as ChangeRequest['body'],
    requester: { oid: 'oid-requester', displayName: 'requester@contoso.com' },
    requestedAt: new Date('2026-11-23T12:00:00.123Z'),
    expiresAt: new Date('2026-11-24T12:00:00.123Z'),
    ...overrides,
  };
  return { status: 'pending', approvals: [], ...fields, hash: overrides.hash ?? changeRequestHash(fields) };
}

/** Every optional field set, Dates at each depth, and a body with keys a naive reviver or prototype would eat. */
export function aFullyDecidedRequest(id = 'cr-full'): ChangeRequest {
  const base = aChangeRequest({
    id,
    body: { ...aPolicyJson(), tags: JSON.parse('{"$date":"2026-01-01T00:00:00.000Z","__proto__":"x"}') as Record<string, string>, note: 'ünïcödé ✓ 🚀' },
  });
  return {
    ...base,
    status: 'executed',
    approvals: [
      { oid: 'oid-a', displayName: 'a@contoso.com', at: new Date('2026-11-23T13:00:00.001Z'), comment: 'looks right', hash: base.hash },
      { oid: 'oid-b', displayName: 'b@contoso.com', at: new Date('2026-11-23T14:00:00.002Z'), hash: base.hash },
    ],
    statusReason: 'done',
    closedAt: new Date('2026-11-23T14:00:01.000Z'),
    execution: {
      startedAt: new Date('2026-11-23T14:00:00.500Z'),
      leaseExpiresAt: new Date('2026-11-23T14:10:00.500Z'),
      attempts: 1,
      finishedAt: new Date('2026-11-23T14:00:01.000Z'),
      result: { summary: 'policy replaced', policyEtag: 'W/"2"' },
    },
  };
}

export function describeChangeRequestStoreContract(name: string, makeStore: () => ChangeRequestStore | Promise<ChangeRequestStore>): void {
  describe(`ChangeRequestStore contract: ${name}`, () => {
    let store: ChangeRequestStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    it('creates a request and reads back every field: Dates as Dates, the body exactly as given', async () => {
      // Arrange
      const request = aFullyDecidedRequest();

      // Act
      const created = await store.create(request);
      const read = await store.get(request.id);

      // Assert
      expect(created.request).toEqual(request);
      expect(created.etag).toEqual(expect.any(String));
      expect(read).toEqual(created);
      expect(read?.request.approvals[0]?.at).toBeInstanceOf(Date);
      expect(read?.request.execution?.finishedAt).toBeInstanceOf(Date);
      expect(Object.keys((read?.request.body['tags'] ?? {}) as object)).toEqual(['$date', '__proto__']);
      expect(changeRequestHash(read!.request)).toBe(request.hash);
    });

    it('keeps a body far larger than one table column holds', async () => {
      // Arrange
      const request = aChangeRequest({ body: { ...aPolicyJson(), description: 'é'.repeat(60_000) } });

      // Act
      await store.create(request);

      // Assert
      expect((await store.get(request.id))?.request).toEqual(request);
    });

    it('answers undefined for an unknown id', async () => {
      // Act
      const read = await store.get('no-such-request');

      // Assert
      expect(read).toBeUndefined();
    });

    it('refuses to create a request whose id exists, leaving it as it was', async () => {
      // Arrange
      const first = await store.create(aChangeRequest());

      // Act
      const second = store.create(aChangeRequest({ policyId: 'other' }));

      // Assert
      await expect(second).rejects.toBeInstanceOf(ConcurrencyConflictError);
      expect(await store.get('cr-1')).toEqual(first);
    });

    it('replaces with the current ETag: a new ETag, and cleared fields are gone', async () => {
      // Arrange
      const created = await store.create({ ...aChangeRequest(), statusReason: 'to be cleared' });
      const next: ChangeRequest = { ...aChangeRequest(), approvals: [{ oid: 'oid-a', displayName: 'a', at: new Date('2026-11-23T13:00:00Z'), hash: created.request.hash }] };

      // Act
      const replaced = await store.replace(next, created.etag);
      const read = await store.get('cr-1');

      // Assert
      expect(replaced.etag).not.toBe(created.etag);
      expect(read).toEqual(replaced);
      expect(read?.request.statusReason).toBeUndefined();
      expect(read?.request.approvals).toHaveLength(1);
    });

    it('refuses a replace with a stale ETag and keeps the newer request', async () => {
      // Arrange
      const created = await store.create(aChangeRequest());
      const newer = await store.replace({ ...aChangeRequest(), status: 'cancelled' }, created.etag);

      // Act
      const stale = store.replace({ ...aChangeRequest(), status: 'rejected' }, created.etag);

      // Assert
      await expect(stale).rejects.toBeInstanceOf(ConcurrencyConflictError);
      expect(await store.get('cr-1')).toEqual(newer);
      expect((await store.listByStatus('rejected')).items).toEqual([]);
    });

    it('refuses a replace of a request that does not exist', async () => {
      // Act
      const replace = store.replace(aChangeRequest({ id: 'ghost' }), 'W/"1"');

      // Assert
      await expect(replace).rejects.toBeInstanceOf(ConcurrencyConflictError);
      expect(await store.get('ghost')).toBeUndefined();
    });

    it('lets exactly one of 20 concurrent replaces with the same ETag win, and lists the request once', async () => {
      // Arrange
      const created = await store.create(aChangeRequest());
      const statuses = ['executing', 'rejected', 'cancelled', 'void'] as const;
      const contenders = Array.from({ length: 20 }, (_, i): ChangeRequest => ({ ...aChangeRequest(), status: statuses[i % statuses.length]!, statusReason: `contender ${i}` }));

      // Act
      const results = await Promise.allSettled(contenders.map((request) => store.replace(request, created.etag)));

      // Assert
      const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost.every((reason) => reason instanceof ConcurrencyConflictError)).toBe(true);
      expect(await store.get('cr-1')).toEqual(won[0]);
      const listed = await Promise.all(['pending', ...statuses].map(async (status) => (await store.listByStatus(status as ChangeRequest['status'])).items));
      expect(listed.flat()).toEqual([won[0]!.request]);
    });

    it('lists one status only, oldest request first, and moves a request between listings as its status changes', async () => {
      // Arrange
      const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 12, minute));
      const third = await store.create(aChangeRequest({ id: 'a-third', requestedAt: at(3) }));
      await store.create(aChangeRequest({ id: 'z-first', requestedAt: at(1) }));
      await store.create(aChangeRequest({ id: 'm-second', requestedAt: at(2) }));
      await store.create({ ...aChangeRequest({ id: 'review-1', requestedAt: at(0), action: 'rotation.break-glass' }), status: 'review' });

      // Act
      const before = await store.listByStatus('pending');
      await store.replace({ ...third.request, status: 'executed' }, third.etag);
      const after = await store.listByStatus('pending');
      const executed = await store.listByStatus('executed');

      // Assert
      expect(before.items.map((r) => r.id)).toEqual(['z-first', 'm-second', 'a-third']);
      expect(after.items.map((r) => r.id)).toEqual(['z-first', 'm-second']);
      expect(executed.items).toEqual([{ ...third.request, status: 'executed' }]);
      expect((await store.listByStatus('review')).items.map((r) => r.id)).toEqual(['review-1']);
      expect((await store.listByStatus('failed')).items).toEqual([]);
    });

    it('pages through a status with continuation tokens, each request once, in order', async () => {
      // Arrange
      for (let i = 0; i < 5; i++) await store.create(aChangeRequest({ id: `cr-${i}`, requestedAt: new Date(Date.UTC(2026, 10, 23, 12, i)) }));

      // Act
      const pages = await allPages((continuationToken) => store.listByStatus('pending', { pageSize: 2, ...(continuationToken ? { continuationToken } : {}) }));

      // Assert
      expect(pages.map((page) => page.map((r) => r.id))).toEqual([['cr-0', 'cr-1'], ['cr-2', 'cr-3'], ['cr-4']]);
    });

    it('refuses a continuation token it did not issue', async () => {
      // Act
      const list = store.listByStatus('pending', { continuationToken: 'not-a-token' });

      // Assert
      await expect(list).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
