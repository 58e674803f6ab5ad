/**
 * The inventory reads Key Vault only through the per-vault rate limiter: over the real listing
 * adapter and SDK on an emulator of its own, every list call the emulator counts was preceded by
 * one acquire for that vault, and with a limit of 2 per 10 s (on a fake clock the limiter sleeps
 * on) no 10-second window held more than 2 list calls. Counts only; no real time passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../../src/adapters/azure-clients.js';
import { KeyVaultSecretListing } from '../../../src/adapters/keyvault/key-vault-secret-listing.js';
import { RATE_WINDOW_MS, VaultRateLimiter } from '../../../src/adapters/keyvault/vault-rate-limiter.js';
import { defaultComplianceSettings } from '../../../src/core/reports/compliance/parameters.js';
import { GovernedScope } from '../../../src/core/reports/governed-scope.js';
import { InventoryReport } from '../../../src/core/reports/inventory.js';
import { EmulatorAdminClient, startKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/options.js';
import { InMemoryAuditLog, InMemoryPolicyStateStore } from '../../support/in-memory/index.js';

/** The real limiter on a fake clock, recording when (on that clock) each acquire for each vault was granted. */
class RecordingLimiter extends VaultRateLimiter {
  readonly granted = new Map<string, number[]>();
  #time = 0;

  constructor(operationsPer10Seconds: number) {
    super({ operationsPer10Seconds, now: () => this.#time, sleep: async (ms) => void (this.#time += ms) });
  }

  override async acquire(vaultUrl: string): Promise<void> {
    await super.acquire(vaultUrl);
    const key = vaultUrl.toLowerCase();
    this.granted.set(key, [...(this.granted.get(key) ?? []), this.#time]);
  }
}

const VAULT = 'kv-limited';
const SECRETS = 60;
let emulator: RunningKeyVaultEmulator;
let admin: EmulatorAdminClient;
let clients: ReturnType<typeof createAzureClientFactory>;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({ vaults: [VAULT], throttling: { enabled: false } });
  admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  clients = createAzureClientFactory({ storage: { kind: 'local-connection-string', connectionString: 'UseDevelopmentStorage=true' }, keyVaultEmulator: { caCertPath: emulator.caCertPath, address: emulator.host } });
  const client = clients.secretClient(emulator.vaults[0]!.url);
  for (let i = 0; i < SECRETS; i++) await client.setSecret(`s-${String(i).padStart(3, '0')}`, 'inventory-rate-limit', { contentType: 'text/plain' });
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
});

async function listCalls(): Promise<number> {
  return (await admin.countsFor(VAULT)).operations.listPropertiesOfSecrets;
}

describe('the inventory and the per-vault rate limiter', () => {
  it('acquires once before every Key Vault list call, and never more than the limit in a window', async () => {
    // Arrange
    const vault = emulator.vaults[0]!.url.toLowerCase();
    const limiter = new RecordingLimiter(2);
    const inventory = new InventoryReport({ listing: new KeyVaultSecretListing(clients, limiter), states: new InMemoryPolicyStateStore(), audit: new InMemoryAuditLog(), maxAttempts: 5 });
    const scope = new GovernedScope([], [vault], defaultComplianceSettings([]));
    const before = await listCalls();

    // Act: a first page of 30 (two Key Vault pages) and the summary (a pass over all three)
    const page = await inventory.page(scope, new Date(), { pageSize: 30, summary: true });

    // Assert
    expect(page.summary?.secrets).toBe(SECRETS);
    const calls = (await listCalls()) - before;
    const granted = limiter.granted.get(vault) ?? [];
    expect(calls).toBe(2 + Math.ceil(SECRETS / 25));
    expect(granted).toHaveLength(calls);
    for (const at of granted) expect(granted.filter((other) => other >= at && other < at + RATE_WINDOW_MS).length).toBeLessThanOrEqual(2);
    // The limit bit: five calls at two per window took at least two windows of the fake clock.
    expect(granted.at(-1)! - granted[0]!).toBeGreaterThanOrEqual(2 * RATE_WINDOW_MS);
  });

  it('lets a burst through at once when the limit allows it (the twin)', async () => {
    const vault = emulator.vaults[0]!.url.toLowerCase();
    const limiter = new RecordingLimiter(1000);
    const inventory = new InventoryReport({ listing: new KeyVaultSecretListing(clients, limiter), states: new InMemoryPolicyStateStore(), audit: new InMemoryAuditLog(), maxAttempts: 5 });
    await inventory.page(new GovernedScope([], [vault], defaultComplianceSettings([])), new Date(), { pageSize: 30, summary: true });
    const granted = limiter.granted.get(vault)!;
    expect(granted).toHaveLength(2 + Math.ceil(SECRETS / 25));
    expect(new Set(granted)).toEqual(new Set([0]));
  });
});
