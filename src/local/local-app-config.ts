/**
 * The app's settings on the local stand-ins, with the defaults loadConfig would apply:
 * one place for the benches and the tests that compose the app in process.
 */
import type { AppConfig } from '../config.js';

export interface LocalStandIns {
  azuriteConnectionString: string;
  emulatorCaCertPath: string;
  emulatorHost: string;
}

export function localAppConfig(standIns: LocalStandIns, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    scanSchedule: '0 */5 * * * *',
    storage: { kind: 'local-connection-string', connectionString: standIns.azuriteConnectionString },
    governedVaultUrls: [],
    leaseDurationInMs: 300_000,
    maxAttempts: 5,
    minRotationIntervalInMs: 3_600_000,
    drainCheckIntervalInMs: 60_000,
    idempotency: { keysKept: 50, retentionInMs: 86_400_000 },
    keyVaultEmulator: { caCertPath: standIns.emulatorCaCertPath, address: standIns.emulatorHost },
    ...overrides,
  };
}
