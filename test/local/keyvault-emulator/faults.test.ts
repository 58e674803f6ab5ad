/**
 * Injected faults, and what the real SDK's retry policy makes of them: it retries
 * 5xx and dropped connections (and a 429 only when it says when), and surfaces the
 * error once its retries run out.
 */
import { RestError } from '@azure/core-rest-pipeline';
import type { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorAdminClient, EmulatorAdminError, startKeyVaultEmulator, type RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { clientsFor, FAST_RETRIES, type EmulatorClients } from './support.js';

let emulator: RunningKeyVaultEmulator;
let clients: EmulatorClients;
let admin: EmulatorAdminClient;
let client: SecretClient;
const vault = 'kv-app-local';

beforeAll(async () => {
  emulator = await startKeyVaultEmulator();
  clients = clientsFor(emulator);
  admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  client = clients.client(0, FAST_RETRIES);
});

afterAll(async () => {
  clients.close();
  await emulator.stop();
});

beforeEach(async () => {
  await admin.reset();
  await client.setSecret('target', 'stored-value');
});

describe('status faults', () => {
  it.each([500, 502, 503, 504])('lets the SDK retry past one %i and succeed', async (status) => {
    // Arrange
    await admin.injectFault({ method: 'GET', pathPrefix: '/secrets/target', status });

    // Act
    const read = await client.getSecret('target');
    const counts = await admin.countsFor(vault);

    // Assert
    expect(read.value).toBe('stored-value');
    expect(counts.faults).toBe(1);
    expect(counts.operations.getSecret).toBe(1);
    expect(await admin.faults()).toEqual([]);
  });

  it('surfaces the error with Key Vault’s body once the SDK’s retries run out', async () => {
    // Arrange
    await admin.injectFault({ method: 'PUT', pathPrefix: '/secrets/target', status: 503, count: 4 });

    // Act
    const error = await client.setSecret('target', 'new-value').catch((e: unknown) => e as RestError);
    const counts = await admin.countsFor(vault);

    // Assert
    expect(error).toBeInstanceOf(RestError);
    expect(error).toMatchObject({ statusCode: 503, code: 'ServiceUnavailable' });
    expect(counts.faults).toBe(4);
    expect(counts.operations.setSecret).toBe(1);
    expect((await client.getSecret('target')).value).toBe('stored-value');
  });

  it.each([
    [403, 'Forbidden'],
    [409, 'Conflict'],
  ])('surfaces a non-retryable %i at once, with the code it was given', async (status, errorCode) => {
    // Arrange
    await admin.injectFault({ method: 'GET', pathPrefix: '/secrets/target', status, errorCode, count: 2 });

    // Act
    const error = await client.getSecret('target').catch((e: unknown) => e as RestError);

    // Assert
    expect(error).toMatchObject({ statusCode: status, code: errorCode });
    expect(await admin.faults()).toEqual([expect.objectContaining({ remaining: 1 })]);
  });

  it('lets the SDK retry an injected 429 that carries Retry-After, unlike Key Vault’s own', async () => {
    // Arrange
    await admin.injectFault({ method: 'GET', pathPrefix: '/secrets/target', status: 429, headers: { 'retry-after': '0' } });

    // Act
    const read = await client.getSecret('target');

    // Assert
    expect(read.value).toBe('stored-value');
    expect((await admin.countsFor(vault)).faults).toBe(1);
  });
});

describe('dropped connections and latency', () => {
  it('lets the SDK retry past a dropped connection', async () => {
    // Arrange
    await admin.injectFault({ method: 'GET', pathPattern: '^/secrets/target/?$', dropConnection: true });

    // Act
    const read = await client.getSecret('target');

    // Assert
    expect(read.value).toBe('stored-value');
    expect((await admin.countsFor(vault)).faults).toBe(1);
  });

  it('surfaces ECONNRESET once every retry was dropped, and the write never happened', async () => {
    // Arrange
    await admin.injectFault({ method: 'PUT', pathPrefix: '/secrets/target', dropConnection: true, count: 4 });

    // Act
    const error = await client.setSecret('target', 'never-stored').catch((e: unknown) => e as RestError);

    // Assert
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect((await client.getSecret('target')).value).toBe('stored-value');
  });

  it('delays a request, then serves it', async () => {
    // Arrange
    await admin.injectFault({ method: 'GET', pathPrefix: '/secrets/target', latencyInMs: 200 });

    // Act
    const read = await client.getSecret('target');

    // Assert
    expect(read.value).toBe('stored-value');
    expect((await admin.countsFor(vault)).faults).toBe(1);
  });

  it('lets a caller’s deadline expire on a slow request', async () => {
    // Arrange
    await admin.injectFault({ method: 'GET', pathPrefix: '/secrets/target', latencyInMs: 5_000 });

    // Act
    const attempt = client.getSecret('target', { abortSignal: AbortSignal.timeout(100) });

    // Assert
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('matching', () => {
  it('hits only the vault, method and path it names', async () => {
    // Arrange
    const other = clients.client(1, FAST_RETRIES);
    await other.setSecret('target', 'other-vault');
    await admin.injectFault({ vault: 'kv-shared-local', method: 'GET', pathPattern: '^/secrets/target/', status: 403, errorCode: 'Forbidden' });

    // Act
    const sameVaultRead = await client.getSecret('target');
    const sameVaultWrite = await other.setSecret('target', 'still-writable');
    const otherVaultRead = await other.getSecret('target').catch((e: unknown) => e as RestError);

    // Assert
    expect(sameVaultRead.value).toBe('stored-value');
    expect(sameVaultWrite.value).toBe('still-writable');
    expect(otherVaultRead).toMatchObject({ statusCode: 403 });
    expect((await admin.countsFor('kv-app-local')).faults).toBe(0);
  });

  it('lists armed faults and clears them', async () => {
    // Arrange
    await admin.injectFault({ method: 'DELETE', pathPrefix: '/secrets/', status: 500, count: 3 });

    // Act
    const listed = await admin.faults();
    await admin.clearFaults();

    // Assert
    expect(listed).toEqual([expect.objectContaining({ method: 'DELETE', pathPrefix: '/secrets/', status: 500, remaining: 3, id: expect.any(String) as unknown })]);
    expect(await admin.faults()).toEqual([]);
  });

  it.each([
    ['no action', { method: 'GET' }],
    ['a bad status', { status: 42 }],
    ['a bad pattern', { pathPattern: '(', status: 500 }],
    ['a drop with a status', { dropConnection: true, status: 500 }],
  ])('refuses a fault with %s', async (_case, spec) => {
    // Act
    const error = await admin.injectFault(spec).catch((e: unknown) => e as EmulatorAdminError);

    // Assert
    expect(error).toBeInstanceOf(EmulatorAdminError);
    expect(error).toMatchObject({ status: 400, code: 'InvalidFault' });
  });
});
