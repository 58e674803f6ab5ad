/** The AuditLog contract: append-only, newest first, paged, and queryable by time and filters. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditQuery } from '../../../src/core/audit/audit-query.js';
import { AuditRecordExistsError } from '../../../src/core/audit/errors.js';
import { ConcurrencyConflictError } from '../../../src/core/errors.js';
import type { AuditLog, AuditRecord, Page, PageOptions } from '../../../src/core/ports.js';
import { allPages, anAuditRecord } from './fixtures.js';

/** Both implementations also list records that concern no policy, per vault. */
export type AuditLogUnderTest = AuditLog & { listForVault(vaultName: string, options?: PageOptions): Promise<Page<AuditRecord>> };

function minutes(n: number): Date {
  return new Date(Date.UTC(2026, 3, 1, 0, n));
}

const ALICE = '0a1b2c3d-0000-4000-8000-00000000a11c';
const BOB = '0b0b0b0b-0000-4000-8000-000000000b0b';
const PAY = 'https://kv-pay.vault.azure.net';
const WEB = 'https://kv-web.vault.azure.net';

/** A record with only the fields given (anAuditRecord's defaults name a policy, vault and secret). */
function bare(record: Pick<AuditRecord, 'id' | 'at' | 'action' | 'actor'> & Partial<AuditRecord>): AuditRecord {
  return { ...record };
}

/**
 * Records that differ in every filtered field, a minute apart on 2026-04-01 (h01..h09), plus
 * one the day before and one the day after. Each filter below selects a few of them.
 */
const HISTORY: AuditRecord[] = [
  bare({ id: 'h01', at: minutes(1), action: 'rotation.succeeded', policyId: 'pay', vaultUrl: PAY, secretName: 'db-pass', actor: 'scheduler', rotationId: 'rot-1', trigger: 'timer' }),
  bare({ id: 'h02', at: minutes(2), action: 'rotation.failed', policyId: 'pay', vaultUrl: PAY, secretName: 'db-pass', actor: 'scheduler', error: 'DependencyUnavailable: 503' }),
  bare({ id: 'h03', at: minutes(3), action: 'policy.replaced', policyId: 'pay', vaultUrl: PAY, secretName: 'db-pass', actor: 'Alice', actorId: ALICE, clientIp: '203.0.113.7', correlationId: 'inv-3', changedFields: ['every'] }),
  bare({ id: 'h04', at: minutes(4), action: 'secret.unmanaged-event', vaultUrl: PAY, secretName: 'Api-Key', actor: 'eventgrid:e4', trigger: 'event' }),
  bare({ id: 'h05', at: minutes(5), action: 'policy.created', policyId: 'web', vaultUrl: WEB, secretName: 'db-pass', actor: 'Bob', actorId: BOB, clientIp: '2001:db8::5', correlationId: 'inv-5' }),
  bare({ id: 'h06', at: minutes(6), action: 'change-request.approved', policyId: 'web', actor: 'Alice', actorId: ALICE, correlationId: 'inv-6', reason: 'looks right' }),
  bare({ id: 'h07', at: minutes(7), action: 'rotation.rolled-back', policyId: 'web', vaultUrl: WEB, secretName: 'db-pass', actor: 'scheduler', rotationId: 'rot-7' }),
  bare({ id: 'h08', at: minutes(8), action: 'rotation.step-started', policyId: 'pay', vaultUrl: PAY, secretName: 'db-pass', actor: 'scheduler', step: 'switched' }),
  bare({ id: 'h09', at: minutes(9), action: 'rotation.succeeded', policyId: 'web', vaultUrl: WEB, secretName: 'db-pass', actor: 'Alice', actorId: ALICE, trigger: 'http' }),
  bare({ id: 'h-before', at: new Date(Date.UTC(2026, 2, 31, 12)), action: 'rotation.succeeded', policyId: 'pay', vaultUrl: PAY, secretName: 'db-pass', actor: 'scheduler' }),
  bare({ id: 'h-after', at: new Date(Date.UTC(2026, 3, 2, 12)), action: 'policy.deleted', policyId: 'web', vaultUrl: WEB, secretName: 'db-pass', actor: 'Bob', actorId: BOB }),
];

const WIDE = { from: new Date(Date.UTC(2026, 2, 1)), to: new Date(Date.UTC(2026, 4, 1)) };

function ids(page: Page<AuditRecord>): string[] {
  return page.items.map((record) => record.id);
}

export function describeAuditLogContract(name: string, makeLog: () => AuditLogUnderTest | Promise<AuditLogUnderTest>): void {
  describe(`AuditLog contract: ${name}`, () => {
    let log: AuditLogUnderTest;

    beforeEach(async () => {
      log = await makeLog();
    });

    it('reads back every field of a record', async () => {
      // Arrange
      const record = anAuditRecord({ action: 'rotation.failed', error: 'DependencyUnavailable: 503' });

      // Act
      await log.append(record);
      const page = await log.listForPolicy(record.policyId!);

      // Assert
      expect(page.items).toEqual([record]);
      expect(page.continuationToken).toBeUndefined();
    });

    it("lists a policy's records newest first, whatever order they were appended in", async () => {
      // Arrange
      const records = [3, 1, 4, 2].map((n) => anAuditRecord({ id: `r${n}`, at: minutes(n) }));
      for (const record of records) await log.append(record);

      // Act
      const page = await log.listForPolicy('payments-db-password');

      // Assert
      expect(page.items.map((r) => r.id)).toEqual(['r4', 'r3', 'r2', 'r1']);
    });

    it('lists records stamped with the same instant latest appended first', async () => {
      // Arrange
      for (const id of ['z-first', 'a-second', 'm-third']) await log.append(anAuditRecord({ id, at: minutes(0) }));

      // Act
      const page = await log.listForPolicy('payments-db-password');

      // Assert
      expect(page.items.map((r) => r.id)).toEqual(['m-third', 'a-second', 'z-first']);
    });

    it('pages through a long history with continuation tokens', async () => {
      // Arrange
      const records = Array.from({ length: 25 }, (_, i) => anAuditRecord({ id: `r${String(i).padStart(2, '0')}`, at: minutes(i) }));
      await Promise.all(records.map((record) => log.append(record)));

      // Act
      const pages = await allPages((continuationToken) => log.listForPolicy('payments-db-password', { pageSize: 10, ...(continuationToken ? { continuationToken } : {}) }));

      // Assert
      expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
      expect(pages.flat().map((r) => r.id)).toEqual(records.map((r) => r.id).reverse());
    });

    it.each([
      ['at the same time', minutes(1)],
      ['at another time', minutes(2)],
    ])('refuses a record whose id was already appended (%s)', async (_case, at) => {
      // Arrange
      const original = anAuditRecord({ id: 'once', at: minutes(1) });
      await log.append(original);

      // Act
      const again = log.append(anAuditRecord({ id: 'once', at, reason: 'a retry' }));

      // Assert
      await expect(again).rejects.toBeInstanceOf(ConcurrencyConflictError);
      expect((await log.listForPolicy('payments-db-password')).items).toEqual([original]);
    });

    it("keeps policies' histories apart, and records about no policy out of them", async () => {
      // Arrange
      await log.append(anAuditRecord({ id: 'mine', policyId: 'mine' }));
      await log.append(anAuditRecord({ id: 'theirs', policyId: 'theirs' }));
      const unmanaged = anAuditRecord({ id: 'unmanaged', action: 'secret.unmanaged-event', policyId: undefined, actor: 'event-1' });
      delete unmanaged.policyId;
      await log.append(unmanaged);

      // Act
      const mine = await log.listForPolicy('mine');
      const vault = await log.listForVault('KV-Payments-Prod');

      // Assert
      expect(mine.items.map((r) => r.id)).toEqual(['mine']);
      expect(vault.items).toEqual([unmanaged]);
    });

    it('answers an empty page for a policy without history', async () => {
      // Act
      const page = await log.listForPolicy('quiet');

      // Assert
      expect(page).toEqual({ items: [] });
    });

    it('refuses a replayed id with the record stored first, whatever the replay carries', async () => {
      // Arrange
      const original = anAuditRecord({ id: 'first', at: minutes(1), actor: 'Alice', actorId: ALICE, clientIp: '203.0.113.7', correlationId: 'inv-1' });
      await log.append(original);

      // Act
      const refusal = await log.append(anAuditRecord({ id: 'first', at: minutes(5), reason: 'rebuilt' })).catch((error: unknown) => error);

      // Assert
      expect(refusal).toBeInstanceOf(AuditRecordExistsError);
      expect((refusal as AuditRecordExistsError).stored).toEqual(original);
    });

    describe('query', () => {
      beforeEach(async () => {
        for (const record of HISTORY) await log.append(record);
      });

      const query = (filters: Partial<AuditQuery>, options?: PageOptions) => log.query({ ...WIDE, ...filters }, options);

      it('returns every record in the range, newest first, with every field as stored', async () => {
        // Act
        const page = await query({});

        // Assert
        expect(ids(page)).toEqual(['h-after', 'h09', 'h08', 'h07', 'h06', 'h05', 'h04', 'h03', 'h02', 'h01', 'h-before']);
        expect(page.items.find((r) => r.id === 'h03')).toEqual(HISTORY[2]);
        expect(page.continuationToken).toBeUndefined();
      });

      it.each<[string, Partial<AuditQuery>, string[]]>([
        ['a person by oid', { actor: ALICE }, ['h09', 'h06', 'h03']],
        ['another person by oid', { actor: BOB }, ['h-after', 'h05']],
        ['a system actor by name', { actor: 'scheduler' }, ['h08', 'h07', 'h02', 'h01', 'h-before']],
        ["Event Grid's actor by name", { actor: 'eventgrid:e4' }, ['h04']],
        ["a person's display name, which is not how people are named", { actor: 'Alice' }, []],
        ['an action', { action: 'rotation.succeeded' }, ['h09', 'h01', 'h-before']],
        ['an action nobody took', { action: 'rotation.abandoned' }, []],
        ['a policy', { policyId: 'web' }, ['h-after', 'h09', 'h07', 'h06', 'h05']],
        ['a vault, with or without a policy', { vaultName: 'kv-pay' }, ['h08', 'h04', 'h03', 'h02', 'h01', 'h-before']],
        ['a secret in a vault', { vaultName: 'kv-web', secretName: 'db-pass' }, ['h-after', 'h09', 'h07', 'h05']],
        ['a secret named in another case', { vaultName: 'kv-pay', secretName: 'api-key' }, ['h04']],
        ['successes', { result: 'success' }, ['h-after', 'h09', 'h06', 'h05', 'h03', 'h01', 'h-before']],
        ['failures', { result: 'failure' }, ['h07', 'h02']],
      ])('filters by %s', async (_case, filters, expected) => {
        // Act
        const page = await query(filters);

        // Assert
        expect(ids(page)).toEqual(expected);
      });

      it.each<[string, Partial<AuditQuery>, string[]]>([
        ['person and result', { actor: ALICE, result: 'success' }, ['h09', 'h06', 'h03']],
        ['person and vault', { actor: ALICE, vaultName: 'kv-web' }, ['h09']],
        ['system actor and result', { actor: 'scheduler', result: 'failure' }, ['h07', 'h02']],
        ['policy and action', { policyId: 'pay', action: 'rotation.succeeded' }, ['h01', 'h-before']],
        ['policy and person', { policyId: 'web', actor: ALICE }, ['h09', 'h06']],
        ['vault and action', { vaultName: 'kv-web', action: 'rotation.rolled-back' }, ['h07']],
        ['secret and result', { vaultName: 'kv-pay', secretName: 'db-pass', result: 'failure' }, ['h02']],
        ['action and result that exclude each other', { action: 'rotation.step-started', result: 'success' }, []],
        ['every filter at once', { actor: ALICE, action: 'rotation.succeeded', policyId: 'web', vaultName: 'kv-web', secretName: 'db-pass', result: 'success' }, ['h09']],
        ['a policy and a vault that is not its own', { policyId: 'pay', vaultName: 'kv-web' }, []],
      ])('combines filters: %s', async (_case, filters, expected) => {
        // Act
        const page = await query(filters);

        // Assert
        expect(ids(page)).toEqual(expected);
      });

      it.each<[string, Date, Date, string[]]>([
        ['both ends inclusive, to the millisecond', minutes(3), minutes(6), ['h06', 'h05', 'h04', 'h03']],
        ['one millisecond inside each end', new Date(minutes(3).getTime() + 1), new Date(minutes(6).getTime() - 1), ['h05', 'h04']],
        ['a single instant', minutes(5), minutes(5), ['h05']],
        ['across midnight into the day before', new Date(Date.UTC(2026, 2, 31, 12)), minutes(1), ['h01', 'h-before']],
        ['from the last millisecond of a day', new Date(Date.UTC(2026, 2, 31, 23, 59, 59, 999)), minutes(2), ['h02', 'h01']],
        ['up to the first millisecond of the next day', minutes(9), new Date(Date.UTC(2026, 3, 2)), ['h09']],
        ['three days', new Date(Date.UTC(2026, 2, 31)), new Date(Date.UTC(2026, 3, 2, 23, 59, 59, 999)), ['h-after', 'h09', 'h08', 'h07', 'h06', 'h05', 'h04', 'h03', 'h02', 'h01', 'h-before']],
        ['a range with nothing in it', new Date(Date.UTC(2026, 3, 1, 1)), new Date(Date.UTC(2026, 3, 2, 11)), []],
      ])('reads a time range: %s', async (_case, from, to, expected) => {
        // Act
        const page = await log.query({ from, to });

        // Assert
        expect(ids(page)).toEqual(expected);
      });

      it.each<[string, Partial<AuditQuery>, string[]]>([
        ['a policy', { policyId: 'pay' }, ['h08', 'h03', 'h02']],
        ['a person', { actor: ALICE }, ['h06', 'h03']],
        ['a vault', { vaultName: 'kv-pay' }, ['h08', 'h04', 'h03', 'h02']],
        ['a secret', { vaultName: 'kv-web', secretName: 'db-pass' }, ['h07', 'h05']],
        ['an action', { action: 'rotation.failed' }, ['h02']],
        ['a result', { result: 'success' }, ['h06', 'h05', 'h03']],
      ])('applies the time range to a filter by %s', async (_case, filters, expected) => {
        // Act
        const page = await log.query({ from: minutes(2), to: minutes(8), ...filters });

        // Assert
        expect(ids(page)).toEqual(expected);
      });

      it.each<[string, Partial<AuditQuery>, number]>([
        ['no filter', {}, 11],
        ['a filter its index serves', { vaultName: 'kv-pay' }, 6],
        ['a filter read from another index', { vaultName: 'kv-pay', actor: 'scheduler' }, 4],
        ['a policy and an action', { policyId: 'web', action: 'rotation.succeeded' }, 1],
      ])('pages through %s with no duplicate and no gap', async (_case, filters, total) => {
        // Act
        const pages = await allPages((continuationToken) => query(filters, { pageSize: 2, ...(continuationToken ? { continuationToken } : {}) }));

        // Assert
        const paged = pages.flat().map((record) => record.id);
        expect(paged).toEqual(ids(await query(filters)));
        expect(new Set(paged).size).toBe(total);
        expect(paged).toHaveLength(total);
        for (const page of pages) expect(page.length).toBeLessThanOrEqual(2);
      });

      it('lists records stamped with the same instant latest appended first, as listForPolicy does', async () => {
        // Arrange
        for (const id of ['same-z', 'same-a', 'same-m']) await log.append(anAuditRecord({ id, at: minutes(30), actor: 'tie' }));

        // Act
        const byActor = await query({ actor: 'tie' });
        const byTime = await log.query({ from: minutes(30), to: minutes(30) });

        // Assert
        expect(ids(byActor)).toEqual(['same-m', 'same-a', 'same-z']);
        expect(ids(byTime)).toEqual(['same-m', 'same-a', 'same-z']);
      });

      it('keeps listForPolicy and listForVault to records: the query index never shows there', async () => {
        // Act
        const pay = await log.listForPolicy('pay');
        const vault = await log.listForVault('kv-pay');

        // Assert
        expect(ids(pay)).toEqual(['h08', 'h03', 'h02', 'h01', 'h-before']);
        expect(ids(vault)).toEqual(['h04']);
      });

      it('never returns a replay it refused', async () => {
        // Act
        await expect(log.append({ ...HISTORY[0]!, at: minutes(20), action: 'rotation.failed' })).rejects.toBeInstanceOf(ConcurrencyConflictError);
        const failures = await query({ result: 'failure' });
        const at20 = await log.query({ from: minutes(20), to: minutes(20) });

        // Assert
        expect(ids(failures)).toEqual(['h07', 'h02']);
        expect(at20.items).toEqual([]);
      });

      it('refuses a continuation token it did not issue', async () => {
        // Act
        const read = query({}, { continuationToken: 'bm90LWEtdG9rZW4' });

        // Assert
        await expect(read).rejects.toMatchObject({ code: 'ValidationFailed', details: [{ path: 'continuationToken' }] });
      });
    });
  });
}
