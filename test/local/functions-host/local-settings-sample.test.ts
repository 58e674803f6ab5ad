import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOST_SETTINGS, SETTINGS, loadConfig } from '../../../src/config.js';

const sample = JSON.parse(readFileSync(new URL('../../../local.settings.sample.json', import.meta.url), 'utf8')) as {
  IsEncrypted: unknown;
  Values: Record<string, unknown>;
};

describe('local.settings.sample.json', () => {
  it('is an unencrypted local.settings.json for the node worker', () => {
    // Assert
    expect(sample.IsEncrypted).toBe(false);
    expect(sample.Values['FUNCTIONS_WORKER_RUNTIME']).toBe('node');
    expect(sample.Values['AzureWebJobsStorage']).toBe('UseDevelopmentStorage=true');
  });

  it.each(SETTINGS.map((s) => [s.name]))('has a value for %s', (name) => {
    // Assert
    expect(typeof sample.Values[name]).toBe('string');
  });

  it('has no setting the app and the host do not know', () => {
    // Arrange
    const known = new Set([...SETTINGS.map((s) => s.name), ...HOST_SETTINGS, 'FUNCTIONS_WORKER_RUNTIME']);

    // Act
    const unknown = Object.keys(sample.Values).filter((name) => !known.has(name));

    // Assert
    expect(unknown).toEqual([]);
  });

  it('is a configuration the app accepts, pointing at local stand-ins only', () => {
    // Act
    const config = loadConfig(sample.Values as Record<string, string>);

    // Assert
    expect(config.storage).toEqual({ kind: 'local-connection-string', connectionString: 'UseDevelopmentStorage=true' });
    expect(config.keyVaultEmulator).toEqual({ caCertPath: '.local/keyvault-emulator/ca.pem', address: '127.0.0.1' });
    expect(config.governedVaultUrls).toEqual(['https://kv-app-local.vault.azure.net:8443', 'https://kv-shared-local.vault.azure.net:8443']);
  });
});
