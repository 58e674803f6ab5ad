import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const auth = { AUTH_TENANT_ID: TENANT, AUTH_AUDIENCES: 'api://kv-rotation' };
const azure = { AzureWebJobsStorage__tableServiceUri: 'https://stapp.table.core.windows.net', AzureWebJobsStorage__blobServiceUri: 'https://stapp.blob.core.windows.net', GOVERNED_VAULT_URLS: 'https://kv-a.vault.azure.net', ...auth };

describe('loadConfig', () => {
  it('applies defaults for an identity-based deployment', () => {
    expect(loadConfig(azure)).toEqual({
      scanSchedule: '0 */5 * * * *',
      storage: { kind: 'identity', tableServiceUri: 'https://stapp.table.core.windows.net', blobServiceUri: 'https://stapp.blob.core.windows.net' },
      governedVaultUrls: ['https://kv-a.vault.azure.net'],
      leaseDurationInMs: 300_000,
      maxAttempts: 5,
      minRotationIntervalInMs: 3_600_000,
      drainCheckIntervalInMs: 60_000,
      idempotency: { keysKept: 50, retentionInMs: 86_400_000 },
      auth: {
        tenantId: TENANT,
        audiences: ['api://kv-rotation'],
        issuers: [`https://sts.windows.net/${TENANT}/`, `https://login.microsoftonline.com/${TENANT}/v2.0`],
        jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      },
      governance: { protectedEnvironments: ['staging', 'production'], requiredApprovals: 2, approvalTtlMs: 86_400_000 },
      auditArchiveContainer: 'audit-archive',
      rotationQueueName: 'rotation-due',
      keyVaultLimits: { createsPer10Seconds: 300, othersPer10Seconds: 4000 },
      governedVaultResourceIds: [],
      reports: {
        compliance: {
          defaults: { maxValidityDays: 365, minDaysBeforeExpiry: 30, maxActiveDays: 90, minPasswordLength: 0 },
          protectedDefaults: { maxValidityDays: 90, minPasswordLength: 24 },
          environments: {},
          protectedEnvironments: ['staging', 'production'],
        },
        costs: {
          keyVaultPer10kOperations: 0.03,
          functionsPerMillionExecutions: 0.4,
          functionsPerGbSecond: 0.000026,
          tablePer10kTransactions: 0.00036,
          queuePer10kOperations: 0.004,
          eventGridPerMillionOperations: 0.6,
          eventGridFreeOperationsPerMonth: 100_000,
          functionsInstanceMemoryMb: 2048,
        },
        keyVaultOperationsPer10Seconds: 1000,
      },
      dashboard: { authority: `https://login.microsoftonline.com/${auth.AUTH_TENANT_ID}`, apiScope: `${auth.AUTH_AUDIENCES.split(',')[0]}/.default` },
      webhooks: { timeoutInMs: 10_000, allowPrivateAddresses: false },
      graph: { endpoint: 'https://graph.microsoft.com', authorityHost: 'https://login.microsoftonline.com', secretPropagationInMs: 30_000 },
    });
  });

  it('reads every setting', () => {
    const config = loadConfig({
      ...azure,
      AzureWebJobsStorage__queueServiceUri: 'https://stapp.queue.core.windows.net',
      AZURE_CLIENT_ID: '11111111-1111-1111-1111-111111111111',
      GOVERNED_VAULT_URLS: 'https://KV-A.vault.azure.net/, https://kv-b.vault.azure.net',
      ROTATION_SCAN_SCHEDULE: '0 0 * * * *',
      ROTATION_LEASE_SECONDS: '60',
      ROTATION_MAX_ATTEMPTS: '3',
      ROTATION_MIN_INTERVAL_SECONDS: '120',
      IDEMPOTENCY_KEYS_KEPT: '7',
      IDEMPOTENCY_KEY_RETENTION_HOURS: '2',
      DRAIN_CHECK_INTERVAL_SECONDS: '15',
      AzureWebJobsStorage__blobServiceUri: 'https://stapp.blob.core.windows.net',
      AUTH_AUDIENCES: 'api://kv-rotation, 22222222-3333-4444-5555-666666666666',
      AUTH_ALLOWED_ISSUERS: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      AUTH_JWKS_URI: 'https://keys.example.com/keys',
      GOVERNANCE_PROTECTED_ENVIRONMENTS: 'prod, pci',
      GOVERNANCE_REQUIRED_APPROVALS: '3',
      GOVERNANCE_APPROVAL_TTL: 'PT4H',
      AUDIT_ARCHIVE_CONTAINER: 'audit-worm',
      ROTATION_QUEUE_NAME: 'rotations-prod',
      KEYVAULT_CREATES_PER_10_SECONDS: '150',
      KEYVAULT_OPERATIONS_PER_10_SECONDS: '2000',
    });
    expect(config).toMatchObject({
      storage: { blobServiceUri: 'https://stapp.blob.core.windows.net' },
      auth: { tenantId: TENANT, audiences: ['api://kv-rotation', '22222222-3333-4444-5555-666666666666'], issuers: [`https://login.microsoftonline.com/${TENANT}/v2.0`], jwksUri: 'https://keys.example.com/keys' },
      governance: { protectedEnvironments: ['prod', 'pci'], requiredApprovals: 3, approvalTtlMs: 4 * 3_600_000 },
      auditArchiveContainer: 'audit-worm',
      rotationQueueName: 'rotations-prod',
      keyVaultLimits: { createsPer10Seconds: 150, othersPer10Seconds: 2000 },
      minRotationIntervalInMs: 120_000,
      drainCheckIntervalInMs: 15_000,
      idempotency: { keysKept: 7, retentionInMs: 7_200_000 },
      scanSchedule: '0 0 * * * *',
      managedIdentityClientId: '11111111-1111-1111-1111-111111111111',
      governedVaultUrls: ['https://kv-a.vault.azure.net', 'https://kv-b.vault.azure.net'],
      leaseDurationInMs: 60_000,
      maxAttempts: 3,
    });
  });

  it('accepts a loopback Azurite connection string and the emulator trust settings locally', () => {
    const config = loadConfig({
      AzureWebJobsStorage: 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=x;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;',
      KEYVAULT_EMULATOR_CA_CERT_PATH: '/tmp/ca.pem',
      ...auth,
    });
    expect(config.storage.kind).toBe('local-connection-string');
    expect(config.keyVaultEmulator).toEqual({ caCertPath: '/tmp/ca.pem', address: '127.0.0.1' });
  });

  it.each([
    [{}, 'AzureWebJobsStorage__tableServiceUri'],
    [{ AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=abc;EndpointSuffix=core.windows.net' }, 'AzureWebJobsStorage'],
    [{ AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=abc;TableEndpoint=https://prod.table.core.windows.net' }, 'AzureWebJobsStorage'],
    [{ ...azure, AzureWebJobsStorage__tableServiceUri: 'http://stapp.table.core.windows.net' }, 'AzureWebJobsStorage__tableServiceUri'],
    [{ ...azure, ROTATION_SCAN_SCHEDULE: '*/5 * * * *' }, 'ROTATION_SCAN_SCHEDULE'],
    [{ ...azure, ROTATION_LEASE_SECONDS: 'soon' }, 'ROTATION_LEASE_SECONDS'],
    [{ ...azure, ROTATION_MAX_ATTEMPTS: '0' }, 'ROTATION_MAX_ATTEMPTS'],
    [{ ...azure, GOVERNED_VAULT_URLS: 'kv-a.vault.azure.net' }, 'GOVERNED_VAULT_URLS'],
    [{ ...azure, GOVERNED_VAULT_URLS: '' }, 'GOVERNED_VAULT_URLS'],
    [{ ...azure, AUTH_TENANT_ID: '' }, 'AUTH_TENANT_ID'],
    [{ ...azure, AUTH_TENANT_ID: 'contoso tenant' }, 'AUTH_TENANT_ID'],
    [{ ...azure, AUTH_AUDIENCES: ' , ' }, 'AUTH_AUDIENCES'],
    [{ ...azure, AUTH_AUDIENCES: 'kv-rotation' }, 'AUTH_AUDIENCES'],
    [{ ...azure, AUTH_ALLOWED_ISSUERS: 'sts.windows.net' }, 'AUTH_ALLOWED_ISSUERS'],
    [{ ...azure, AUTH_JWKS_URI: 'http://keys.example.com/keys' }, 'AUTH_JWKS_URI'],
    [{ ...azure, AUTH_JWKS_URI: 'not a url' }, 'AUTH_JWKS_URI'],
    [{ ...azure, GOVERNANCE_PROTECTED_ENVIRONMENTS: 'prod;drop' }, 'GOVERNANCE_PROTECTED_ENVIRONMENTS'],
    [{ ...azure, GOVERNANCE_REQUIRED_APPROVALS: '0' }, 'GOVERNANCE_REQUIRED_APPROVALS'],
    [{ ...azure, GOVERNANCE_REQUIRED_APPROVALS: '11' }, 'GOVERNANCE_REQUIRED_APPROVALS'],
    [{ ...azure, GOVERNANCE_APPROVAL_TTL: '1m' }, 'GOVERNANCE_APPROVAL_TTL'],
    [{ ...azure, GOVERNANCE_APPROVAL_TTL: '31d' }, 'GOVERNANCE_APPROVAL_TTL'],
    [{ ...azure, GOVERNANCE_APPROVAL_TTL: 'tomorrow' }, 'GOVERNANCE_APPROVAL_TTL'],
    [{ ...azure, AUDIT_ARCHIVE_CONTAINER: 'Audit_Archive' }, 'AUDIT_ARCHIVE_CONTAINER'],
    [{ ...azure, AzureWebJobsStorage__blobServiceUri: 'http://stapp.blob.core.windows.net' }, 'AzureWebJobsStorage__blobServiceUri'],
    [{ ...azure, AzureWebJobsStorage__blobServiceUri: '' }, 'AzureWebJobsStorage__blobServiceUri'],
    [{ ...azure, ROTATION_QUEUE_NAME: 'Rotation_Due' }, 'ROTATION_QUEUE_NAME'],
    [{ ...azure, ROTATION_QUEUE_NAME: 'q'.repeat(57) }, 'ROTATION_QUEUE_NAME'],
    [{ ...azure, KEYVAULT_CREATES_PER_10_SECONDS: '0' }, 'KEYVAULT_CREATES_PER_10_SECONDS'],
    [{ ...azure, KEYVAULT_OPERATIONS_PER_10_SECONDS: 'many' }, 'KEYVAULT_OPERATIONS_PER_10_SECONDS'],
  ])('refuses %j naming %s', (env, setting) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(`setting ${setting}:`);
  });
});

describe('governance settings', () => {
  it("protects no environment when told 'none', and accepts the loopback JWKS of the local identity provider", () => {
    const config = loadConfig({ ...azure, GOVERNANCE_PROTECTED_ENVIRONMENTS: 'none', AUTH_JWKS_URI: 'http://127.0.0.1:7072/t/discovery/v2.0/keys' });
    expect(config.governance.protectedEnvironments).toEqual([]);
    expect(config.auth.jwksUri).toBe('http://127.0.0.1:7072/t/discovery/v2.0/keys');
  });
});

describe('access review settings', () => {
  const vaultId = '/subscriptions/00000000-0000-4000-8000-00000000cafe/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-a';

  it('reads the governed vaults\' resource ids, the app\'s principal id and the local ARM stand-in', () => {
    const config = loadConfig({
      ...azure,
      GOVERNED_VAULT_RESOURCE_IDS: ` ${vaultId} ,${vaultId.replace('kv-a', 'kv-b')}`,
      APP_PRINCIPAL_ID: 'ABCDEF00-1111-2222-3333-444444444444',
      ARM_ENDPOINT: 'https://management.azure.com:8444',
      ARM_CA_CERT_PATH: '/tmp/ca.pem',
    });
    expect(config).toMatchObject({
      governedVaultResourceIds: [vaultId, vaultId.replace('kv-a', 'kv-b')],
      appPrincipalId: 'abcdef00-1111-2222-3333-444444444444',
      armStandIn: { endpoint: 'https://management.azure.com:8444', caCertPath: '/tmp/ca.pem', address: '127.0.0.1' },
    });
  });

  it.each([
    ['GOVERNED_VAULT_RESOURCE_IDS', { GOVERNED_VAULT_RESOURCE_IDS: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st' }],
    ['APP_PRINCIPAL_ID', { APP_PRINCIPAL_ID: 'the-app' }],
    ['ARM_CA_CERT_PATH', { ARM_ENDPOINT: 'https://management.azure.com:8444' }],
    ['ARM_ENDPOINT', { ARM_CA_CERT_PATH: '/tmp/ca.pem' }],
    ['ARM_ENDPOINT', { ARM_ENDPOINT: 'https://arm.example.com', ARM_CA_CERT_PATH: '/tmp/ca.pem' }],
    ['ARM_ENDPOINT', { ARM_ENDPOINT: 'http://management.azure.com:8444', ARM_CA_CERT_PATH: '/tmp/ca.pem' }],
    ['ARM_ADDRESS', { ARM_ENDPOINT: 'https://management.azure.com:8444', ARM_CA_CERT_PATH: '/tmp/ca.pem', ARM_ADDRESS: '10.0.0.4' }],
  ])('refuses a bad %s', (setting, env) => {
    expect(() => loadConfig({ ...azure, ...env })).toThrow(expect.objectContaining({ setting }));
  });
});

describe('dashboard settings', () => {
  it('signs in at the tenant\'s Entra ID with the API\'s app ID URI scope unless told otherwise', () => {
    // Arrange
    const settings = { ...azure, AUTH_AUDIENCES: '22222222-3333-4444-5555-666666666666,api://contoso/kv-rotation', DASHBOARD_CLIENT_ID: '22222222-3333-4444-5555-666666666666' };

    // Act
    const { dashboard } = loadConfig(settings);
    const local = loadConfig({ ...settings, DASHBOARD_AUTHORITY: 'https://127.0.0.1:7073/local-tenant/v2.0/' }).dashboard;

    // Assert
    expect(dashboard).toEqual({ clientId: '22222222-3333-4444-5555-666666666666', authority: `https://login.microsoftonline.com/${auth.AUTH_TENANT_ID}`, apiScope: 'api://contoso/kv-rotation/.default' });
    expect(local.authority).toBe('https://127.0.0.1:7073/local-tenant/v2.0');
  });

  it.each([
    [{ DASHBOARD_CLIENT_ID: 'dashboard' }, 'DASHBOARD_CLIENT_ID'],
    [{ DASHBOARD_AUTHORITY: 'http://login.example.test/tenant' }, 'DASHBOARD_AUTHORITY'],
    [{ DASHBOARD_AUTHORITY: 'https://login.example.test/tenant?x=1' }, 'DASHBOARD_AUTHORITY'],
    [{ DASHBOARD_AUTHORITY: 'not a url' }, 'DASHBOARD_AUTHORITY'],
  ])('refuses %j, naming %s', (bad, setting) => {
    // Act / Assert
    expect(() => loadConfig({ ...azure, ...bad })).toThrow(new RegExp(`setting ${setting}`));
  });
});
