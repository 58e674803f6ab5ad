/**
 * The rotation events settings: ROTATION_EVENTS_TOPIC_ENDPOINT (an Event Grid topic's https
 * endpoint, or nothing published), ROTATION_EVENTS_SOURCE, and the local stand-in's CA and
 * address. Generated values are accepted as what they say or refused naming the setting.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, SETTINGS, loadConfig } from '../src/config.js';
import { fuzzParameters, fuzzRuns } from './support/fuzz-settings.js';

const LOCAL = { AzureWebJobsStorage__tableServiceUri: 'https://stapp.table.core.windows.net', AzureWebJobsStorage__blobServiceUri: 'https://stapp.blob.core.windows.net', GOVERNED_VAULT_URLS: 'https://kv-a.vault.azure.net', AUTH_TENANT_ID: '11111111-2222-3333-4444-555555555555', AUTH_AUDIENCES: 'api://kv-rotation' };
const ENDPOINT = 'https://evgt-kvrot.westeurope-1.eventgrid.azure.net/api/events';
const RUNS = Math.min(fuzzRuns(), 2_000);
const NAMES = ['ROTATION_EVENTS_TOPIC_ENDPOINT', 'ROTATION_EVENTS_SOURCE', 'ROTATION_EVENTS_CA_CERT_PATH', 'ROTATION_EVENTS_ADDRESS'] as const;

describe('rotation events settings', () => {
  it('publish nothing when unset', () => {
    // Act
    const config = loadConfig(LOCAL);

    // Assert
    expect(config.rotationEvents).toBeUndefined();
    expect(config.eventGridStandIn).toBeUndefined();
  });

  it('take a topic endpoint, a source and the local stand-in', () => {
    // Act
    const config = loadConfig({ ...LOCAL, ROTATION_EVENTS_TOPIC_ENDPOINT: ENDPOINT, ROTATION_EVENTS_SOURCE: '/kvrot/func-abc', ROTATION_EVENTS_CA_CERT_PATH: '/tmp/ca.pem', ROTATION_EVENTS_ADDRESS: '127.0.0.2' });

    // Assert
    expect(config.rotationEvents).toEqual({ topicEndpoint: ENDPOINT, source: '/kvrot/func-abc' });
    expect(config.eventGridStandIn).toEqual({ caCertPath: '/tmp/ca.pem', address: '127.0.0.2' });
  });

  it('default the source to /kvrot/rotation', () => {
    expect(loadConfig({ ...LOCAL, ROTATION_EVENTS_TOPIC_ENDPOINT: ENDPOINT }).rotationEvents).toEqual({ topicEndpoint: ENDPOINT, source: '/kvrot/rotation' });
  });

  it.each([
    ['ROTATION_EVENTS_TOPIC_ENDPOINT', 'http://evgt-kvrot.westeurope-1.eventgrid.azure.net/api/events'],
    ['ROTATION_EVENTS_TOPIC_ENDPOINT', 'https://hooks.example.com/api/events'],
    ['ROTATION_EVENTS_TOPIC_ENDPOINT', 'https://evgt-kvrot.westeurope-1.eventgrid.azure.net'],
    ['ROTATION_EVENTS_SOURCE', 'kvrot'],
    ['ROTATION_EVENTS_SOURCE', '/kvrot/has space'],
    ['ROTATION_EVENTS_ADDRESS', '10.0.0.4'],
  ])('refuse %s=%s naming it', (name, value) => {
    const settings: Record<string, string> = { ...LOCAL, [name]: value };
    if (name === 'ROTATION_EVENTS_ADDRESS') settings['ROTATION_EVENTS_CA_CERT_PATH'] = '/tmp/ca.pem';
    expect(() => loadConfig(settings)).toThrow(expect.objectContaining({ name: 'ConfigError', setting: name }));
  });

  it('refuse an address without the CA', () => {
    expect(() => loadConfig({ ...LOCAL, ROTATION_EVENTS_ADDRESS: '127.0.0.1' })).toThrow(expect.objectContaining({ setting: 'ROTATION_EVENTS_ADDRESS' }));
  });

  it('are in the catalogue: the endpoint and source set by infra/, the CA and address local only', () => {
    expect(SETTINGS.filter((s) => NAMES.includes(s.name as (typeof NAMES)[number])).map((s) => [s.name, s.scope])).toEqual([
      ['ROTATION_EVENTS_TOPIC_ENDPOINT', 'azure'],
      ['ROTATION_EVENTS_SOURCE', 'azure'],
      ['ROTATION_EVENTS_CA_CERT_PATH', 'local'],
      ['ROTATION_EVENTS_ADDRESS', 'local'],
    ]);
  });

  it(`accept generated values as given or refuse them naming the setting: ${RUNS} cases`, () => {
    const value = fc.oneof(
      fc.constantFrom(ENDPOINT, 'https://evgt.westeurope-1.eventgrid.azure.net:8446/api/events', '/kvrot/x', '127.0.0.1', '::1', '', ' '),
      fc.string({ maxLength: 120 }),
      fc.webUrl(),
    );
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), value, (name, raw) => {
        const settings: Record<string, string> = { ...LOCAL, [name]: raw };
        if (name === 'ROTATION_EVENTS_ADDRESS') settings['ROTATION_EVENTS_CA_CERT_PATH'] = '/tmp/ca.pem';
        let config;
        try {
          config = loadConfig(settings);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).setting).toBe(name);
          expect((error as ConfigError).message.length).toBeLessThan(600);
          return;
        }
        const trimmed = raw.trim();
        if (name === 'ROTATION_EVENTS_TOPIC_ENDPOINT' && trimmed) {
          const url = new URL(config.rotationEvents!.topicEndpoint!);
          expect(url.protocol).toBe('https:');
          expect(url.hostname.endsWith('.eventgrid.azure.net')).toBe(true);
          expect(url.pathname).toBe('/api/events');
        }
        if (name === 'ROTATION_EVENTS_SOURCE' && trimmed) expect(config.rotationEvents!.source).toMatch(/^\/[A-Za-z0-9._~\-/]{1,255}$/);
        if (name === 'ROTATION_EVENTS_ADDRESS' && trimmed) expect(['127.', '::1'].some((p) => config.eventGridStandIn!.address.startsWith(p))).toBe(true);
      }),
      fuzzParameters('rotation-events-settings', RUNS),
    );
  });
});
