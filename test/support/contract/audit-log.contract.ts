/** The AuditLog contract: append-only, newest first, paged. */
import { beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyConflictError } from '../../../src/core/errors.js';
import type { AuditLog, AuditRecord, Page, PageOptions } from '../../../src/core/ports.js';
import { allPages, anAuditRecord } from './fixtures.js';

/** Both implementations also list records that concern no policy, per vault. */
export type AuditLogUnderTest = AuditLog & { listForVault(vaultName: string, options?: PageOptions): Promise<Page<AuditRecord>> };

function minutes(n: number): Date {
  return new Date(Date.UTC(2026, 3, 1, 0, n));
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
  });
}
