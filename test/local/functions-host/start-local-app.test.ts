import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultHttpClient, createPipelineRequest } from '@azure/core-rest-pipeline';
import { EventGridPublisherClient } from '@azure/eventgrid';
import { createAzureClientFactory, localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import { standInAgent } from '../../../src/adapters/stand-in-agent.js';
import { LOCAL_TENANT_ID } from '../../../src/local/identity-provider/index.js';
import { localAppGuide, startLocalApp, type RunningLocalApp } from '../../../src/local/start.js';
import { captureLogs, type CapturedLogs } from './capture-logger.js';

const localApp = fileURLToPath(new URL('./fixtures/local-app.ts', import.meta.url));
const SETTINGS_SET_BY_START = [
  'AzureWebJobsStorage',
  'KEYVAULT_EMULATOR_CA_CERT_PATH',
  'KEYVAULT_EMULATOR_ADDRESS',
  'ROTATION_SCAN_SCHEDULE',
  'GOVERNED_VAULT_URLS',
  'AUTH_TENANT_ID',
  'AUTH_AUDIENCES',
  'AUTH_ALLOWED_ISSUERS',
  'AUTH_JWKS_URI',
  'GRAPH_ENDPOINT',
  'GRAPH_CA_CERT_PATH',
  'GRAPH_ADDRESS',
  'ENTRA_AUTHORITY_HOST',
  'ROTATION_EVENTS_TOPIC_ENDPOINT',
  'ROTATION_EVENTS_CA_CERT_PATH',
  'ROTATION_EVENTS_ADDRESS',
];

describe('startLocalApp', () => {
  let app: RunningLocalApp;
  let logs: CapturedLogs;
  let envBefore: Record<string, string | undefined>;

  beforeAll(async () => {
    envBefore = Object.fromEntries(SETTINGS_SET_BY_START.map((name) => [name, process.env[name]]));
    logs = captureLogs();
    app = await startLocalApp({ apiPort: 0, emulatorPort: 0, identityProviderPort: 0, azuritePorts: 'free', modules: [localApp], runTimers: false, logger: logs.logger });
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('reports where the API, the vaults and the CA are', () => {
    // Act
    const { summary } = app;

    // Assert
    expect(summary.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    expect(summary.host).toBe('127.0.0.1');
    expect(summary.vaults.map((v) => v.name).sort()).toEqual(['kv-app-local', 'kv-shared-local']);
    for (const vault of summary.vaults) expect(vault.url).toMatch(new RegExp(`^https://${vault.name}\\.vault\\.azure\\.net:\\d+$`));
    expect(existsSync(summary.caCertPath)).toBe(true);
    expect(summary.emulatorAdminUrl).toMatch(/^https?:\/\/127\.0\.0\.1:\d+/);
    expect(summary.identityProvider).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(summary.dashboard).toBe(`${summary.api}/ui/`);
    expect(summary.arm).toMatch(/^https:\/\/management\.azure\.com:\d+$/);
    expect(summary.graph).toMatch(/^https:\/\/graph\.microsoft\.com:\d+$/);
    expect(summary.tokenAuthority).toMatch(/^https:\/\/login\.microsoftonline\.com:\d+$/);
    expect(summary.eventGridTopic).toMatch(/^https:\/\/evgt-rotation-local\.westeurope-1\.eventgrid\.azure\.net:\d+\/api\/events$/);
  });

  it('serves Graph, its token authority and the rotation events topic with the CA at caCertPath, and tells the app where', async () => {
    // Arrange
    const { summary } = app;
    const agent = standInAgent({ caCertPath: summary.caCertPath, address: summary.host }, (hostname) => ['graph.microsoft.com', 'login.microsoftonline.com'].includes(hostname) || hostname.endsWith('.eventgrid.azure.net'));
    const discovery = createPipelineRequest({ url: `${summary.tokenAuthority}/${LOCAL_TENANT_ID}/v2.0/.well-known/openid-configuration` });
    discovery.agent = agent;

    // Act
    const configuration = await createDefaultHttpClient().sendRequest(discovery);
    await new EventGridPublisherClient(summary.eventGridTopic, 'CloudEvent', localEmulatorCredential, { agent }).send([{ type: 'Local.Probe', source: '/start-local-app' }]);

    // Assert
    expect(configuration.status).toBe(200);
    expect(JSON.parse(configuration.bodyAsText!).token_endpoint).toBe(`${summary.tokenAuthority}/${LOCAL_TENANT_ID}/oauth2/v2.0/token`);
    expect(process.env['GRAPH_ENDPOINT']).toBe(summary.graph);
    expect(process.env['ENTRA_AUTHORITY_HOST']).toBe(summary.tokenAuthority);
    expect(process.env['ROTATION_EVENTS_TOPIC_ENDPOINT']).toBe(summary.eventGridTopic);
    for (const setting of ['GRAPH_CA_CERT_PATH', 'ROTATION_EVENTS_CA_CERT_PATH']) expect(readFileSync(process.env[setting]!, 'utf8')).toBe(readFileSync(summary.caCertPath, 'utf8'));
  });

  it('sets the app settings the app reads from process.env', () => {
    // Assert
    expect(process.env['AzureWebJobsStorage']).toMatch(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
    expect(process.env['KEYVAULT_EMULATOR_CA_CERT_PATH']).toBe(app.summary.caCertPath);
    expect(process.env['KEYVAULT_EMULATOR_ADDRESS']).toBe('127.0.0.1');
    expect(app.functionsHost.functions.find((f) => f.name === 'scanDuePolicies')?.schedule).toBe(process.env['ROTATION_SCAN_SCHEDULE']);
  });

  it('loads the example policies through the API, pointed at the running emulator', async () => {
    // Act
    const response = await fetch(`${app.summary.api}/policies`);
    const { items } = (await response.json()) as { items: { id: string; vaultUrl: string }[] };

    // Assert
    expect(app.loadedExamples).toEqual(['orders-api-key', 'webhook-signing-key', 'session-token-keys']);
    expect(items.map((p) => p.id)).toEqual(app.loadedExamples);
    const vaultUrls = app.summary.vaults.map((v) => v.url);
    for (const policy of items) expect(vaultUrls).toContain(policy.vaultUrl);
  });

  it("delivers the emulator's Key Vault events to onKeyVaultEvent", async () => {
    // Arrange
    const vault = app.summary.vaults.find((v) => v.name === 'kv-app-local')!;
    const clients = createAzureClientFactory({
      storage: { kind: 'local-connection-string', connectionString: process.env['AzureWebJobsStorage']! },
      keyVaultEmulator: { caCertPath: app.summary.caCertPath, address: '127.0.0.1' },
    });

    // Act
    await clients.secretClient(vault.url).setSecret('event-probe', 'not-a-real-secret');

    // Assert
    const entry = await logs.waitFor((e) => e.message === 'key vault event Microsoft.KeyVault.SecretNewVersionCreated kv-app-local/event-probe');
    expect(entry.properties['functionName']).toBe('onKeyVaultEvent');
  });

  it('prints a guide: how to get a token, and a rotate command for the first example that carries it', () => {
    // Act
    const guide = localAppGuide(app.summary, app.loadedExamples);

    // Assert
    expect(guide).toContain(`curl -s -X POST ${app.summary.identityProvider}/token -H 'content-type: application/json' -d '{"sub":"alice","roles":["Rotation.Read","Rotation.Operate"]}'`);
    expect(guide).toContain(`curl -s -X POST ${app.summary.api}/policies/orders-api-key/rotate -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"reason":"trying it out"}'`);
    expect(guide).toContain(`${app.summary.api}/policies/orders-api-key/rotations -H "authorization: Bearer $TOKEN"`);
  });

  it('stops everything and gives the environment back', async () => {
    // Act
    await app.stop();

    // Assert
    await expect(fetch(`${app.summary.api}/policies`)).rejects.toThrow();
    expect(Object.fromEntries(SETTINGS_SET_BY_START.map((name) => [name, process.env[name]]))).toEqual(envBefore);
  });
});
