/**
 * The reports read policy states with PolicyStateStore.getMany, in runs of the fleet's id order
 * that span fewer than STATE_RUN policies (what one page of the Table adapter's range query
 * reads), never one read per policy: statesOf itself, then the inventory and the drift report
 * (secrets and replicas) over a fleet of 2,500 policies with a store whose get() fails.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { keyvaultReplicaConsumer } from '../../../src/adapters/consumers/keyvault-replica-consumer.js';
import { ConsumerCatalog } from '../../../src/core/consumers/consumer-port.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import type { PolicyState, PolicyStateStore, StoredPolicy, VersionedPolicyState } from '../../../src/core/ports.js';
import { defaultComplianceSettings } from '../../../src/core/reports/compliance/parameters.js';
import { driftSections } from '../../../src/core/reports/drift/drift-sections.js';
import { FindingsReport } from '../../../src/core/reports/findings-report.js';
import { GovernedScope } from '../../../src/core/reports/governed-scope.js';
import { InventoryReport } from '../../../src/core/reports/inventory.js';
import { STATE_RUN, statesOf } from '../../../src/core/reports/policy-states.js';
import { InMemorySecretListing } from '../../support/fakes/in-memory-secret-listing.js';
import { InMemoryAuditLog, InMemoryPolicyStateStore } from '../../support/in-memory/index.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { NOW } from './rule-fixture.js';

const PRIMARY = 'https://kv-fleet.vault.azure.net';
const DR = 'https://kv-fleet-dr.vault.azure.net';
const FLEET = 2_500;
const catalog = new ConsumerCatalog([keyvaultReplicaConsumer({ get secrets(): never { throw new Error('not reached') }, config: { governedVaultUrls: [PRIMARY, DR] } })]);
const idOf = (i: number) => `p-${String(i).padStart(4, '0')}`;

/** The in-memory store, with get() refused and each getMany's span over the fleet's id order recorded. */
class MeteredStates implements PolicyStateStore {
  readonly inner = new InMemoryPolicyStateStore();
  /** Per getMany: the ids asked for, and how many of the fleet's ids lie from the lowest to the highest (what a range query reads). */
  readonly calls: { ids: number; span: number }[] = [];

  constructor(private readonly fleetIds: readonly string[]) {}

  get(policyId: string): Promise<VersionedPolicyState | undefined> {
    throw new Error(`read state of '${policyId}' alone`);
  }

  getMany(policyIds: readonly string[]): Promise<Map<string, VersionedPolicyState>> {
    const sorted = [...policyIds].sort();
    const span = this.fleetIds.filter((id) => id >= sorted[0]! && id <= sorted.at(-1)!).length;
    this.calls.push({ ids: policyIds.length, span });
    return this.inner.getMany(policyIds);
  }

  save(state: PolicyState, expectedEtag: string | undefined): Promise<VersionedPolicyState> {
    return this.inner.save(state, expectedEtag);
  }

  delete(policyId: string): Promise<void> {
    return this.inner.delete(policyId);
  }
}

let scope: GovernedScope;
let listing: InMemorySecretListing;
const fleetIds = Array.from({ length: FLEET }, (_, i) => idOf(i));

beforeAll(() => {
  const policies: StoredPolicy[] = fleetIds.map((id, i) => {
    const consumers = i % 10 === 0 ? { consumers: [{ kind: 'keyvault-replica', name: 'dr', vaultUrl: DR }] as never } : {};
    const policy = parsePolicy(aPolicyJson({ id, secretName: id, vaultUrl: PRIMARY, ...consumers }), catalog);
    return { policy, createdAt: NOW, updatedAt: NOW, etag: '1' };
  });
  scope = new GovernedScope(policies, [PRIMARY, DR], defaultComplianceSettings([]));
  listing = new InMemorySecretListing();
  for (const id of fleetIds) listing.add({ vaultUrl: PRIMARY, secretName: id, createdOn: NOW, expiresOn: new Date(NOW.getTime() + 60 * 86_400_000), contentType: 'text/plain' });
});

/** A state for every third policy; every seventh of those failing, every fourteenth parked. */
async function seededStates(): Promise<MeteredStates> {
  const states = new MeteredStates(fleetIds);
  for (let i = 0; i < FLEET; i += 3) {
    const failures = i % 42 === 0 ? 5 : i % 21 === 0 ? 1 : 0;
    await states.save({ policyId: idOf(i), consecutiveFailures: failures, lastRotationId: `r-${i}`, currentVersion: `v-${i}` }, undefined);
  }
  return states;
}

function expectRuns(states: MeteredStates): void {
  expect(states.calls.length).toBeGreaterThan(0);
  for (const call of states.calls) expect(call.span).toBeLessThanOrEqual(STATE_RUN);
}

describe('statesOf', () => {
  it('gives the state each policy has, none for a policy without one, in runs spanning at most STATE_RUN policies', async () => {
    // Arrange
    const states = await seededStates();
    const wanted = [idOf(2_499), idOf(0), idOf(1), idOf(3), idOf(998), idOf(999), idOf(1_000), idOf(1_998), idOf(2_400), idOf(0)];

    // Act
    const read = await statesOf(scope, states, wanted);

    // Assert
    expect([...read.keys()].sort()).toEqual([idOf(0), idOf(3), idOf(999), idOf(1_998), idOf(2_400), idOf(2_499)]);
    expect(read.get(idOf(999))).toMatchObject({ policyId: idOf(999), currentVersion: 'v-999' });
    expectRuns(states);
    expect(states.calls.map((call) => call.ids)).toEqual([5, 2, 2]);
  });

  it('reads policies far apart in one run each, never the states between them', async () => {
    // Arrange
    const states = await seededStates();

    // Act
    await statesOf(scope, states, [idOf(0), idOf(1_200), idOf(2_499)]);

    // Assert
    expect(states.calls).toEqual([
      { ids: 1, span: 1 },
      { ids: 1, span: 1 },
      { ids: 1, span: 1 },
    ]);
  });

  it('reads nothing for no policy', async () => {
    const states = await seededStates();
    expect((await statesOf(scope, states, [])).size).toBe(0);
    expect(states.calls).toEqual([]);
  });
});

describe(`the reports over ${FLEET} policies`, () => {
  it('the inventory reads its page and its summary in runs of getMany, and counts failing and parked policies', async () => {
    // Arrange
    const states = await seededStates();
    const inventory = new InventoryReport({ listing, states, audit: new InMemoryAuditLog(), maxAttempts: 5 });

    // Act
    const page = await inventory.page(scope, NOW, { pageSize: 1000, summary: true });

    // Assert
    expect(page.summary).toMatchObject({ policies: FLEET, parkedOrFailingPolicies: 120, parkedPolicies: 60 });
    expect(page.items.find((item) => item.name === idOf(21))).toMatchObject({ managedBy: idOf(21), policyStatus: 'failing' });
    expectRuns(states);
    // The page's 1,000 policies in one run; the summary's 2,500 in three.
    expect(states.calls.length).toBe(1 + 3);
  });

  it('the drift report reads the secrets\' and the replicas\' states in runs of getMany', async () => {
    // Arrange
    const states = await seededStates();
    const report = new FindingsReport(driftSections(listing, states, catalog));

    // Act
    const page = await report.page(scope, NOW, { pageSize: 1000, summary: true });

    // Assert
    expect(page.summary).toMatchObject({ examined: { policies: FLEET, secrets: FLEET, replicas: FLEET / 10 }, byRule: { 'drift.not-written-by-us': FLEET, 'drift.replica-behind': FLEET / 10 } });
    expectRuns(states);
    // The summary's pass: one run per listed page of secrets (25, as Key Vault lists them), one per batch of 100 policies for the replicas.
    expect(states.calls.length).toBe(FLEET / 25 + FLEET / 100);
  });
});
