import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const azure = { AzureWebJobsStorage__tableServiceUri: 'https://stapp.table.core.windows.net', GOVERNED_VAULT_URLS: 'https://kv-a.vault.azure.net' };

describe('loadConfig', () => {
  it('applies defaults for an identity-based deployment', () => {
    expect(loadConfig(azure)).toEqual({
      scanSchedule: '0 */5 * * * *',
      storage: { kind: 'identity', tableServiceUri: 'https://stapp.table.core.windows.net' },
      governedVaultUrls: ['https://kv-a.vault.azure.net'],
      leaseDurationInMs: 300_000,
      maxAttempts: 5,
      minRotationIntervalInMs: 3_600_000,
      drainCheckIntervalInMs: 60_000,
      idempotency: { keysKept: 50, retentionInMs: 86_400_000 },
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
    });
    expect(config).toMatchObject({
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
  ])('refuses %j naming %s', (env, setting) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(`setting ${setting}:`);
  });
});
