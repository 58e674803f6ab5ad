import { describe, expect, it } from 'vitest';
import { ConfigError, HOST_SETTINGS, SETTINGS, loadConfig } from '../src/config.js';

const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', AUTH_TENANT_ID: 'local-tests', AUTH_AUDIENCES: 'api://kv-rotation' };
const CONNECTION_STRING = 'InstrumentationKey=3f0c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId=9a8b7c6d-0000-4000-8000-000000000001';

describe('loadConfig: APPLICATIONINSIGHTS_CONNECTION_STRING', () => {
  it('sends no metrics without it', () => {
    // Act
    const config = loadConfig({ ...base, APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' });

    // Assert
    expect(config.telemetry).toBeUndefined();
  });

  it("keeps the component's connection string as it is", () => {
    // Act
    const config = loadConfig({ ...base, APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING });

    // Assert
    expect(config.telemetry).toEqual({ connectionString: CONNECTION_STRING });
  });

  it.each([
    ['no key=value pairs', 'just-some-text', /not a connection string/],
    ['no instrumentation key', 'IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/', /InstrumentationKey, a GUID/],
    ['a key that is not a GUID', 'InstrumentationKey=abc;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/', /InstrumentationKey, a GUID/],
    ['no ingestion endpoint', 'InstrumentationKey=3f0c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6', /needs IngestionEndpoint/],
    ['an http ingestion endpoint', 'InstrumentationKey=3f0c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6;IngestionEndpoint=http://ingest.example/', /https URL/],
  ])('refuses %s, naming the setting and never quoting it', (_case, value, message) => {
    // Act
    const error = (() => {
      try {
        loadConfig({ ...base, APPLICATIONINSIGHTS_CONNECTION_STRING: value });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    // Assert
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe('APPLICATIONINSIGHTS_CONNECTION_STRING');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(value);
  });

  it('is refused with the Key Vault emulator, whose local token Application Insights would not accept', () => {
    // Act
    const load = () => loadConfig({ ...base, KEYVAULT_EMULATOR_CA_CERT_PATH: '.local/ca.pem', APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING });

    // Assert
    expect(load).toThrow(/leave it unset locally/);
  });

  it('is an app setting now, and the authentication string stays the host\'s', () => {
    // Assert
    expect(SETTINGS.find((s) => s.name === 'APPLICATIONINSIGHTS_CONNECTION_STRING')).toMatchObject({ scope: 'azure', required: false });
    expect(HOST_SETTINGS).not.toContain('APPLICATIONINSIGHTS_CONNECTION_STRING');
    expect(HOST_SETTINGS).toContain('APPLICATIONINSIGHTS_AUTHENTICATION_STRING');
  });
});
