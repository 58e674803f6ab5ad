/**
 * Key Vault's per-vault limits. Its 429 carries no Retry-After, so the SDK surfaces it
 * at once (its retry policy only retries a 429 that says when): callers must back off
 * themselves. The window runs on the emulator clock, so a test can pass it without waiting.
 */
import { RestError } from '@azure/core-rest-pipeline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorAdminClient, startKeyVaultEmulator, type RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { clientsFor, rawRequest, type EmulatorClients } from './support.js';

interface Running {
  emulator: RunningKeyVaultEmulator;
  clients: EmulatorClients;
  admin: EmulatorAdminClient;
}

const running: Running[] = [];

async function start(options: Parameters<typeof startKeyVaultEmulator>[0]): Promise<Running> {
  const emulator = await startKeyVaultEmulator(options);
  const entry = { emulator, clients: clientsFor(emulator), admin: new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem) };
  running.push(entry);
  return entry;
}

afterEach(async () => {
  for (const entry of running.splice(0)) {
    entry.clients.close();
    await entry.emulator.stop();
  }
});

async function settle<T>(promises: Promise<T>[]): Promise<{ ok: number; errors: RestError[] }> {
  const results = await Promise.allSettled(promises);
  const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as RestError] : []));
  return { ok: results.length - errors.length, errors };
}

describe('creates', () => {
  it('refuses creates past the limit with 429 Throttled, which the SDK surfaces without retrying', async () => {
    // Arrange
    const { emulator, clients, admin } = await start({ vaults: ['kv-throttle'], throttling: { createsPer10Seconds: 5 } });
    const client = clients.client();

    // Act
    const { ok, errors } = await settle(Array.from({ length: 8 }, (_, i) => client.setSecret(`burst-${i}`, 'v')));
    const counts = await admin.countsFor('kv-throttle');

    // Assert
    expect(ok).toBe(5);
    expect(errors).toHaveLength(3);
    for (const error of errors) {
      expect(error).toBeInstanceOf(RestError);
      expect(error.statusCode).toBe(429);
      expect(error.code).toBe('Throttled');
      expect(error.message).toBe('Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached');
    }
    expect(counts.throttled).toBe(3);
    expect(counts.operations.setSecret).toBe(5);
    expect(emulator.vaults).toHaveLength(1);
  });

  it('sends no Retry-After header with its 429', async () => {
    // Arrange
    const { emulator } = await start({ vaults: ['kv-throttle'], throttling: { createsPer10Seconds: 1 } });
    const host = new URL(emulator.vaults[0]?.url ?? '').host;
    const put = () => rawRequest(emulator, { host, method: 'PUT', path: '/secrets/x?api-version=7.6', headers: { authorization: 'Bearer t' }, body: '{"value":"v"}' });
    await put();

    // Act
    const throttled = await put();

    // Assert
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(throttled.body)).toEqual({ error: { code: 'Throttled', message: expect.stringContaining('too many requests') as unknown } });
  });

  it('lets a caller that backs off past the 10-second window write again; 429s do not count', async () => {
    // Arrange
    const { clients, admin } = await start({ vaults: ['kv-throttle'], throttling: { createsPer10Seconds: 2 } });
    const client = clients.client();
    await settle([client.setSecret('a', 'v'), client.setSecret('b', 'v')]);
    await settle(Array.from({ length: 5 }, () => client.setSecret('c', 'v')));

    // Act
    await admin.advanceClock(10_000);
    const { ok, errors } = await settle([client.setSecret('d', 'v'), client.setSecret('e', 'v'), client.setSecret('f', 'v')]);

    // Assert
    expect(ok).toBe(2);
    expect(errors.map((e) => e.statusCode)).toEqual([429]);
  });

  it('counts restores as creates', async () => {
    // Arrange
    const { clients } = await start({ vaults: ['kv-source', 'kv-target'], throttling: { createsPer10Seconds: 1 } });
    await clients.client(0).setSecret('portable', 'v');
    const backup = (await clients.client(0).backupSecret('portable')) ?? new Uint8Array();
    await clients.client(1).setSecret('fills-the-window', 'v');

    // Act
    const error = await clients.client(1).restoreSecretBackup(backup).catch((e: unknown) => e as RestError);

    // Assert
    expect(error).toMatchObject({ statusCode: 429, code: 'Throttled' });
  });
});

describe('other transactions', () => {
  it('limits reads separately from creates, per vault', async () => {
    // Arrange
    const { clients, admin } = await start({ throttling: { createsPer10Seconds: 100, othersPer10Seconds: 3 } });
    const first = clients.client(0);
    const second = clients.client(1);
    await first.setSecret('read-me', 'v');
    await second.setSecret('read-me', 'v');

    // Act
    const { ok, errors } = await settle(Array.from({ length: 5 }, () => first.getSecret('read-me')));
    const otherVault = await second.getSecret('read-me');
    const stillWrites = await first.setSecret('write-me', 'v');

    // Assert
    expect(ok).toBe(3);
    expect(errors.map((e) => e.code)).toEqual(['Throttled', 'Throttled']);
    expect(otherVault.value).toBe('v');
    expect(stillWrites.value).toBe('v');
    expect((await admin.countsFor('kv-app-local')).throttled).toBe(2);
    expect((await admin.countsFor('kv-shared-local')).throttled).toBe(0);
  });
});

describe('configuration', () => {
  it('never throttles when turned off', async () => {
    // Arrange
    const { clients, admin } = await start({ vaults: ['kv-unthrottled'], throttling: { enabled: false, createsPer10Seconds: 1 } });
    const client = clients.client();

    // Act
    const { ok } = await settle(Array.from({ length: 20 }, (_, i) => client.setSecret(`s-${i}`, 'v')));

    // Assert
    expect(ok).toBe(20);
    expect((await admin.countsFor('kv-unthrottled')).throttled).toBe(0);
  });

  it('enforces Key Vault’s real limit of 300 creates in 10 seconds by default', async () => {
    // Arrange
    const { clients, admin } = await start({ vaults: ['kv-real-limit'] });
    const client = clients.client();
    await client.setSecret('warm-up', 'v');
    let ok = 1;

    // Act
    for (let batch = 0; batch < 6; batch += 1) {
      ok += (await settle(Array.from({ length: 50 }, (_, i) => client.setSecret(`s-${batch}-${i}`, 'v')))).ok;
    }
    const counts = await admin.countsFor('kv-real-limit');

    // Assert
    expect(ok).toBe(300);
    expect(counts.operations.setSecret).toBe(300);
    expect(counts.throttled).toBe(1);
  });
});
