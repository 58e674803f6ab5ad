import { describe, expect, it } from 'vitest';
import type { StoredPolicy } from '../../../src/core/ports.js';
import { defaultComplianceSettings } from '../../../src/core/reports/compliance/parameters.js';
import { CostReport, HOST_QUEUE_MAX_POLLING_SECONDS, MEASURED, MONTH_DAYS, rotationsPerMonth } from '../../../src/core/reports/cost/cost-report.js';
import { DEFAULT_COST_SETTINGS } from '../../../src/core/reports/cost/cost-settings.js';
import { executionsPerMonth } from '../../../src/core/reports/cost/schedule-rate.js';
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
