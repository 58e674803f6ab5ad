import { odata, type TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { TableChangeRequestStore } from '../../../src/adapters/tables/table-change-request-store.js';
import { ChangeRequestNotPendingError, ChangeRequestTamperedError } from '../../../src/core/approvals/errors.js';
import { ValidationError } from '../../../src/core/errors.js';
import { aPolicy } from '../../support/policy-mother.js';
import { aCaller, approvalsWorld, requester } from '../../core/approvals/approvals-fixture.js';
import { aChangeRequest, describeChangeRequestStoreContract } from '../../support/contract/change-request-store.contract.js';
import { InMemoryChangeRequestStore } from '../../support/in-memory/in-memory-change-request-store.js';
import { azuriteClients, uniqueTablePrefix } from './table-fixture.js';

/** createTableAdapters does not build this store yet: its own table, under a fresh prefix. */
async function freshStore(): Promise<{ store: TableChangeRequestStore; raw: TableClient }> {
  const raw = azuriteClients().tableClient(`${uniqueTablePrefix()}changes`);
  const store = new TableChangeRequestStore(raw);
  await store.createIfMissing();
  return { store, raw };
}

async function rowKeys(raw: TableClient): Promise<string[]> {
  const keys: string[] = [];
  for await (const row of raw.listEntities({ queryOptions: { filter: odata`PartitionKey eq 'change-request'`, select: ['rowKey'] } })) keys.push(row.rowKey!);
  return keys;
}

describeChangeRequestStoreContract('in memory', () => new InMemoryChangeRequestStore());
describeChangeRequestStoreContract('Table Storage (Azurite)', async () => (await freshStore()).store);

describe('TableChangeRequestStore specifics', () => {
  it('keeps a request and one status-index row in one partition, and moves the index row with the status', async () => {
    // Arrange
    const { store, raw } = await freshStore();
    const created = await store.create(aChangeRequest());

    // Act
    const before = await rowKeys(raw);
    await store.replace({ ...created.request, status: 'executing' }, created.etag);
    const after = await rowKeys(raw);

    // Assert
    expect(before).toEqual(['r:cr-1', 's:pending:2026-11-23T12:00:00.123Z:cr-1']);
    expect(after).toEqual(['r:cr-1', 's:executing:2026-11-23T12:00:00.123Z:cr-1']);
  });

  it('stores readable columns next to the JSON, Dates as Edm.DateTime', async () => {
    // Arrange
    const { store, raw } = await freshStore();

    // Act
    await store.create(aChangeRequest());

    // Assert
    const entity = await raw.getEntity('change-request', 'r:cr-1');
    const typed = await raw.getEntity('change-request', 'r:cr-1', { disableTypeConversion: true });
    expect(entity).toMatchObject({ requestId: 'cr-1', action: 'policy.replace', policyId: 'payments-db-password', environment: 'production', status: 'pending', requesterOid: 'oid-requester' });
    expect(typed.expiresAt).toEqual({ type: 'DateTime', value: expect.stringMatching(/^2026-11-24T12:00:00\.123/) });
  });

  it('leaves the index untouched when a replace loses to a concurrent write', async () => {
    // Arrange
    const { store, raw } = await freshStore();
    const created = await store.create(aChangeRequest());
    await store.replace({ ...created.request, status: 'cancelled' }, created.etag);

    // Act
    const stale = store.replace({ ...created.request, status: 'rejected' }, created.etag);

    // Assert
    await expect(stale).rejects.toThrow(/stale ETag/);
    expect(await rowKeys(raw)).toEqual(['r:cr-1', 's:cancelled:2026-11-23T12:00:00.123Z:cr-1']);
  });

  it.each([['a/b'], ['a#b'], [''], ['x'.repeat(300)]])('refuses an id Table Storage cannot key (%j) before calling it', async (id) => {
    // Arrange
    const { store } = await freshStore();

    // Act
    const read = store.get(id);

    // Assert
    await expect(read).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('ChangeRequestService over Table Storage (Azurite)', () => {
  it('runs the operation exactly once when 20 people approve a request needing 2 at the same time', async () => {
    // Arrange
    const { store } = await freshStore();
    const world = approvalsWorld({}, { requests: store });
    const stored = await world.policies.put(aPolicy());
    const request = await world.service.request('rotation.rotate', stored.policy.id, { reason: 'suspected leak' }, requester);

    // Act
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => world.service.approve(request.id, aCaller(`oid-approver-${i}`))));

    // Assert
    expect(world.executor.calls).toHaveLength(1);
    const final = await world.service.get(request.id);
    expect(final).toMatchObject({ status: 'executed' });
    expect(final.approvals).toHaveLength(2);
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(lost).toHaveLength(18);
    expect(lost.every((reason) => reason instanceof ChangeRequestNotPendingError)).toBe(true);
    expect((await store.listByStatus('executed')).items.map((r) => r.id)).toEqual([request.id]);
    expect((await store.listByStatus('pending')).items).toEqual([]);
  });

  it('refuses to approve a request whose body was edited in the table', async () => {
    // Arrange
    const { store, raw } = await freshStore();
    const world = approvalsWorld({}, { requests: store });
    const stored = await world.policies.put(aPolicy());
    const request = await world.service.request('policy.replace', stored.policy.id, aPolicy({ owner: 'team-platform' }), requester);
    const entity = await raw.getEntity<Record<string, unknown>>('change-request', `r:${request.id}`);
    await raw.updateEntity({ partitionKey: 'change-request', rowKey: `r:${request.id}`, requestJson0: String(entity['requestJson0']).replace('team-platform', 'team-attacker') }, 'Merge');

    // Act
    const approval = world.service.approve(request.id, aCaller('oid-alice'));

    // Assert
    await expect(approval).rejects.toBeInstanceOf(ChangeRequestTamperedError);
    expect(world.executor.calls).toEqual([]);
  });
});
