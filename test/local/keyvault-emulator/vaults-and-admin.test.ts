/**
 * Several vaults on one emulator stay apart; the emulator's own surface (start options,
 * certificates, the admin API) behaves as documented.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { RestError } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorAdminClient, EmulatorAdminError, startKeyVaultEmulator, type RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { clientsFor, rawRequest, type EmulatorClients } from './support.js';

let emulator: RunningKeyVaultEmulator;
let clients: EmulatorClients;
let admin: EmulatorAdminClient;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator();
  clients = clientsFor(emulator);
  admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
});

afterAll(async () => {
  clients.close();
  await emulator.stop();
});

beforeEach(async () => {
  await admin.reset();
});

describe('several vaults', () => {
  it('serves the two default vaults on one port, by host name', () => {
    // Assert
    expect(emulator.vaults.map((v) => v.name)).toEqual(['kv-app-local', 'kv-shared-local']);
    expect(emulator.vaults.map((v) => v.url)).toEqual([`https://kv-app-local.vault.azure.net:${emulator.port}`, `https://kv-shared-local.vault.azure.net:${emulator.port}`]);
    expect(emulator.adminUrl).toBe(`https://127.0.0.1:${emulator.port}/_emulator`);
  });

  it('keeps secrets, deletions and counts of one vault out of the other', async () => {
    // Arrange
    const app = clients.client(0);
    const shared = clients.client(1);
    await app.setSecret('same-name', 'app-value');
    await shared.setSecret('same-name', 'shared-value');
    await app.setSecret('only-in-app', 'v');

    // Act
    await (await app.beginDeleteSecret('same-name')).pollUntilDone();
    const sharedRead = await shared.getSecret('same-name');
    const missing = await shared.getSecret('only-in-app').catch((e: unknown) => e as RestError);
    const counts = await admin.counts();

    // Assert
    expect(sharedRead.value).toBe('shared-value');
    expect(missing).toMatchObject({ statusCode: 404, code: 'SecretNotFound' });
    expect(counts['kv-app-local']?.operations.setSecret).toBe(2);
    expect(counts['kv-shared-local']?.operations.setSecret).toBe(1);
    expect(counts['kv-shared-local']?.operations.deleteSecret).toBe(0);
  });

  it('answers a vault it does not emulate with 404 VaultNotFound', async () => {
    // Arrange
    const stranger = clientsFor({ ...emulator, vaults: [{ name: 'kv-nowhere', url: `https://kv-nowhere.vault.azure.net:${emulator.port}`, resourceId: '' }] });

    // Act
    const error = await stranger.client().getSecret('anything').catch((e: unknown) => e as RestError);
    stranger.close();

    // Assert
    expect(error).toMatchObject({ statusCode: 404, code: 'VaultNotFound' });
  });

  it('does not serve the admin API on a vault host', async () => {
    // Act
    const response = await rawRequest(emulator, { host: new URL(emulator.vaults[0]?.url ?? '').host, method: 'GET', path: '/_emulator/counts', headers: { authorization: 'Bearer t' } });

    // Assert
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('text/html');
  });
});

describe('start options', () => {
  it('writes ca.pem to the state directory it is given and leaves it there', async () => {
    // Arrange
    const stateDir = await mkdtemp(join(tmpdir(), 'kv-emulator-test-'));

    // Act
    const started = await startKeyVaultEmulator({ vaults: ['kv-custom', 'KV-Upper'], stateDir });
    await started.stop();

    // Assert
    expect(started.caCertPath).toBe(join(stateDir, 'ca.pem'));
    expect(readFileSync(started.caCertPath, 'utf8')).toBe(started.caCertPem);
    expect(started.vaults.map((v) => v.name)).toEqual(['kv-custom', 'kv-upper']);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('removes the temporary state directory it made when stopped', async () => {
    // Act
    const started = await startKeyVaultEmulator({ vaults: ['kv-temporary'] });
    const existedWhileRunning = existsSync(started.caCertPath);
    await started.stop();

    // Assert
    expect(existedWhileRunning).toBe(true);
    expect(existsSync(started.caCertPath)).toBe(false);
  });

  it.each([['ab'], ['1starts-with-digit'], ['ends-with-hyphen-'], ['double--hyphen'], ['has_underscore']])('refuses the vault name %s', async (name) => {
    // Act
    const attempt = startKeyVaultEmulator({ vaults: [name] });

    // Assert
    await expect(attempt).rejects.toThrow(/not a valid vault name/);
  });

  it('issues a server certificate from its CA for loopback, localhost, *.vault.azure.net and each vault', () => {
    // Arrange
    const chainPem = emulator.caCertPem;
    const ca = new X509Certificate(chainPem);

    // Act
    const served = new Promise<X509Certificate>((resolve, reject) => {
      get(`https://localhost:${emulator.port}/_emulator`, { ca: chainPem }, (res) => {
        const peer = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate();
        res.resume();
        if (peer) resolve(peer);
        else reject(new Error('no peer certificate'));
      }).on('error', reject);
    });

    // Assert
    return served.then((certificate) => {
      expect(certificate.verify(ca.publicKey)).toBe(true);
      expect(certificate.subjectAltName).toContain('DNS:*.vault.azure.net');
      expect(certificate.subjectAltName).toContain('DNS:kv-app-local.vault.azure.net');
      expect(certificate.subjectAltName).toContain('DNS:localhost');
      expect(certificate.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(ca.ca).toBe(true);
    });
  });
});

describe('admin API', () => {
  it('resets vaults, counts, clock offset, throttle windows and faults', async () => {
    // Arrange
    const client = clients.client(0);
    await client.setSecret('wiped', 'v');
    await admin.advanceClock(60_000);
    await admin.injectFault({ method: 'GET', status: 500 });

    // Act
    await admin.reset();
    const error = await client.getSecret('wiped').catch((e: unknown) => e as RestError);
    const clock = await admin.clock();

    // Assert
    expect(error).toMatchObject({ statusCode: 404 });
    expect(clock.offsetMs).toBe(0);
    expect(await admin.faults()).toEqual([]);
    expect((await admin.countsFor('kv-app-local')).operations.setSecret).toBe(0);
  });

  it('moves the clock forward and the vault’s timestamps with it', async () => {
    // Arrange
    const before = await admin.now();

    // Act
    const advanced = await admin.advanceClock(7 * 24 * 60 * 60 * 1000);
    const written = await clients.client(0).setSecret('in-the-future', 'v');

    // Assert
    expect(advanced.offsetMs).toBe(7 * 24 * 60 * 60 * 1000);
    expect(advanced.now.getTime() - before.getTime()).toBeGreaterThanOrEqual(7 * 24 * 60 * 60 * 1000);
    expect(written.properties.createdOn?.getTime()).toBeGreaterThan(Date.now() + 6 * 24 * 60 * 60 * 1000);
  });

  it('counts every operation by the SDK method that sends it', async () => {
    // Arrange
    const client = clients.client(0);
    const written = await client.setSecret('counted', 'v');
    await client.getSecret('counted');
    await client.updateSecretProperties('counted', written.properties.version ?? '', { tags: {} });
    for await (const _ of client.listPropertiesOfSecretVersions('counted')) void _;
    for await (const _ of client.listPropertiesOfSecrets()) void _;
    const backup = await client.backupSecret('counted');
    await (await client.beginDeleteSecret('counted')).pollUntilDone();
    for await (const _ of client.listDeletedSecrets()) void _;
    await (await client.beginRecoverDeletedSecret('counted')).pollUntilDone();
    await (await client.beginDeleteSecret('counted')).pollUntilDone();
    await client.purgeDeletedSecret('counted');
    await client.restoreSecretBackup(backup ?? new Uint8Array());

    // Act
    const counts = await admin.countsFor('kv-app-local');

    // Assert: the pollers add reads (delete polls getDeletedSecret; recover reads before and after)
    expect(counts.operations).toEqual({
      setSecret: 1,
      getSecret: 3,
      updateSecretProperties: 1,
      listPropertiesOfSecretVersions: 1,
      listPropertiesOfSecrets: 1,
      deleteSecret: 2,
      getDeletedSecret: 2,
      listDeletedSecrets: 1,
      recoverDeletedSecret: 1,
      purgeDeletedSecret: 1,
      backupSecret: 1,
      restoreSecretBackup: 1,
    });
    expect(counts).toMatchObject({ challenges: 1, throttled: 0, faults: 0, unknown: 0 });
  });

  it.each([
    ['a clock that moves back', () => admin.advanceClock(-1), 400],
    ['an unknown endpoint', () => new EmulatorAdminClient(`${emulator.adminUrl}/nothing`, emulator.caCertPem).info(), 404],
    ['a subscription without endpoint', () => admin.addEventSubscription({ endpoint: '' }), 400],
    ['a client pointed at something that is not the admin API', () => new EmulatorAdminClient(`https://127.0.0.1:${emulator.port}/elsewhere`, emulator.caCertPem).info(), 404],
  ])('refuses %s', async (_case, call, status) => {
    // Act
    const error = (await call().catch((e: unknown) => e)) as EmulatorAdminError;

    // Assert
    expect(error).toBeInstanceOf(EmulatorAdminError);
    expect(error.status).toBe(status);
  });

  it('describes itself as the CLI prints it', async () => {
    // Act
    const info = await admin.info();

    // Assert
    expect(info).toEqual({ vaults: emulator.vaults.map(({ name, url }) => ({ name, url })), host: '127.0.0.1', caCertPath: emulator.caCertPath, adminUrl: emulator.adminUrl });
  });
});
