/**
 * The app's Key Vault clients back off from Key Vault's bare 429s (no Retry-After)
 * and succeed once the window passes, where the SDK alone would fail at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../../src/adapters/azure-clients.js';
import { EmulatorAdminClient, startKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/options.js';
import { localConfig } from '../../support/local-stand-ins.js';

describe('a burst of more than 300 creates in one vault', () => {
  let emulator: RunningKeyVaultEmulator;

  beforeAll(async () => {
    emulator = await startKeyVaultEmulator({ vaults: ['kv-burst'] });
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('gets 429s, and the client factory retry succeeds once the 10-second window passes', async () => {
    // Arrange
    const config = localConfig({ keyVaultEmulator: { caCertPath: emulator.caCertPath, address: emulator.host } });
    // The retry policy alone: the rate governor would pace the burst so that no 429 ever came.
    const client = createAzureClientFactory(config, { rateGovernor: false }).secretClient(emulator.vaults[0]!.url);
    const admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);

    // Act: 305 creates; once the throttle has refused the surplus, the emulator clock moves past the window
    const burst = Promise.allSettled(Array.from({ length: 305 }, (_, i) => client.setSecret(`burst-${i}`, 'v')));
    for (let tries = 0; (await admin.countsFor('kv-burst')).throttled < 5; tries++) {
      if (tries > 200) throw new Error('the throttle never answered 429');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await admin.advanceClock(10_000);
    const results = await burst;

    // Assert
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const counts = await admin.countsFor('kv-burst');
    expect(counts.throttled).toBeGreaterThanOrEqual(5);
    expect(counts.operations.setSecret).toBe(305);
  });
});
