/**
 * Starts the shared local stand-ins once for the whole test run (Azurite and the
 * Key Vault emulator) and hands their coordinates to tests through vitest's
 * provide/inject. Tests share them by using their own table prefixes and secret
 * names; a test that needs a pristine or specially configured stand-in starts its own.
 */
import type { TestProject } from 'vitest/node';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { startKeyVaultEmulator } from '../../src/local/keyvault-emulator/index.js';
import type { RunningKeyVaultEmulator } from '../../src/local/keyvault-emulator/options.js';
import { ensureDashboardBuilt } from './dashboard-build.js';

export interface SharedKeyVaultEmulator {
  vaults: { name: string; url: string }[];
  host: string;
  caCertPath: string;
  caCertPem: string;
  adminUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteConnectionString: string;
    keyVaultEmulator: SharedKeyVaultEmulator;
  }
}

let azurite: RunningAzurite | undefined;
let emulator: RunningKeyVaultEmulator | undefined;

export async function setup(project: TestProject): Promise<void> {
  // The dashboard's build is what /api/ui/ serves; built here when missing or stale (a second or two).
  [azurite, emulator] = await Promise.all([startAzurite(), startKeyVaultEmulator(), ensureDashboardBuilt()]);
  project.provide('azuriteConnectionString', azurite.connectionString);
  project.provide('keyVaultEmulator', {
    vaults: emulator.vaults.map(({ name, url }) => ({ name, url })),
    host: emulator.host,
    caCertPath: emulator.caCertPath,
    caCertPem: emulator.caCertPem,
    adminUrl: emulator.adminUrl,
  });
}

export async function teardown(): Promise<void> {
  await Promise.all([azurite?.stop(), emulator?.stop()]);
}
