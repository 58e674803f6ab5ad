import { describe, expect, it } from 'vitest';
import type { StoredPolicy } from '../../../src/core/ports.js';
import { defaultComplianceSettings } from '../../../src/core/reports/compliance/parameters.js';
import { CostReport, HOST_QUEUE_MAX_POLLING_SECONDS, MEASURED, MONTH_DAYS, rotationsPerMonth } from '../../../src/core/reports/cost/cost-report.js';
import { DEFAULT_COST_SETTINGS } from '../../../src/core/reports/cost/cost-settings.js';
import { executionsPerMonth } from '../../../src/core/reports/cost/schedule-rate.js';
import { EVENT_GRID_TOPIC_KIND, KEYVAULT_REPLICA_KIND, WEBHOOK_KIND } from '../../../src/core/reports/cost/rotation-units.js';
import { EVENT_GRID_TOPIC_KIND as ADAPTER_TOPIC_KIND } from '../../../src/adapters/consumers/event-grid-topic-consumer.js';
import { KEYVAULT_REPLICA_KIND as ADAPTER_REPLICA_KIND } from '../../../src/adapters/consumers/keyvault-replica-consumer.js';
import type { RotationPolicy } from '../../../src/core/policy/policy.js';
import { GovernedScope } from '../../../src/core/reports/governed-scope.js';

import { NOW, policyFrom } from './rule-fixture.js';

const A = 'https://kv-a.vault.azure.net';
const B = 'https://kv-b.vault.azure.net';
const stored = (overrides: Parameters<typeof policyFrom>[0]): StoredPolicy => ({ policy: policyFrom(overrides), createdAt: NOW, updatedAt: NOW, etag: 'e' });

describe('executionsPerMonth', () => {
  it.each([
    ['0 */5 * * * *', (MONTH_DAYS * 24 * 60) / 5],
    ['0 0 * * * *', MONTH_DAYS * 24],
    ['0 0 0 * * *', MONTH_DAYS],
    ['0 30 9 * * MON-FRI', (261 + 261 + 262 + 261) / 48],
    ['*/30 * * * * *', MONTH_DAYS * 24 * 60 * 2],
    ['0 0 0 1 1 *', 1 / 12],
    ['0 0 12 29 FEB *', 1 / 48],
    // 2024 to 2027 have 208 Sundays; 8, 11, 14 and 17 o'clock, twice an hour.
    ['0 0,30 8-17/3 * * 7', (208 * 2 * 4) / 48],
  ])('%s fires %d times a month', (expression, expected) => {
    expect(executionsPerMonth(expression)).toBeCloseTo(expected, 6);
  });

  it.each(['* * * * *', '0 61 * * * *', '0 */0 * * * *', 'a b c d e f'])('refuses %s', (expression) => {
    expect(() => executionsPerMonth(expression)).toThrow(RangeError);
  });
});

describe('rotationsPerMonth', () => {
  it('rotates at every, or at validFor minus the near-expiry window when that comes first', () => {
    expect(rotationsPerMonth(policyFrom({ rotation: { every: '30d', validFor: '120d' } }))).toBeCloseTo(MONTH_DAYS / 30, 9);
    expect(rotationsPerMonth(policyFrom({ rotation: { every: '90d', validFor: '100d' } }))).toBeCloseTo(MONTH_DAYS / 70, 9);
  });

  it('counts nothing for a disabled or a static policy', () => {
    expect(rotationsPerMonth(policyFrom({ enabled: false }))).toBe(0);
    expect(rotationsPerMonth(policyFrom({ generator: { kind: 'static' } }))).toBe(0);
  });
});

describe('CostReport', () => {
  const report = new CostReport({ prices: DEFAULT_COST_SETTINGS, scanSchedule: '0 */5 * * * *' });

  it('prices each vault line by line: quantity / per × unit price, each with its formula', () => {
    // Arrange: 30 policies rotating every 30 days in kv-a, none in kv-b.
    const policies = Array.from({ length: 30 }, (_, i) => stored({ id: `p${i}`, secretName: `p${i}`, vaultUrl: A, rotation: { every: '30d', validFor: '120d' } }));
    const scope = new GovernedScope(policies, [A, B], defaultComplianceSettings([]));

    // Act
    const answer = report.compute(scope);

    // Assert
    const [a, b] = answer.vaults;
    const rotations = 30 * (MONTH_DAYS / 30);
    expect(a!.rotationsPerMonth).toBeCloseTo(rotations, 3);
    const byItem = Object.fromEntries(a!.lines.map((l) => [l.item, l]));
    expect(byItem['Key Vault operations']!.quantity).toBeCloseTo(rotations * (MEASURED.keyVaultPerRotation + MEASURED.keyVaultPerOwnWriteEvent), 2);
    expect(byItem['Key Vault operations']!.monthlyCost).toBeCloseTo((rotations * 3 * 0.03) / 10_000, 6);
    expect(byItem['Table transactions']!.quantity).toBeCloseTo(rotations * (MEASURED.tablePerRotation + MEASURED.tablePerOwnWriteEvent), 2);
    // Each rotation is its own execution (rotateDuePolicy) and so is its own SecretNewVersionCreated.
    expect(byItem['Functions executions']!.quantity).toBeCloseTo(rotations * 2, 2);
    expect(byItem['Functions memory']).toMatchObject({ unit: 'GB-s', pricePer: 1, unitPrice: 0.000026 });
    expect(byItem['Functions memory']!.quantity).toBeCloseTo(rotations * 2 * 2, 2);
    expect(byItem['Queue transactions']).toMatchObject({ unit: 'transactions', pricePer: 10_000, unitPrice: 0.004 });
    expect(byItem['Queue transactions']!.quantity).toBeCloseTo(rotations * 3, 2);
    // RotationStarted and RotationSucceeded published, SecretNewVersionCreated published and delivered.
    expect(byItem['Event Grid operations']!.quantity).toBeCloseTo(rotations * 4, 2);
    expect(byItem['Event Grid operations']!.formula).not.toContain('CredentialRevoked');
    for (const l of a!.lines) expect(l.formula).toMatch(/rotations|executions/);
    expect(b).toMatchObject({ vault: 'kv-b', policies: 0, rotationsPerMonth: 0, monthlyCost: 0 });
    // The free Event Grid grant covers this whole deployment.
    const free = answer.shared.lines.find((l) => l.item === 'Event Grid free grant')!;
    expect(free.quantity).toBeCloseTo(-rotations * 4, 2);
    expect(answer.totalMonthlyCost).toBeCloseTo(a!.monthlyCost + answer.shared.monthlyCost, 6);
    expect(answer.totalMonthlyCost).toBeGreaterThan(0);
  });

  it('adds a read per consumer whose admin credential is in the vault', () => {
    const policy = policyFrom({ rotation: { every: '30d', validFor: '120d' } });
    const withConsumers = {
      ...policy,
      consumers: [{ admin: { secretName: 'admin-1' } }, { admin: { entra: true } }],
    } as unknown as typeof policy;
    const scope = new GovernedScope([{ policy: { ...withConsumers, vaultUrl: A }, createdAt: NOW, updatedAt: NOW, etag: 'e' }], [A], defaultComplianceSettings([]));
    const kv = report.compute(scope).vaults[0]!.lines[0]!;
    expect(kv.formula).toContain('consumer admin-secret reads');
    expect(kv.quantity).toBeCloseTo((MONTH_DAYS / 30) * 4, 3);
  });

  it("adds the applications' reads when they are given, one get per secret per read, and says they are not counted when not", () => {
    // Arrange
    const scope = new GovernedScope([stored({ id: 'p1', vaultUrl: A, rotation: { every: '30d', validFor: '120d' } }), stored({ id: 'p2', vaultUrl: A, rotation: { every: '30d', validFor: '120d' } })], [A], defaultComplianceSettings([]));

    // Act
    const without = report.compute(scope);
    const given = report.compute(scope, { applicationReadsPerSecretPerMonth: 720 });

    // Assert
    const kvWithout = without.vaults[0]!.lines.find((l) => l.item === 'Key Vault operations')!;
    const kvGiven = given.vaults[0]!.lines.find((l) => l.item === 'Key Vault operations')!;
    expect(kvWithout.formula).not.toContain('application reads');
    expect(kvGiven.quantity).toBeCloseTo(kvWithout.quantity + 2 * 720, 3);
    expect(kvGiven.formula).toContain('+ 1440 application reads (2 secrets × 720 a month, as given)');
    expect(without.assumptions.join(' ')).toContain("Applications' own reads of their secrets are not counted");
    expect(given.assumptions.join(' ')).toContain('720 times a month, as given');
    expect(given.totalMonthlyCost).toBeGreaterThan(without.totalMonthlyCost);
  });

  it('adds CredentialRevoked for each rotation of a policy whose strategy revokes', () => {
    const policy = policyFrom({ rotation: { every: '30d', validFor: '120d' } });
    const revoking = { ...policy, vaultUrl: A, strategy: { kind: 'multi-password', gracePeriod: '1h', maxDrainWait: '1h' } } as unknown as typeof policy;
    const scope = new GovernedScope([{ policy: revoking, createdAt: NOW, updatedAt: NOW, etag: 'e' }], [A], defaultComplianceSettings([]));
    const events = report.compute(scope).vaults[0]!.lines.find((l) => l.item === 'Event Grid operations')!;
    expect(events.formula).toContain('CredentialRevoked');
    expect(events.quantity).toBeCloseTo((MONTH_DAYS / 30) * 5, 3);
  });

  it("prices the host's polling of the empty queue for one instance all month", () => {
    const polling = report.compute(new GovernedScope([], [A], defaultComplianceSettings([]))).shared.lines.find((l) => l.item === 'Queue transactions (host polling)')!;
    expect(polling.quantity).toBeCloseTo((MONTH_DAYS * 86_400) / HOST_QUEUE_MAX_POLLING_SECONDS, 3);
    expect(polling.monthlyCost).toBeCloseTo((polling.quantity / 10_000) * 0.004, 6);
  });

  it('prices the scan from the schedule and the instance memory', () => {
    const answer = new CostReport({ prices: { ...DEFAULT_COST_SETTINGS, functionsInstanceMemoryMb: 4096 }, scanSchedule: '0 0 * * * *' }).compute(new GovernedScope([], [A], defaultComplianceSettings([])));
    expect(answer.shared.lines[0]!.quantity).toBeCloseTo(MONTH_DAYS * 24, 3);
    expect(answer.shared.lines[1]!.quantity).toBeCloseTo(MONTH_DAYS * 24 * 4, 3);
  });
});

describe('CostReport with consumers', () => {
  const report = new CostReport({ prices: DEFAULT_COST_SETTINGS, scanSchedule: '0 */5 * * * *' });
  const rotations = MONTH_DAYS / 30;
  const redis = { kind: 'redis', name: 'cache', host: '10.0.0.4', port: 6380, login: 'app', tls: true, admin: { secretName: 'cache-admin' } };
  const postgresql = { kind: 'postgresql', name: 'db', host: '10.0.0.5', port: 5432, database: 'orders', login: 'app', tls: true, admin: { secretName: 'db-admin' } };
  const replicaTo = (vaultUrl: string) => ({ kind: 'keyvault-replica', name: 'dr', vaultUrl });
  const topic = { kind: 'event-grid-topic', name: 'billing', endpoint: 'https://evgt-billing.westeurope-1.eventgrid.azure.net/api/events' };
  /** A policy with consumers, as the API stores it (parsePolicy here knows no consumer kinds). */
  const withConsumers = (consumers: unknown[], strategy?: Record<string, unknown>, vaultUrl = A): StoredPolicy => ({
    policy: { ...policyFrom({ rotation: { every: '30d', validFor: '120d' } }), vaultUrl, consumers, ...(strategy ? { strategy } : {}) } as unknown as RotationPolicy,
    createdAt: NOW,
    updatedAt: NOW,
    etag: 'e',
  });
  const lineOf = (answer: ReturnType<CostReport['compute']>, vault: string, item: string) => answer.vaults.find((v) => v.vault === vault)!.lines.find((l) => l.item === item)!;

  it("names the consumer kinds it prices by the adapters' own names", () => {
    expect(KEYVAULT_REPLICA_KIND).toBe(ADAPTER_REPLICA_KIND);
    expect(EVENT_GRID_TOPIC_KIND).toBe(ADAPTER_TOPIC_KIND);
    expect(WEBHOOK_KIND).toBe('webhook');
  });

  it("charges a replica's copy to the replica's vault, and its events and audit to the policy's", () => {
    // Arrange: one policy in kv-a with a replica in kv-b, which holds no policy and is not in GOVERNED_VAULT_URLS.
    const scope = new GovernedScope([withConsumers([replicaTo(B)])], [A], defaultComplianceSettings([]));

    // Act
    const answer = report.compute(scope);

    // Assert
    expect(answer.vaults.map((v) => v.vault)).toEqual(['kv-a', 'kv-b']);
    const replicaKv = lineOf(answer, 'kv-b', 'Key Vault operations');
    expect(replicaKv.quantity).toBeCloseTo(rotations * MEASURED.replicaVaultPerCopy, 3);
    expect(replicaKv.formula).toContain('replica copies of secrets of this or other vaults (4 each');
    const ownKv = lineOf(answer, 'kv-a', 'Key Vault operations');
    expect(ownKv.quantity).toBeCloseTo(rotations * (3 + MEASURED.keyVaultPerDelivery + MEASURED.keyVaultPerValueCarried), 3);
    expect(ownKv.formula).toContain("its replicas' 4.058 operations in other vaults are charged there");
    // The switch and the delivery audited (4 records: the switch's two, the delivery's, the follower's), one step saved besides the switch.
    expect(lineOf(answer, 'kv-a', 'Table transactions').quantity).toBeCloseTo(rotations * (20 + 4 * MEASURED.tablePerAuditRecord + MEASURED.tablePerStepSave + MEASURED.tablePerReplicaWriteEvent), 3);
    // The replica's SecretNewVersionCreated: published and delivered, and an execution of onKeyVaultEvent.
    expect(lineOf(answer, 'kv-a', 'Event Grid operations').quantity).toBeCloseTo(rotations * (4 + 2), 3);
    expect(lineOf(answer, 'kv-a', 'Functions executions').quantity).toBeCloseTo(rotations * 3, 3);
  });

  it("prices a topic follower's event on the Event Grid line", () => {
    const answer = report.compute(new GovernedScope([withConsumers([topic])], [A], defaultComplianceSettings([])));
    const events = lineOf(answer, 'kv-a', 'Event Grid operations');
    expect(events.quantity).toBeCloseTo(rotations * (4 + MEASURED.eventsPerTopicFollower), 3);
    expect(events.formula).toContain('VersionSwitched published to follower topics');
  });

  it('checks a multi-password drain at each scan of its grace period and once more, each a message and an execution', () => {
    // Arrange: a 1-hour grace period, a scan every 5 minutes: 12 checks that wait and the one that ends it.
    const scope = new GovernedScope([withConsumers([redis], { kind: 'multi-password', gracePeriod: '1h', maxDrainWait: '1h' })], [A], defaultComplianceSettings([]));

    // Act
    const answer = report.compute(scope);

    // Assert
    const checks = 13;
    expect(lineOf(answer, 'kv-a', 'Queue transactions').quantity).toBeCloseTo(rotations * (MEASURED.queuePerRotation + checks * MEASURED.queuePerDrainCheck), 3);
    expect(lineOf(answer, 'kv-a', 'Functions executions').quantity).toBeCloseTo(rotations * (2 + checks), 3);
    // Five steps besides the claim; the consumer recorded at each but the switch; the drain's wait and its 12 rechecks.
    const table = 20 + (2 + 4 + 4) * MEASURED.tablePerAuditRecord + 4 * MEASURED.tablePerStepSave + MEASURED.tablePerDrainWait + 12 * MEASURED.tablePerDrainRecheck;
    expect(lineOf(answer, 'kv-a', 'Table transactions').quantity).toBeCloseTo(rotations * table, 3);
    // The strategy's reads, and the admin secret once in the pass and once each check.
    expect(lineOf(answer, 'kv-a', 'Key Vault operations').quantity).toBeCloseTo(rotations * (3 + MEASURED.keyVaultPerStrategyRotation + (1 + checks)), 3);
    expect(answer.assumptions.join(' ')).toContain('whichever is longer: 300 s');
  });

  it('checks no drain for alternating-users, which drains the idle login before its switch', () => {
    const answer = report.compute(new GovernedScope([withConsumers([postgresql], { kind: 'alternating-users', gracePeriod: '1h', maxDrainWait: '1h' })], [A], defaultComplianceSettings([])));
    expect(lineOf(answer, 'kv-a', 'Queue transactions').quantity).toBeCloseTo(rotations * MEASURED.queuePerRotation, 3);
    expect(lineOf(answer, 'kv-a', 'Queue transactions').formula).not.toContain('drain');
  });

  it('spaces drain checks by DRAIN_CHECK_INTERVAL_SECONDS when it is longer than the scan interval', () => {
    const scope = new GovernedScope([withConsumers([redis], { kind: 'multi-password', gracePeriod: '1h', maxDrainWait: '1h' })], [A], defaultComplianceSettings([]));
    const answer = new CostReport({ prices: DEFAULT_COST_SETTINGS, scanSchedule: '0 */5 * * * *', drainCheckIntervalInMs: 600_000 }).compute(scope);
    expect(lineOf(answer, 'kv-a', 'Functions executions').quantity).toBeCloseTo(rotations * (2 + 7), 3);
  });
});

