import { describe, expect, it } from 'vitest';
import { keyvaultReplicaConsumer } from '../../../src/adapters/consumers/keyvault-replica-consumer.js';
import { ConsumerCatalog } from '../../../src/core/consumers/consumer-port.js';
import { InventoryReport } from '../../../src/core/reports/inventory.js';
import type { PolicyState, SecretVersionInfo } from '../../../src/core/ports.js';
import { taggedWithoutPolicy } from '../../../src/core/reports/drift/drift-rules.js';
import { driftSections } from '../../../src/core/reports/drift/drift-sections.js';
import { complianceSections } from '../../../src/core/reports/compliance/compliance-sections.js';
import { replicaBehind, type ReplicaSubject } from '../../../src/core/reports/drift/replica-drift.js';
import { defaultComplianceSettings } from '../../../src/core/reports/compliance/parameters.js';
import { FindingsReport } from '../../../src/core/reports/findings-report.js';
import { GovernedScope } from '../../../src/core/reports/governed-scope.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { InMemorySecretListing } from '../../support/fakes/in-memory-secret-listing.js';
import { InMemoryAuditLog, InMemoryPolicyStateStore } from '../../support/in-memory/index.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { aListedSecret, context, NOW } from './rule-fixture.js';

const PRIMARY = 'https://kv-payments-prod.vault.azure.net';
const DR = 'https://kv-payments-dr.vault.azure.net';
/** The kind as the app registers it; these tests never deliver, so it reaches nothing. */
const catalog = new ConsumerCatalog([keyvaultReplicaConsumer({ get secrets(): never { throw new Error('not reached') }, config: { governedVaultUrls: [PRIMARY, DR] } })]);
const policy = parsePolicy(aPolicyJson({ id: 'payments', secretName: 'payments', consumers: [{ kind: 'keyvault-replica', name: 'dr', vaultUrl: DR }] as never }), catalog);
const ours = (rotationId: string) => ({ 'managed-by': 'kv-rotation', 'rotation-policy-id': 'payments', 'rotation-id': rotationId });

function version(vaultUrl: string, rotationId: string | undefined, id = `v-${rotationId ?? 'hand'}`): SecretVersionInfo {
  return { vaultUrl, secretName: 'payments', version: id, enabled: true, tags: rotationId ? ours(rotationId) : {} };
}

function subject(primary: string | undefined, held: string | undefined | null, state?: PolicyState): ReplicaSubject {
  return {
    policy,
    follower: { name: 'dr', kind: 'keyvault-replica' },
    replica: { vaultUrl: DR, secretName: 'payments' },
    primary: version(PRIMARY, primary),
    ...(held !== null ? { held: version(DR, held) } : {}),
    ...(state ? { state } : {}),
  };
}

describe('drift.replica-behind', () => {
  it('finds nothing when the replica carries the rotation id of the primary', () => {
    expect(replicaBehind.check(subject('r-2', 'r-2'), context())).toBeUndefined();
  });

  it.each([
    ['an older rotation', 'r-2', 'r-1', "carries rotation 'r-1'", "the primary's current version 'v-r-2' carries rotation 'r-2'"],
    ['a version written by hand on the replica', 'r-2', undefined, 'carries no rotation-id tag', "carries rotation 'r-2'"],
    ['a version written by hand on the primary', undefined, 'r-2', "carries rotation 'r-2'", 'no rotation-id tag (it was written outside this app)'],
    ['no replica at all', 'r-2', null, 'it does not exist', "carries rotation 'r-2'"],
  ])('flags %s, naming the replica and both versions', (_what, primary, held, replicaPart, primaryPart) => {
    // Act
    const violation = replicaBehind.check(subject(primary, held), context());

    // Assert
    expect(violation?.message).toContain(`replica 'dr' (payments in ${DR}) is behind the primary`);
    expect(violation?.message).toContain(replicaPart);
    expect(violation?.message).toContain(primaryPart);
    expect(violation?.fix).toContain('POST /api/policies/payments/rotate');
  });

  it('says a rotation still delivering is what to wait for, with its last error', () => {
    const state: PolicyState = { policyId: 'payments', consecutiveFailures: 1, lastError: 'FollowersNotConfirmed: dr answered 403', active: { rotationId: 'r-2' } as PolicyState['active'] };
    const violation = replicaBehind.check(subject('r-2', 'r-1', state), context());
    expect(violation?.message).toContain("rotation 'r-2' is still running");
    expect(violation?.message).toContain('dr answered 403');
    expect(violation?.fix).toContain("let rotation 'r-2' finish");
  });

  it('leaves a primary that does not exist to drift.secret-missing', () => {
    const { primary: _primary, ...withoutPrimary } = subject('r-2', 'r-1');
    expect(replicaBehind.check(withoutPrimary, context())).toBeUndefined();
  });
});

describe('the drift report with replicas', () => {
  const scope = new GovernedScope([{ policy, createdAt: NOW, updatedAt: NOW, etag: '1' }], [PRIMARY, DR], defaultComplianceSettings([]));

  it('compares each replica with its primary, and does not take the replica for a secret tagged without a policy', async () => {
    // Arrange
    const listing = new InMemorySecretListing();
    listing.add({ vaultUrl: PRIMARY, secretName: 'payments', tags: ours('r-2') });
    listing.add({ vaultUrl: DR, secretName: 'payments', tags: ours('r-1') });
    const states = new InMemoryPolicyStateStore();
    await states.save({ policyId: 'payments', consecutiveFailures: 0, lastRotationId: 'r-2' }, undefined);
    const report = new FindingsReport(driftSections(listing, states, catalog));

    // Act
    const page = await report.page(scope, NOW, { pageSize: 1000, summary: true });

    // Assert
    expect(page.items.filter((f) => f.rule === 'drift.replica-behind' || f.rule === 'drift.tagged-without-policy')).toEqual([
      expect.objectContaining({ rule: 'drift.replica-behind', severity: 'high', object: 'kv-payments-dr/payments', policyId: 'payments' }),
    ]);
  });

  /** Versions written in the same second: Key Vault's whole-second times cannot say which is current. */
  class TiedListing extends InMemorySecretListing {
    constructor(private readonly tied: Map<string, SecretVersionInfo[]>) {
      super();
    }

    override async newestVersions(ref: { vaultUrl: string; secretName: string }): Promise<SecretVersionInfo[]> {
      return this.tied.get(ref.vaultUrl) ?? [];
    }
  }

  it.each([
    ['two rotations in one second, both copied', [version(PRIMARY, 'r-1'), version(PRIMARY, 'r-2')], [version(DR, 'r-1'), version(DR, 'r-2')], false],
    ['a version written by hand in the second of a rotation', [version(PRIMARY, 'r-2'), version(PRIMARY, undefined)], [version(DR, 'r-2')], true],
    ['two rotations in one second, one copied', [version(PRIMARY, 'r-1'), version(PRIMARY, 'r-2')], [version(DR, 'r-1')], true],
    ['two rotations in one second, the later copied in the next second', [version(PRIMARY, 'r-1'), version(PRIMARY, 'r-2')], [version(DR, 'r-2')], false],
    ['two rotations in one second, the later copied, and a version written by hand in that second', [version(PRIMARY, 'r-1'), version(PRIMARY, 'r-2'), version(PRIMARY, undefined)], [version(DR, 'r-2')], true],
  ])('with versions tied in one second: %s', async (_what, primaries, replicas, behind) => {
    // Arrange
    const listing = new TiedListing(new Map([[PRIMARY, primaries], [DR, replicas]]));
    const states = new InMemoryPolicyStateStore();
    await states.save({ policyId: 'payments', consecutiveFailures: 0, currentVersion: 'v-r-2', lastRotationId: 'r-2' }, undefined);

    // Act
    const page = await new FindingsReport(driftSections(listing, states, catalog)).page(scope, NOW, { pageSize: 1000, summary: false });

    // Assert
    expect(page.items.some((f) => f.rule === 'drift.replica-behind')).toBe(behind);
  });

  it('without the catalog, compares no replica (nothing says which followers write one)', async () => {
    const listing = new InMemorySecretListing();
    listing.add({ vaultUrl: PRIMARY, secretName: 'payments', tags: ours('r-2') });
    const page = await new FindingsReport(driftSections(listing, new InMemoryPolicyStateStore())).page(scope, NOW, { pageSize: 1000, summary: false });
    expect(page.items.some((f) => f.rule === 'drift.replica-behind')).toBe(false);
  });

  it('drift.tagged-without-policy still flags a tagged secret that is nobody replica', () => {
    expect(taggedWithoutPolicy.check({ secret: aListedSecret({ tags: ours('r-1') }) }, context())).toBeDefined();
    expect(taggedWithoutPolicy.check({ secret: aListedSecret({ tags: ours('r-1') }), replicaOf: policy }, context())).toBeUndefined();
  });
});

describe('the compliance report with replicas', () => {
  // Both vaults production: the DR vault also holds a production policy of its own, as with replication both ways.
  const own = parsePolicy(aPolicyJson({ id: 'dr-own', vaultUrl: DR, secretName: 'dr-own', environment: 'production' }), catalog);
  const production = parsePolicy({ ...aPolicyJson({ id: 'payments', secretName: 'payments', environment: 'production' }), consumers: [{ kind: 'keyvault-replica', name: 'dr', vaultUrl: DR }] }, catalog);
  const stored = (p: typeof production) => ({ policy: p, createdAt: NOW, updatedAt: NOW, etag: '1' });
  const listingWith = (replicaName: string) => {
    const listing = new InMemorySecretListing();
    listing.add({ vaultUrl: PRIMARY, secretName: 'payments', tags: ours('r-1'), contentType: 'text/plain', expiresOn: new Date(NOW.getTime() + 60 * 86_400_000) });
    listing.add({ vaultUrl: DR, secretName: 'dr-own', contentType: 'text/plain', expiresOn: new Date(NOW.getTime() + 60 * 86_400_000) });
    listing.add({ vaultUrl: DR, secretName: replicaName, tags: ours('r-1'), contentType: 'text/plain', expiresOn: new Date(NOW.getTime() + 60 * 86_400_000) });
    return listing;
  };
  const protectedFindings = async (replicaName: string) => {
    const scope = new GovernedScope([stored(production), stored(own)], [PRIMARY, DR], defaultComplianceSettings(['production']));
    const page = await new FindingsReport(complianceSections(listingWith(replicaName), catalog)).page(scope, NOW, { pageSize: 1000, summary: false });
    return page.items.filter((f) => f.rule === 'secret.protected-has-policy').map((f) => f.object);
  };

  it('does not take a replica in a protected vault for a secret without a policy: its policy governs it through the primary', async () => {
    expect(await protectedFindings('payments')).toEqual([]);
  });

  it('still flags a secret beside it that no policy governs or replicates to (refusal twin)', async () => {
    expect(await protectedFindings('stray')).toEqual(['kv-payments-dr/stray']);
  });
});

describe('the inventory with replicas', () => {
  const production = parsePolicy({ ...aPolicyJson({ id: 'payments', secretName: 'payments', environment: 'production' }), consumers: [{ kind: 'keyvault-replica', name: 'dr', vaultUrl: DR }] }, catalog);
  const scope = new GovernedScope([{ policy: production, createdAt: NOW, updatedAt: NOW, etag: '1' }], [PRIMARY, DR], defaultComplianceSettings(['production']));
  const listing = new InMemorySecretListing();
  listing.add({ vaultUrl: PRIMARY, secretName: 'payments', tags: ours('r-1') });
  listing.add({ vaultUrl: DR, secretName: 'payments', tags: ours('r-1') });
  listing.add({ vaultUrl: DR, secretName: 'stray' });
  const inventoryWith = (kinds: ConsumerCatalog | undefined) =>
    new InventoryReport({ listing, states: new InMemoryPolicyStateStore(), audit: new InMemoryAuditLog(), maxAttempts: 5, ...(kinds ? { catalog: kinds } : {}) }).page(scope, NOW, { pageSize: 100, summary: true });

  it('names the policy a replica belongs to, holds it to that policy\'s environment, and counts it apart from the unmanaged', async () => {
    const page = await inventoryWith(catalog);
    const byName = (vault: string, name: string) => page.items.find((item) => item.vault === vault && item.name === name);
    expect(byName('kv-payments-dr', 'payments')).toMatchObject({ managedBy: null, replicaOf: 'payments', environment: 'production' });
    expect(byName('kv-payments-dr', 'stray')).toMatchObject({ managedBy: null, replicaOf: null });
    expect(byName('kv-payments-prod', 'payments')).toMatchObject({ managedBy: 'payments', replicaOf: null });
    expect(page.summary).toMatchObject({ secrets: 3, managed: 1, replicas: 1, unmanaged: 1 });
  });

  it('without the consumer kinds, the same copy is unmanaged (refusal twin)', async () => {
    const page = await inventoryWith(undefined);
    expect(page.summary).toMatchObject({ secrets: 3, managed: 1, replicas: 0, unmanaged: 2 });
  });
});
