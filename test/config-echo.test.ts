/** A refused setting is named, but a URL in it is quoted without user information. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('loadConfig refusals', () => {
  it.each([
    ['a storage URI', { AzureWebJobsStorage__tableServiceUri: 'https://admin:hunter2@[not a host' }],
    ['a governed vault URL', { AzureWebJobsStorage: 'UseDevelopmentStorage=true', GOVERNED_VAULT_URLS: 'https://admin:hunter2@kv-app.vault.azure.net' }],
  ])('never echo the user information of %s', (_name, env) => {
    // Act
    const attempt = (): unknown => loadConfig(env);

    // Assert
    expect(attempt).toThrow(/\*\*\*@/);
    expect(attempt).not.toThrow(/hunter2|admin:/);
  });
});
