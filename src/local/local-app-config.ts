/**
 * The app's settings on the local stand-ins, with the defaults loadConfig would apply:
 * one place for the benches and the tests that compose the app in process.
 */
import { ENTRA_AUTHORITY_HOST, GRAPH_ENDPOINT, type AppConfig } from '../config.js';
import { DEFAULT_GOVERNANCE_SETTINGS } from '../core/approvals/governance-settings.js';
import { defaultComplianceSettings } from '../core/reports/compliance/parameters.js';
import { DEFAULT_COST_SETTINGS } from '../core/reports/cost/cost-settings.js';
import { DEFAULT_REPORT_KEY_VAULT_OPERATIONS_PER_10_SECONDS } from '../core/reports/vault-secrets.js';

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
    // Services composed in process are called without HTTP, so no token reaches them; a caller that
    // needs tokens starts the local identity provider and overrides this with localAuthSettings.
    auth: { tenantId: 'local-tests', audiences: ['api://kv-rotation-local'], issuers: ['http://127.0.0.1:9/local-tests/v2.0'], jwksUri: 'http://127.0.0.1:9/local-tests/discovery/v2.0/keys' },
    governance: { ...DEFAULT_GOVERNANCE_SETTINGS, protectedEnvironments: [...DEFAULT_GOVERNANCE_SETTINGS.protectedEnvironments] },
    auditArchiveContainer: 'audit-archive',
    rotationQueueName: 'rotation-due',
    keyVaultLimits: { createsPer10Seconds: 300, othersPer10Seconds: 4000 },
    governedVaultResourceIds: [],
    reports: {
      compliance: defaultComplianceSettings(DEFAULT_GOVERNANCE_SETTINGS.protectedEnvironments),
      costs: { ...DEFAULT_COST_SETTINGS },
      keyVaultOperationsPer10Seconds: DEFAULT_REPORT_KEY_VAULT_OPERATIONS_PER_10_SECONDS,
    },
    dashboard: { authority: 'https://login.microsoftonline.com/local-tests', apiScope: 'api://kv-rotation-local/.default' },
    // Local receivers listen on loopback, which a deployment refuses by default.
    webhooks: { timeoutInMs: 10_000, allowPrivateAddresses: true },
    // Entra ID itself: tests that reach the Graph stand-in override this with its settings.
    graph: { endpoint: GRAPH_ENDPOINT, authorityHost: ENTRA_AUTHORITY_HOST, secretPropagationInMs: 30_000 },
    ...overrides,
  };
}
