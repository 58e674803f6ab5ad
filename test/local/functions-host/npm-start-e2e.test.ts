/**
 * What `npm start` gives a developer, end to end, with the app's real
 * function modules (TypeScript sources here; `npm start` runs the compiled
 * ones): rotate an example policy through the API, find the new version in
 * the emulator with the real SecretClient, and see the emulator's event come
 * back to onKeyVaultEvent.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../../src/adapters/azure-clients.js';
import { MANAGED_TAGS } from '../../../src/core/policy/policy.js';
import { startLocalApp, type RunningLocalApp } from '../../../src/local/start.js';
import { captureLogs, type CapturedLogs } from './capture-logger.js';

const functionsDir = fileURLToPath(new URL('../../../src/functions/', import.meta.url));
const appModules = readdirSync(functionsDir)
  .filter((file) => file.endsWith('.ts'))
  .sort()
  .map((file) => join(functionsDir, file));

describe('npm start, end to end with the real app', () => {
  let app: RunningLocalApp;
  let logs: CapturedLogs;
  let authorization = '';

  beforeAll(async () => {
    logs = captureLogs();
    app = await startLocalApp({ apiPort: 0, emulatorPort: 0, identityProviderPort: 0, azuritePorts: 'free', modules: appModules, runTimers: false, logger: logs.logger });
    // As the guide says: a token from the local identity provider's POST /token.
    const answer = await fetch(`${app.summary.identityProvider}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'alice', roles: ['Rotation.Read', 'Rotation.Operate'] }),
    });
    const issued = (await answer.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(issued.token_type).toBe('Bearer');
    authorization = `Bearer ${issued.access_token}`;
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('serves the API, with the example policies loaded', async () => {
    // Act
    const health = await fetch(`${app.summary.api}/health`);
    const anonymous = await fetch(`${app.summary.api}/policies`);
    const listed = (await (await fetch(`${app.summary.api}/policies`, { headers: { authorization } })).json()) as { items: unknown[] };

    // Assert
    expect(health.status).toBe(200);
    expect(anonymous.status).toBe(401);
    expect(app.loadedExamples).toEqual(['orders-api-key', 'webhook-signing-key', 'session-token-keys']);
    expect(listed.items).toHaveLength(3);
  });

  it('rotates a secret into the emulator and hears the event back', async () => {
    // Arrange
    const vault = app.summary.vaults.find((v) => v.name === 'kv-app-local')!;
    const secrets = createAzureClientFactory({
      storage: { kind: 'local-connection-string', connectionString: process.env['AzureWebJobsStorage']! },
      keyVaultEmulator: { caCertPath: app.summary.caCertPath, address: app.summary.host },
    }).secretClient(vault.url);

    // Act
    const rotate = await fetch(`${app.summary.api}/policies/orders-api-key/rotate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ reason: 'trying it out' }),
    });

    // Assert
    expect(rotate.status).toBeLessThan(300);
    const secret = await secrets.getSecret('orders-api-key');
    expect(secret.value).toHaveLength(40);
    expect(secret.properties.tags?.[MANAGED_TAGS.policyId]).toBe('orders-api-key');
    const rotations = (await (await fetch(`${app.summary.api}/policies/orders-api-key/rotations`, { headers: { authorization } })).json()) as { items: { action: string }[] };
    expect(rotations.items.map((r) => r.action)).toContain('rotation.succeeded');
    await logs.waitFor((e) => e.message === "Executed 'onKeyVaultEvent' (Succeeded)");
    expect(logs.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
