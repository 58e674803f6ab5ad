/**
 * The settings the consumer kinds and metrics added (webhooks, the Graph and token authority for
 * Entra application secrets, Application Insights), from generated values: each is accepted, or
 * refused with a ConfigError naming a setting of its group, in bounded text that never quotes a
 * connection string. Every setting must be accepted at least once, or the refusals prove little.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, SETTINGS, loadConfig } from '../src/config.js';
import { fuzzParameters, fuzzRuns } from './support/fuzz-settings.js';

const BASE = { AzureWebJobsStorage__tableServiceUri: 'https://stapp.table.core.windows.net', AzureWebJobsStorage__blobServiceUri: 'https://stapp.blob.core.windows.net', GOVERNED_VAULT_URLS: 'https://kv-a.vault.azure.net', AUTH_TENANT_ID: '11111111-2222-3333-4444-555555555555', AUTH_AUDIENCES: 'api://kv-rotation' };
const RUNS = Math.min(fuzzRuns(), 2_000);
const CONNECTION_STRING = 'InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';
const GRAPH = { GRAPH_ENDPOINT: 'https://graph.microsoft.com:8445', GRAPH_CA_CERT_PATH: '/tmp/ca.pem', ENTRA_AUTHORITY_HOST: 'https://login.microsoftonline.com:8445' };

/** Each setting, the ones it must come with, and values it should accept. */
const GROUPS: Record<string, { with?: Record<string, string>; group: readonly string[]; valid: readonly string[] }> = {
  WEBHOOK_TIMEOUT_SECONDS: { group: ['WEBHOOK_TIMEOUT_SECONDS'], valid: ['1', '10', '30'] },
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: { group: ['WEBHOOK_ALLOW_PRIVATE_ADDRESSES'], valid: ['true', 'false'] },
  WEBHOOK_CA_CERT_PATH: { group: ['WEBHOOK_CA_CERT_PATH'], valid: ['/tmp/ca.pem'] },
  ENTRA_SECRET_PROPAGATION_SECONDS: { group: ['ENTRA_SECRET_PROPAGATION_SECONDS'], valid: ['1', '30', '120'] },
  GRAPH_ENDPOINT: { with: GRAPH, group: Object.keys(GRAPH), valid: [GRAPH.GRAPH_ENDPOINT] },
  GRAPH_CA_CERT_PATH: { with: GRAPH, group: Object.keys(GRAPH), valid: ['/tmp/other-ca.pem'] },
  ENTRA_AUTHORITY_HOST: { with: GRAPH, group: Object.keys(GRAPH), valid: [GRAPH.ENTRA_AUTHORITY_HOST] },
  GRAPH_ADDRESS: { with: GRAPH, group: [...Object.keys(GRAPH), 'GRAPH_ADDRESS'], valid: ['127.0.0.1'] },
  APPLICATIONINSIGHTS_CONNECTION_STRING: { group: ['APPLICATIONINSIGHTS_CONNECTION_STRING'], valid: [CONNECTION_STRING] },
};
const NAMES = Object.keys(GROUPS);

describe('consumer and metrics settings', () => {
  it('are all in the settings catalogue', () => {
    expect(NAMES.filter((name) => !SETTINGS.some((setting) => setting.name === name))).toEqual([]);
  });

  it(`accept generated values or refuse them naming their group, never quoting a connection string: ${RUNS} cases`, () => {
    const accepted = new Set<string>();
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES).chain((name) =>
          fc.tuple(fc.constant(name), fc.oneof(fc.constantFrom(...GROUPS[name]!.valid), fc.constantFrom('', ' ', '0', '-1', '31', 'yes', 'http://graph.microsoft.com', 'https://evil.example.com'), fc.string({ maxLength: 200 }), fc.webUrl())),
        ),
        ([name, raw]) => {
          const { with: companions = {}, group } = GROUPS[name]!;
          try {
            loadConfig({ ...BASE, ...companions, [name]: raw });
            accepted.add(name);
          } catch (error) {
            if (!(error instanceof ConfigError)) throw error;
            expect(group).toContain(error.setting);
            expect(error.message.length).toBeLessThan(1_000);
            if (name === 'APPLICATIONINSIGHTS_CONNECTION_STRING' && raw.trim().length > 12) expect(error.message).not.toContain(raw.trim());
          }
        },
      ),
      fuzzParameters('consumer-settings', RUNS),
    );
    expect([...accepted].sort()).toEqual([...NAMES].sort());
  });

  it('refuse each out-of-range value, naming it (the twins of the accepted values above)', () => {
    for (const [name, raw] of [['WEBHOOK_TIMEOUT_SECONDS', '31'], ['ENTRA_SECRET_PROPAGATION_SECONDS', '0'], ['WEBHOOK_ALLOW_PRIVATE_ADDRESSES', 'yes'], ['APPLICATIONINSIGHTS_CONNECTION_STRING', 'InstrumentationKey=not-a-guid']] as const) {
      expect(() => loadConfig({ ...BASE, [name]: raw }), name).toThrow(expect.objectContaining({ setting: name }));
    }
  });
});
