/**
 * The rate governor in the real Key Vault clients, under 429 storms the emulator injects:
 * the rotation engine over the real KeyVaultSecretStore rotates every policy exactly once
 * (none fails), the governor slows down on the 429s and comes back once they stop. And with
 * the emulator's own throttling, two instances sharing a vault both slow down and still lose
 * no rotation. Correctness only: counts and versions, never durations.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAzureClientFactory, type AzureClientFactory } from '../../../src/adapters/azure-clients.js';
import { KeyVaultSecretStore } from '../../../src/adapters/keyvault/key-vault-secret-store.js';
import { KeyVaultRateGovernor } from '../../../src/adapters/keyvault/rate-governor.js';
import { systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { RotationEngine } from '../../../src/core/rotation/rotation-engine.js';
import type { RotationOutcome } from '../../../src/core/rotation/rotation-outcome.js';
import { EmulatorAdminClient, startKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/options.js';
import { createInMemoryAdapters } from '../../support/in-memory/index.js';
import { localConfig, uniqueName } from '../../support/local-stand-ins.js';
import { aPolicy } from '../../support/policy-mother.js';
import type { RotationPolicy } from '../../../src/core/policy/policy.js';

/** One instance of the app: its own clients and governor, the shared tables (here in memory). */
function instanceOver(emulator: RunningKeyVaultEmulator, tables: ReturnType<typeof createInMemoryAdapters>, governor: KeyVaultRateGovernor, throttlingRetry = { baseDelayInMs: 5, maxDelayInMs: 20 }) {
  const config = localConfig({ keyVaultEmulator: { caCertPath: emulator.caCertPath, address: emulator.host } });
  const clients: AzureClientFactory = createAzureClientFactory(config, { throttlingRetry, rateGovernor: governor });
  const engine = new RotationEngine({
    ...tables,
    secrets: new KeyVaultSecretStore(clients),
    clock: systemClock,
    newId: randomUUID,
    logger: silentLogger,
    leaseDurationInMs: 300_000,
    maxAttempts: 5,
    minRotationIntervalInMs: 3_600_000,
    idempotency: { keysKept: 50, retentionInMs: 86_400_000 },
  });
  return { clients, engine };
}

async function policiesIn(tables: ReturnType<typeof createInMemoryAdapters>, vaultUrl: string, prefix: string, count: number): Promise<RotationPolicy[]> {
  const policies = Array.from({ length: count }, (_, i) => aPolicy({ id: `${prefix}-${i}`, vaultUrl, secretName: `${prefix}-${i}` }));
  for (const policy of policies) {
    await tables.policies.put(policy);
    await tables.states.save({ policyId: policy.id, consecutiveFailures: 0, nextDueAt: new Date() }, undefined);
  }
  return policies;
}

/** Every version of each secret, with the rotation id each carries. */
async function versionsOf(clients: AzureClientFactory, policies: readonly RotationPolicy[]): Promise<Map<string, string[]>> {
  const versions = new Map<string, string[]>();
  for (const policy of policies) {
    const ids: string[] = [];
    for await (const properties of clients.secretClient(policy.vaultUrl).listPropertiesOfSecretVersions(policy.secretName)) ids.push(properties.tags?.['rotation-id'] ?? 'untagged');
    versions.set(policy.id, ids);
  }
  return versions;
}

function expectEachRotatedOnce(outcomes: readonly RotationOutcome[], versions: Map<string, string[]>): void {
  expect(outcomes.filter((o) => o.status !== 'succeeded')).toEqual([]);
  for (const outcome of outcomes) expect(versions.get(outcome.policyId)).toEqual([outcome.rotationId]);
}

describe('the rate governor under Key Vault 429 storms', () => {
  let emulator: RunningKeyVaultEmulator;
  let admin: EmulatorAdminClient;

  beforeAll(async () => {
    emulator = await startKeyVaultEmulator({ vaults: ['kv-storm', 'kv-shared-limit'], throttling: { createsPer10Seconds: 40 } });
    admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  }, 60_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  it('rotates every policy exactly once through an injected storm, slowing down on it and recovering after it', async () => {
    // Arrange: a governor that adapts in 50 ms steps instead of Key Vault's seconds, so the test is short
    const vault = emulator.vaults[0]!;
    const tables = createInMemoryAdapters();
    const governor = new KeyVaultRateGovernor({ limits: { createsPer10Seconds: 300, othersPer10Seconds: 4000 }, decreaseCooldownInMs: 50, increaseIntervalInMs: 50 });
    const { clients, engine } = instanceOver(emulator, tables, governor);
    const prefix = uniqueName('storm');
    const policies = await policiesIn(tables, vault.url, prefix, 20);
    // Two 429s per rotation on average, on its reads and on its writes, as Key Vault sends them: no Retry-After.
    await admin.injectFault({ vault: vault.name, pathPattern: `^/secrets/${prefix}-`, status: 429, errorCode: 'Throttled', count: 40 });

    // Act
    const outcomes = await Promise.all(policies.map((p) => engine.rotate(p.id, { kind: 'http', actor: 'test', reason: 'storm' })));
    const during = governor.snapshot();

    // Assert: all 40 429s were met, none failed a rotation, and each secret has exactly its one new version
    expect((await admin.countsFor(vault.name)).faults).toBe(40);
    expectEachRotatedOnce(outcomes, await versionsOf(clients, policies));
    const throttledBuckets = during.filter((b) => b.throttledCalls > 0);
    expect(throttledBuckets.length).toBeGreaterThan(0);
    expect(throttledBuckets.reduce((sum, b) => sum + b.throttledCalls, 0)).toBe(40);
    expect(throttledBuckets.some((b) => b.ratePerSecond < b.ceilingPerSecond)).toBe(true);
    // Once the 429s stop, the rate climbs back to the ceiling.
    await vi.waitFor(() => expect(governor.snapshot().every((b) => b.ratePerSecond === b.ceilingPerSecond)).toBe(true), { timeout: 10_000, interval: 50 });
  });

  it('lets two instances that share a throttled vault both slow down, and neither loses a rotation', async () => {
    // Arrange: the vault allows 40 creates per 10 s; each instance alone would pace at 38, together at 76
    const vault = emulator.vaults[1]!;
    const tables = createInMemoryAdapters();
    const limits = { createsPer10Seconds: 40, othersPer10Seconds: 4000 };
    const governors = [new KeyVaultRateGovernor({ limits }), new KeyVaultRateGovernor({ limits })];
    // Key Vault's own backoff (1-16 s) rides out a full window, as in production.
    const instances = governors.map((governor) => instanceOver(emulator, tables, governor, { baseDelayInMs: 1_000, maxDelayInMs: 16_000 }));
    const prefix = uniqueName('shared');
    const policies = await policiesIn(tables, vault.url, prefix, 50);

    // Act: the instances take the policies in turns, as queue messages spread over instances
    const outcomes = await Promise.all(policies.map((p, i) => instances[i % 2]!.engine.rotate(p.id, { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' })));

    // Assert
    expectEachRotatedOnce(outcomes, await versionsOf(instances[0]!.clients, policies));
    const counts = await admin.countsFor(vault.name);
    expect(counts.throttled).toBeGreaterThan(0);
    for (const governor of governors) {
      const creates = governor.snapshot().find((b) => b.kind === 'create')!;
      expect(creates.throttledCalls).toBeGreaterThan(0);
    }
  }, 120_000);
});
