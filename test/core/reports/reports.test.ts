/** The reports over in-memory ports: paging by cursor, summaries, environments, inventory counts, tokens. */
import { NO_CONSUMER_KINDS } from '../../../src/core/consumers/consumer-port.js';
import { describe, expect, it } from 'vitest';
import type { PolicyState, StoredPolicy } from '../../../src/core/ports.js';
import { complianceSections } from '../../../src/core/reports/compliance/compliance-sections.js';
import { defaultComplianceSettings, parametersFor } from '../../../src/core/reports/compliance/parameters.js';
import { driftSections } from '../../../src/core/reports/drift/drift-sections.js';
import { FindingsReport } from '../../../src/core/reports/findings-report.js';
import { GovernedScope } from '../../../src/core/reports/governed-scope.js';
import { InventoryReport } from '../../../src/core/reports/inventory.js';
import { readSecrets } from '../../../src/core/reports/vault-secrets.js';
import { ValidationError } from '../../../src/core/errors.js';
import { InMemorySecretListing } from '../../support/fakes/in-memory-secret-listing.js';
import { InMemoryAuditLog, InMemoryPolicyStateStore } from '../../support/in-memory/index.js';

import { daysFromNow, NOW, policyFrom } from './rule-fixture.js';

const A = 'https://kv-a.vault.azure.net';
const B = 'https://kv-b.vault.azure.net';
const settings = defaultComplianceSettings(['staging', 'production']);

function stored(overrides: Parameters<typeof policyFrom>[0]): StoredPolicy {
  return { policy: policyFrom(overrides), createdAt: NOW, updatedAt: NOW, etag: 'e' };
}

function listingOf(counts: Record<string, number>): InMemorySecretListing {
  const listing = new InMemorySecretListing();
  for (const [vault, count] of Object.entries(counts)) {
    for (let i = 0; i < count; i++) listing.add({ vaultUrl: vault, secretName: `s-${String(i).padStart(4, '0')}`, createdOn: daysFromNow(-1), expiresOn: daysFromNow(100), contentType: 'text/plain' });
  }
  return listing;
}

describe('readSecrets', () => {
  it('reads every secret of every vault exactly once, whatever the page size, resuming mid-page', async () => {
    // Arrange
    const listing = listingOf({ [A]: 60, [B]: 7 });
    const vaults = [A, B];

    for (const size of [1, 7, 24, 25, 26, 50, 67, 1000]) {
      // Act
      const seen: string[] = [];
      let cursor: Awaited<ReturnType<typeof readSecrets>>['next'];
      let pages = 0;
      do {
        const page = await readSecrets(listing, vaults, cursor, size);
        expect(page.secrets.length).toBeLessThanOrEqual(size);
        seen.push(...page.secrets.map((s) => `${s.vaultUrl}/${s.secretName}`));
        cursor = page.next;
        pages += 1;
      } while (cursor);

      // Assert
      expect(new Set(seen).size).toBe(67);
      expect(seen).toHaveLength(67);
      expect(pages).toBeLessThanOrEqual(Math.ceil(67 / size) + 1);
    }
  });

  it('starts the next vault when the cursor names a vault no longer governed', async () => {
    const page = await readSecrets(listingOf({ [B]: 2 }), [B], { vault: 'https://kv-0.vault.azure.net', page: 'fake:x:25', skip: 3 }, 10);
    expect(page.secrets.map((s) => s.secretName)).toEqual(['s-0000', 's-0001']);
  });

  it('reads one Key Vault page per 25 secrets', async () => {
    const listing = listingOf({ [A]: 100 });
    await readSecrets(listing, [A], undefined, 100);
    expect(listing.calls).toBe(4);
  });
});

describe('GovernedScope', () => {
  it('governs the configured vaults and every vault a policy names, sorted and lower-case', () => {
    const scope = new GovernedScope([stored({ vaultUrl: 'https://KV-C.vault.azure.net' })], [B, A], settings);
    expect(scope.vaults).toEqual([A, B, 'https://kv-c.vault.azure.net']);
  });

  it("gives a vault a protected environment if any policy's is, else the most common, and a secret its policy's, tag's or vault's", () => {
    // Arrange
    const scope = new GovernedScope(
      [
        stored({ id: 'a1', vaultUrl: A, secretName: 'a1', environment: 'dev' }),
        stored({ id: 'a2', vaultUrl: A, secretName: 'a2', environment: 'dev' }),
        stored({ id: 'a3', vaultUrl: A, secretName: 'a3', environment: 'test' }),
        stored({ id: 'b1', vaultUrl: B, secretName: 'b1', environment: 'dev' }),
        stored({ id: 'b2', vaultUrl: B, secretName: 'b2', environment: 'Production' }),
      ],
      [],
      settings,
    );

    // Assert
    expect(scope.vaultEnvironment(A)).toBe('dev');
    expect(scope.vaultEnvironment(B)).toBe('production');
    expect(scope.secretEnvironment({ vaultUrl: A, secretName: 'A3', tags: {} })).toBe('test');
    expect(scope.secretEnvironment({ vaultUrl: A, secretName: 'loose', tags: {} })).toBe('dev');
    expect(scope.secretEnvironment({ vaultUrl: A, secretName: 'loose', tags: { Environment: 'staging' } })).toBe('staging');
    // A tag cannot take a secret out of a production vault.
    expect(scope.secretEnvironment({ vaultUrl: B, secretName: 'loose', tags: { environment: 'dev' } })).toBe('production');
    expect(scope.secretEnvironment({ vaultUrl: 'https://kv-z.vault.azure.net', secretName: 'x', tags: {} })).toBeUndefined();
  });
});

describe('parametersFor', () => {
  it('applies defaults, then protected defaults, then the environment own overrides', () => {
    const custom = { ...settings, environments: { production: { maxActiveDays: 30 }, dev: { maxValidityDays: 730 } } };
    expect(parametersFor(custom, undefined)).toEqual({ maxValidityDays: 365, minDaysBeforeExpiry: 30, maxActiveDays: 90, minPasswordLength: 0 });
    expect(parametersFor(custom, ' Production ')).toEqual({ maxValidityDays: 90, minDaysBeforeExpiry: 30, maxActiveDays: 30, minPasswordLength: 24 });
    expect(parametersFor(custom, 'DEV').maxValidityDays).toBe(730);
  });
});

describe('FindingsReport', () => {
  const policies = [stored({ id: 'p-bad', vaultUrl: A, secretName: 'p-bad', rotation: { every: '80d', validFor: '100d' } }), stored({ id: 'p-good', vaultUrl: A, secretName: 'p-good', rotation: { every: '60d', validFor: '100d' } })];

  function seededListing(): InMemorySecretListing {
    const listing = new InMemorySecretListing();
    for (let i = 0; i < 30; i++) listing.add({ vaultUrl: A, secretName: `ok-${String(i).padStart(2, '0')}`, createdOn: daysFromNow(-1), expiresOn: daysFromNow(100), contentType: 'text/plain' });
    listing.add({ vaultUrl: A, secretName: 'no-expiry', createdOn: daysFromNow(-1), contentType: 'text/plain' });
    listing.add({ vaultUrl: B, secretName: 'no-type', createdOn: daysFromNow(-1), expiresOn: daysFromNow(100) });
    return listing;
  }

  it('pages over policies then secrets: the same findings at every page size, a summary that counts them all', async () => {
    // Arrange
    const report = new FindingsReport(complianceSections(seededListing(), NO_CONSUMER_KINDS));
    const scope = new GovernedScope(policies, [A, B], settings);

    for (const pageSize of [1, 2, 3, 31, 1000]) {
      // Act
      const found: string[] = [];
      let token: string | undefined;
      let first;
      do {
        const page = await report.page(scope, NOW, { pageSize, summary: token === undefined, ...(token ? { continuationToken: token } : {}) });
        first ??= page;
        expect(page.examined).toBeLessThanOrEqual(pageSize);
        found.push(...page.items.map((f) => `${f.rule} ${f.object}`));
        token = page.continuationToken;
      } while (token);

      // Assert
      expect(found.sort()).toEqual(['policy.rotation-margin p-bad', 'secret.content-type kv-b/no-type', 'secret.expiry-required kv-a/no-expiry']);
      expect(first!.summary).toMatchObject({ examined: { policies: 2, secrets: 32 }, findings: 3, bySeverity: { high: 1, medium: 1, low: 1 } });
      expect(first!.summary!.byRule['secret.expired']).toBe(0);
    }
  });

  it('refuses a token of another report, or one not of ours, naming continuationToken', async () => {
    const report = new FindingsReport(complianceSections(seededListing(), NO_CONSUMER_KINDS));
    const scope = new GovernedScope(policies, [A, B], settings);
    const tokens = [Buffer.from(JSON.stringify({ section: 'vaults' })).toString('base64url'), Buffer.from(JSON.stringify({ section: 'secrets', cursor: { vault: A, skip: -1 } })).toString('base64url'), 'x'.repeat(9000), '!!', Buffer.from('[').toString('base64url')];
    for (const continuationToken of tokens) {
      const refusal = await report.page(scope, NOW, { pageSize: 10, summary: false, continuationToken }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ValidationError);
      expect((refusal as ValidationError).details[0]?.path).toBe('continuationToken');
    }
  });

  it('refuses two rules with one id, and two sections with one name', () => {
    const listing = seededListing();
    expect(() => new FindingsReport([...complianceSections(listing, NO_CONSUMER_KINDS), ...complianceSections(listing, NO_CONSUMER_KINDS)])).toThrow(/share the id/);
  });

  it("drift checks each policy's secret once, then lists each vault once", async () => {
    // Arrange
    const listing = seededListing();
    const states = new InMemoryPolicyStateStore();
    const report = new FindingsReport(driftSections(listing, states));
    const scope = new GovernedScope(policies, [A, B], settings);

    // Act
    const page = await report.page(scope, NOW, { pageSize: 1000, summary: false });

    // Assert
    expect(page.items.map((f) => `${f.rule} ${f.object}`).sort()).toEqual(['drift.secret-missing p-bad', 'drift.secret-missing p-good']);
    // Two existence checks, then the listing: two pages of kv-a's 31 secrets and one of kv-b's.
    expect(listing.calls).toBe(2 + 3);
  });
});

describe('InventoryReport', () => {
  it('counts each summary figure at its boundary, and each failing or parked policy', async () => {
    // Arrange
    const listing = new InMemorySecretListing();
    const add = (secretName: string, extra: object) => listing.add({ vaultUrl: A, secretName, createdOn: daysFromNow(-1), contentType: 'text/plain', ...extra });
    add('no-expiry', {});
    add('expired-now', { expiresOn: NOW });
    add('in-7', { expiresOn: daysFromNow(7) });
    add('in-7.1', { expiresOn: daysFromNow(7.1) });
    add('in-30', { expiresOn: daysFromNow(30) });
    add('in-31', { expiresOn: daysFromNow(31) });
    add('old', { expiresOn: daysFromNow(100), createdOn: daysFromNow(-91) });
    add('disabled', { expiresOn: daysFromNow(100), enabled: false });
    add('managed', { expiresOn: daysFromNow(100) });
    const states = new InMemoryPolicyStateStore();
    const failing: PolicyState = { policyId: 'managed', consecutiveFailures: 2, lastResult: 'failed', lastRotatedAt: daysFromNow(-1) };
    await states.save(failing, undefined);
    await states.save({ policyId: 'parked', consecutiveFailures: 5 }, undefined);
    const scope = new GovernedScope([stored({ id: 'managed', vaultUrl: A, secretName: 'managed' }), stored({ id: 'parked', vaultUrl: A, secretName: 'parked' })], [A], settings);
    const inventory = new InventoryReport({ listing, states, audit: new InMemoryAuditLog(), maxAttempts: 5 });

    // Act
    const page = await inventory.page(scope, NOW, { pageSize: 100, summary: true });

    // Assert
    expect(page.summary).toEqual({
      vaults: 1,
      secrets: 9,
      managed: 1,
      replicas: 0,
      unmanaged: 8,
      disabled: 1,
      noExpiry: 1,
      expired: 1,
      expiringWithin30Days: 3,
      expiringWithin7Days: 1,
      olderThanMaxAge: 1,
      policies: 2,
      parkedOrFailingPolicies: 2,
      parkedPolicies: 1,
    });
    expect(page.items.find((i) => i.name === 'managed')).toMatchObject({ managedBy: 'managed', policyStatus: 'failing', lastRotation: { result: 'failed' }, outOfBandVersions: 0 });
    expect(page.items.find((i) => i.name === 'in-7')).toMatchObject({ daysLeft: 7, managedBy: null, outOfBandVersions: null });
  });
});
