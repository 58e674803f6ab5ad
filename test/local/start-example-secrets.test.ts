/**
 * `npm start` creates the example secrets before it prints that it is ready, with a
 * first scan, instead of leaving them to the first timer five minutes later.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../src/adapters/azure-clients.js';
import { MANAGED_TAGS } from '../../src/core/policy/policy.js';
import { localAppGuide, startLocalApp, type RunningLocalApp } from '../../src/local/start.js';
import { appModules, versionsOf } from '../functions/app-e2e-support.js';
import { captureLogs, type CapturedLogs } from './functions-host/capture-logger.js';

const examples = JSON.parse(readFileSync(new URL('../../examples/policies.local.json', import.meta.url), 'utf8')) as { id: string; secretName: string; vaultUrl: string }[];

describe('npm start with the example policies', () => {
  let app: RunningLocalApp;
  let logs: CapturedLogs;

  beforeAll(async () => {
    logs = captureLogs();
    // runTimers: false, so only the scan start-up runs can have created anything.
    app = await startLocalApp({ apiPort: 0, emulatorPort: 0, identityProviderPort: 0, azuritePorts: 'free', modules: appModules, runTimers: false, logger: logs.logger });
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('has created every example secret, one version each, by the time it returns', async () => {
    // Arrange
    const clients = createAzureClientFactory({
      storage: { kind: 'local-connection-string', connectionString: process.env['AzureWebJobsStorage']! },
      keyVaultEmulator: { caCertPath: app.summary.caCertPath, address: app.summary.host },
    });

    // Act
    const found = await Promise.all(
      examples.map(async (example) => {
        const vault = app.summary.vaults.find((v) => new URL(v.url).hostname === new URL(example.vaultUrl).hostname)!;
        const client = clients.secretClient(vault.url);
        const versions = await versionsOf(client, example.secretName);
        const latest = await client.getSecret(example.secretName);
        return { id: example.id, versions: versions.length, policyTag: latest.properties.tags?.[MANAGED_TAGS.policyId] };
      }),
    );

    // Assert
    expect(app.createdExampleSecrets).toEqual(examples.map((e) => e.id));
    expect(found).toEqual(examples.map((e) => ({ id: e.id, versions: 1, policyTag: e.id })));
  });

  it('says so in the log and in the guide', () => {
    // Act
    const guide = localAppGuide(app.summary, app.loadedExamples, app.createdExampleSecrets);

    // Assert
    const ids = examples.map((e) => e.id).join(', ');
    expect(logs.entries.map((e) => e.message)).toContain(`created the example secrets at start: ${ids}`);
    expect(guide).toContain(`Example secrets created at start by a first scan: ${ids}`);
  });
});
