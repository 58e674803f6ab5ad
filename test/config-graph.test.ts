/**
 * The Graph settings of entra-app-secret consumers: Entra ID itself by default, the local Graph
 * stand-in and its token authority only all together and only on their own host names and a
 * loopback address, and the propagation budget within the rotation's lease.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const AZURE = { AzureWebJobsStorage__tableServiceUri: 'https://stapp.table.core.windows.net', AzureWebJobsStorage__blobServiceUri: 'https://stapp.blob.core.windows.net', GOVERNED_VAULT_URLS: 'https://kv-a.vault.azure.net', AUTH_TENANT_ID: '11111111-2222-3333-4444-555555555555', AUTH_AUDIENCES: 'api://kv-rotation' };
const STAND_IN = { GRAPH_ENDPOINT: 'https://graph.microsoft.com:8445', GRAPH_CA_CERT_PATH: '/tmp/ca.pem', ENTRA_AUTHORITY_HOST: 'https://login.microsoftonline.com:8445' };

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...AZURE, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('Graph settings', () => {
  it('reach Entra ID itself by default, giving a new secret 30 s', () => {
    // Act
    const config = loadConfig(AZURE);

    // Assert
    expect(config.graph).toEqual({ endpoint: 'https://graph.microsoft.com', authorityHost: 'https://login.microsoftonline.com', secretPropagationInMs: 30_000 });
  });

  it('take the local stand-in, its token authority and a loopback address', () => {
    // Act
    const config = loadConfig({ ...AZURE, ...STAND_IN, GRAPH_ADDRESS: '127.0.0.2', ENTRA_SECRET_PROPAGATION_SECONDS: '5' });

    // Assert
    expect(config.graph).toEqual({
      endpoint: 'https://graph.microsoft.com:8445',
      authorityHost: 'https://login.microsoftonline.com:8445',
      secretPropagationInMs: 5_000,
      standIn: { caCertPath: '/tmp/ca.pem', address: '127.0.0.2' },
    });
  });

  it.each([
    ['ENTRA_SECRET_PROPAGATION_SECONDS', { ENTRA_SECRET_PROPAGATION_SECONDS: '121' }],
    ['ENTRA_SECRET_PROPAGATION_SECONDS', { ENTRA_SECRET_PROPAGATION_SECONDS: '0' }],
    ['GRAPH_CA_CERT_PATH', { GRAPH_ENDPOINT: STAND_IN.GRAPH_ENDPOINT, ENTRA_AUTHORITY_HOST: STAND_IN.ENTRA_AUTHORITY_HOST }],
    ['ENTRA_AUTHORITY_HOST', { GRAPH_ENDPOINT: STAND_IN.GRAPH_ENDPOINT, GRAPH_CA_CERT_PATH: STAND_IN.GRAPH_CA_CERT_PATH }],
    ['GRAPH_ADDRESS', { GRAPH_ADDRESS: '127.0.0.1' }],
    ['GRAPH_ADDRESS', { ...STAND_IN, GRAPH_ADDRESS: '10.0.0.4' }],
    ['GRAPH_ENDPOINT', { ...STAND_IN, GRAPH_ENDPOINT: 'https://graph.example.com:8445' }],
    ['GRAPH_ENDPOINT', { ...STAND_IN, GRAPH_ENDPOINT: 'http://graph.microsoft.com:8445' }],
    ['GRAPH_ENDPOINT', { ...STAND_IN, GRAPH_ENDPOINT: 'https://graph.microsoft.com:8445/v1.0' }],
    ['ENTRA_AUTHORITY_HOST', { ...STAND_IN, ENTRA_AUTHORITY_HOST: 'https://login.example.com' }],
    ['ENTRA_AUTHORITY_HOST', { ...STAND_IN, ENTRA_AUTHORITY_HOST: 'not a url' }],
  ])('refuse a bad %s', (setting, env) => {
    // Act
    const error = refusal(env);

    // Assert
    expect(error.setting).toBe(setting);
  });
});
