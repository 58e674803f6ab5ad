/**
 * Key Vault's bearer challenge, which the SDK depends on: its first request is sent
 * bodiless and unauthenticated, and only the 401 with WWW-Authenticate makes it get a
 * token and resend with the body. A server that accepted that request would store nothing
 * useful, or worse.
 */
import { Agent } from 'node:https';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAzureClientFactory, localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import { EMULATOR_TENANT_ID, EmulatorAdminClient, startKeyVaultEmulator, type RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { clientsFor, rawRequest, type EmulatorClients } from './support.js';

let emulator: RunningKeyVaultEmulator;
let clients: EmulatorClients;
let admin: EmulatorAdminClient;
let host: string;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator();
  clients = clientsFor(emulator);
  admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  host = new URL(emulator.vaults[0]?.url ?? '').host;
});

afterAll(async () => {
  clients.close();
  await emulator.stop();
});

beforeEach(async () => {
  await admin.reset();
});

const EXPECTED_CHALLENGE = `Bearer authorization="https://login.microsoftonline.com/${EMULATOR_TENANT_ID}", resource="https://vault.azure.net"`;

describe('an unauthenticated request', () => {
  it.each([
    ['bodiless, as the SDK probes', undefined],
    ['with a body', JSON.stringify({ value: 'should-not-be-stored' })],
  ])('is answered 401 with the challenge and changes nothing (%s)', async (_case, body) => {
    // Act
    const response = await rawRequest(emulator, { host, method: 'PUT', path: '/secrets/probe?api-version=2025-07-01', ...(body !== undefined ? { body } : {}) });
    const after = await rawRequest(emulator, { host, method: 'GET', path: '/secrets/probe/?api-version=2025-07-01', headers: { authorization: 'Bearer t' } });

    // Assert
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(EXPECTED_CHALLENGE);
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } });
    expect(after.status).toBe(404);
    expect((await admin.countsFor(emulator.vaults[0]?.name ?? '')).challenges).toBe(1);
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer    ', 'token-without-scheme', 'Bearer a b'])('is refused for a malformed Authorization header: %s', async (authorization) => {
    // Act
    const response = await rawRequest(emulator, { host, method: 'GET', path: '/secrets?api-version=2025-07-01', headers: { authorization } });

    // Assert
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe(EXPECTED_CHALLENGE);
  });

  it('is accepted with any bearer token, unverified', async () => {
    // Act
    const response = await rawRequest(emulator, { host, method: 'GET', path: '/secrets?api-version=2025-07-01', headers: { authorization: 'bearer not-a-jwt' } });

    // Assert
    expect(response.status).toBe(200);
  });
});

describe('the real SDK with challenge-resource verification on', () => {
  it.each([0, 1])('completes the challenge once per client and then works against vault %i', async (index) => {
    // Arrange
    const vault = emulator.vaults[index];
    const client = new SecretClient(vault?.url ?? '', localEmulatorCredential, { agent: clients.agent });

    // Act
    await client.setSecret('through-the-challenge', 'value');
    const read = await client.getSecret('through-the-challenge');
    const counts = await admin.countsFor(vault?.name ?? '');

    // Assert
    expect(read.value).toBe('value');
    expect(counts.challenges).toBe(1);
    expect(counts.operations.setSecret).toBe(1);
    expect(counts.operations.getSecret).toBe(1);
  });

  it('works through the app’s own client factory, given only the emulator’s trust settings', async () => {
    // Arrange
    const factory = createAzureClientFactory({
      storage: { kind: 'local-connection-string', connectionString: 'UseDevelopmentStorage=true' },
      keyVaultEmulator: { caCertPath: emulator.caCertPath, address: '127.0.0.1' },
    });
    const client = factory.secretClient(emulator.vaults[1]?.url ?? '');

    // Act
    const written = await client.setSecret('from-the-factory', 'value');

    // Assert
    expect((await client.getSecret('from-the-factory')).properties.version).toBe(written.properties.version);
  });

  it('fails TLS verification for a client that does not trust the emulator’s CA', async () => {
    // Arrange
    const untrusting = new Agent({ lookup: ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => (options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4))) as never });
    const client = new SecretClient(emulator.vaults[0]?.url ?? '', localEmulatorCredential, { agent: untrusting, retryOptions: { maxRetries: 0 } });

    // Act
    const attempt = client.getSecret('anything');

    // Assert
    await expect(attempt).rejects.toThrow(/certificate/);
    untrusting.destroy();
  });
});
