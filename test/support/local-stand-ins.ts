/** Config and clients for the shared stand-ins the global setup started. */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createAzureClientFactory } from '../../src/adapters/azure-clients.js';
import type { AppConfig } from '../../src/config.js';
import { localAppConfig } from '../../src/local/local-app-config.js';
import { EmulatorAdminClient } from '../../src/local/keyvault-emulator/index.js';

export function localConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  const emulator = inject('keyVaultEmulator');
  return localAppConfig(
    { azuriteConnectionString: inject('azuriteConnectionString'), emulatorCaCertPath: emulator.caCertPath, emulatorHost: emulator.host },
    overrides,
  );
}

/** Key Vault clients whose throttling backoff is milliseconds, not Key Vault's 1-16 s. */
export function localClients() {
  return createAzureClientFactory(localConfig(), { throttlingRetry: { baseDelayInMs: 5, maxDelayInMs: 20 } });
}

export function emulatorAdmin(): EmulatorAdminClient {
  const emulator = inject('keyVaultEmulator');
  return new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
}

export function vaultUrl(index = 0): string {
  return inject('keyVaultEmulator').vaults[index]!.url;
}

/** A name no other test file uses, for secrets and table prefixes on the shared stand-ins. */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}
