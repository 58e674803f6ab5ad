/**
 * Under `npm start` the app and the Key Vault emulator keep one clock. Advancing the
 * emulator's clock 91 days once made every governed secret rotate every 60 s: new
 * versions' expiry came from the app's clock, 91 days behind, so each was "near expiry"
 * again at the emulator's next expiry check.
 */
import { readFileSync } from 'node:fs';
import type { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../src/adapters/azure-clients.js';
import { EmulatorAdminClient } from '../../src/local/keyvault-emulator/index.js';
import { startLocalApp, type RunningLocalApp } from '../../src/local/start.js';
import { appModules, eventually, versionsOf } from '../functions/app-e2e-support.js';
import { captureLogs } from './functions-host/capture-logger.js';

const DAY_IN_MS = 24 * 60 * 60 * 1000;
const examples = JSON.parse(readFileSync(new URL('../../examples/policies.local.json', import.meta.url), 'utf8')) as {
  id: string;
  secretName: string;
  vaultUrl: string;
  rotation: { validFor: string };
}[];

describe('npm start: the app follows the emulator clock', () => {
  let app: RunningLocalApp;
  let admin: EmulatorAdminClient;
  let clientFor: (vaultUrl: string) => SecretClient;

  // The scan sends what is due to the rotation queue; the host's poller rotates it.
  const scan = async (): Promise<void> => {
    await app.functionsHost.invoke('scanDuePolicies');
    await app.functionsHost.queuesIdle();
  };
  const versionCounts = (): Promise<number[]> => Promise.all(examples.map(async (e) => (await versionsOf(clientFor(e.vaultUrl), e.secretName)).length));

  beforeAll(async () => {
    app = await startLocalApp({ apiPort: 0, emulatorPort: 0, identityProviderPort: 0, azuritePorts: 'free', modules: appModules, runTimers: false, logger: captureLogs().logger });
    admin = new EmulatorAdminClient(app.summary.emulatorAdminUrl, readFileSync(app.summary.caCertPath, 'utf8'));
    const clients = createAzureClientFactory({
      storage: { kind: 'local-connection-string', connectionString: process.env['AzureWebJobsStorage']! },
      keyVaultEmulator: { caCertPath: app.summary.caCertPath, address: app.summary.host },
    });
    const vaultByHost = new Map(app.summary.vaults.map((v) => [new URL(v.url).hostname, v.url]));
    clientFor = (vaultUrl) => clients.secretClient(vaultByHost.get(new URL(vaultUrl).hostname)!);
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('after a 91-day advance, each secret rotates once, to a version that expires validFor after the emulator now, and stays put', async () => {
    // Arrange: start created one version of each example.
    expect(await versionCounts()).toEqual(examples.map(() => 1));

    // Act: the advance raises near-expiry / expired events, and the scan finds every policy due.
    const advanced = await admin.advanceClock(91 * DAY_IN_MS);
    await admin.waitForDeliveriesIdle(30_000);
    await scan();
    await eventually(async () => ((await versionCounts()).every((n) => n === 2) ? true : undefined), 'one rotation of each example');

    // Assert
    for (const example of examples) {
      const latest = (await clientFor(example.vaultUrl).getSecret(example.secretName)).properties;
      const validForInMs = Number.parseInt(example.rotation.validFor, 10) * DAY_IN_MS;
      expect({ id: example.id, expiresOn: latest.expiresOn!.getTime() }).toEqual({
        id: example.id,
        expiresOn: expect.closeTo(latest.createdOn!.getTime() + validForInMs, -4) as number,
      });
      expect(latest.createdOn!.getTime()).toBeGreaterThanOrEqual(advanced.now.getTime() - 1000);
    }

    // Act again: more scans, and the emulator's expiry check a minute and an hour later.
    await scan();
    await admin.advanceClock(60_000);
    await admin.waitForDeliveriesIdle(30_000);
    await scan();
    await admin.advanceClock(60 * 60 * 1000);
    await admin.waitForDeliveriesIdle(30_000);
    await scan();

    // Assert
    expect(await versionCounts()).toEqual(examples.map(() => 2));
  });
});
