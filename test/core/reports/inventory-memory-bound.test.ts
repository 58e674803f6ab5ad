/**
 * The inventory's memory bound, shown by structure rather than by a heap figure: over a listing
 * that makes each Key Vault page only when asked (25,000 secrets in one vault, so 1,000 pages),
 * a first page of 100 asks for 4 pages, resuming asks for 4 more, and the summary's pass asks
 * for each page once while holding one at a time (one per vault read at once). A page counts as
 * held from the moment the listing hands it over until the report asks for the next one or
 * stops reading; the answer holds at most pageSize items. Counts only.
 */
import { describe, expect, it } from 'vitest';
import type { ListedSecret, ListSecretsOptions, Page, SecretListing, StoredPolicy } from '../../../src/core/ports.js';
import { defaultComplianceSettings } from '../../../src/core/reports/compliance/parameters.js';
import { GovernedScope } from '../../../src/core/reports/governed-scope.js';
import { InventoryReport } from '../../../src/core/reports/inventory.js';
import { VAULTS_READ_AT_ONCE } from '../../../src/core/reports/vault-secrets.js';
import { InMemoryAuditLog, InMemoryPolicyStateStore } from '../../support/in-memory/index.js';
import { daysFromNow, NOW, policyFrom } from './rule-fixture.js';

const PAGE = 25;
const vaultUrl = (i: number) => `https://kv-big-${String(i).padStart(2, '0')}.vault.azure.net`;
const nameOf = (i: number) => `s-${String(i).padStart(6, '0')}`;

/** Vaults of generated secrets; a page's items exist only once the report asks for that page. */
class LazySecretListing implements SecretListing {
  pagesProduced = 0;
  held = 0;
  peakHeld = 0;
  itemsHeld = 0;
  peakItemsHeld = 0;

  constructor(private readonly secretsPerVault: number) {}

  async *listSecrets(vault: string, options: ListSecretsOptions = {}): AsyncIterable<Page<ListedSecret>> {
    const start = options.continuationToken === undefined ? 0 : Number(/^lazy:(\d+)$/.exec(options.continuationToken)![1]);
    for (let at = start; at < this.secretsPerVault; at += PAGE) {
      const items = Array.from({ length: Math.min(PAGE, this.secretsPerVault - at) }, (_, i): ListedSecret => ({
        vaultUrl: vault,
        secretName: nameOf(at + i),
        enabled: true,
        createdOn: daysFromNow(-10),
        expiresOn: (at + i) % 10 === 0 ? daysFromNow(5) : daysFromNow(200),
        contentType: 'text/plain',
        tags: {},
      }));
      this.pagesProduced += 1;
      this.held += 1;
      this.peakHeld = Math.max(this.peakHeld, this.held);
      this.itemsHeld += items.length;
      this.peakItemsHeld = Math.max(this.peakItemsHeld, this.itemsHeld);
      try {
        yield { items, ...(at + PAGE < this.secretsPerVault ? { continuationToken: `lazy:${at + PAGE}` } : {}) };
      } finally {
        this.held -= 1;
        this.itemsHeld -= items.length;
      }
    }
  }

  async exists(): Promise<boolean> {
    throw new Error('the inventory never asks whether a secret exists');
  }

  async newestVersions(): Promise<never[]> {
    throw new Error('the inventory never lists versions');
  }
}

/** A policy for every 250th secret of the first vault, so the states and the audit are read too. */
function policiesFor(vault: string, secrets: number): StoredPolicy[] {
  return Array.from({ length: Math.floor(secrets / 250) }, (_, i) => {
    const name = nameOf(i * 250);
    return { policy: policyFrom({ id: `p-${name}`, vaultUrl: vault, secretName: name }), createdAt: NOW, updatedAt: NOW, etag: 'e' };
  });
}

function inventoryOver(listing: SecretListing): InventoryReport {
  return new InventoryReport({ listing, states: new InMemoryPolicyStateStore(), audit: new InMemoryAuditLog(), maxAttempts: 5 });
}

describe('the inventory over one vault of 25,000 secrets', () => {
  const secrets = 25_000;
  const allPages = secrets / PAGE;
  const scope = new GovernedScope(policiesFor(vaultUrl(0), secrets), [vaultUrl(0)], defaultComplianceSettings([]));

  it('reads 4 of 1,000 pages for a first page of 100, and 4 more to resume', async () => {
    // Arrange
    const listing = new LazySecretListing(secrets);
    const report = inventoryOver(listing);

    // Act
    const first = await report.page(scope, NOW, { pageSize: 100, summary: false });
    const afterFirst = listing.pagesProduced;
    const second = await report.page(scope, NOW, { pageSize: 100, summary: false, continuationToken: first.continuationToken! });

    // Assert
    expect(first.items.map((i) => i.name)).toEqual(Array.from({ length: 100 }, (_, i) => nameOf(i)));
    expect(afterFirst).toBe(100 / PAGE);
    expect(second.items[0]!.name).toBe(nameOf(100));
    expect(listing.pagesProduced - afterFirst).toBe(100 / PAGE);
    expect(listing.peakHeld).toBe(1);
  });

  it('makes its summary in one pass that holds one page at a time', async () => {
    // Arrange
    const listing = new LazySecretListing(secrets);

    // Act: the request the API serves by default: a first page with its summary
    const page = await inventoryOver(listing).page(scope, NOW, { pageSize: 100, summary: true });

    // Assert: every secret counted, each page made once for the summary (plus the first page's 4), never two at once
    expect(page.summary).toMatchObject({ secrets, managed: 100, unmanaged: secrets - 100, expiringWithin7Days: secrets / 10 });
    expect(listing.pagesProduced).toBe(100 / PAGE + allPages);
    expect(listing.peakHeld).toBe(1);
    expect(listing.peakItemsHeld).toBe(PAGE);
    expect(listing.held).toBe(0);
    expect(page.items).toHaveLength(100);
  });

  it('would be caught holding pages: a reader that keeps every page reaches the whole vault (the twin)', async () => {
    const listing = new LazySecretListing(secrets);
    const kept: AsyncIterator<Page<ListedSecret>>[] = [];
    // One iterator per page start, none of them let go: what a report that read ahead would do.
    for (let at = 0; at < 4 * PAGE; at += PAGE) {
      const iterator = listing.listSecrets(vaultUrl(0), at === 0 ? {} : { continuationToken: `lazy:${at}` })[Symbol.asyncIterator]();
      await iterator.next();
      kept.push(iterator);
    }
    expect(listing.peakHeld).toBe(4);
    expect(listing.peakItemsHeld).toBe(4 * PAGE);
  });
});

describe('the inventory over ten vaults of 2,500 secrets', () => {
  it(`holds at most one page per vault read at once (${VAULTS_READ_AT_ONCE})`, async () => {
    // Arrange
    const vaults = Array.from({ length: 10 }, (_, i) => vaultUrl(i));
    const listing = new LazySecretListing(2_500);
    const scope = new GovernedScope([], vaults, defaultComplianceSettings([]));

    // Act
    const page = await inventoryOver(listing).page(scope, NOW, { pageSize: 100, summary: true });

    // Assert
    expect(page.summary?.secrets).toBe(25_000);
    expect(listing.pagesProduced).toBe(100 / PAGE + 10 * (2_500 / PAGE));
    expect(listing.peakHeld).toBeLessThanOrEqual(VAULTS_READ_AT_ONCE);
    expect(listing.peakItemsHeld).toBeLessThanOrEqual(VAULTS_READ_AT_ONCE * PAGE);
    expect(listing.held).toBe(0);
  });
});
