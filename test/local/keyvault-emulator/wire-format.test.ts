/**
 * What the SDK hides: the JSON Key Vault sends (Unix-second times, which fields appear
 * where), api-version handling, and answers to paths and methods Key Vault does not serve.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorAdminClient, startKeyVaultEmulator, type RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { rawRequest, type RawResponse } from './support.js';

let emulator: RunningKeyVaultEmulator;
let admin: EmulatorAdminClient;
let vaultHost: string;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator();
  admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  vaultHost = new URL(emulator.vaults[0]?.url ?? '').host;
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(async () => {
  await admin.reset();
});

function call(method: string, path: string, body?: unknown): Promise<RawResponse> {
  return rawRequest(emulator, {
    host: vaultHost,
    method,
    path,
    headers: { authorization: 'Bearer any-token' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

function json(response: RawResponse): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}

describe('bundles on the wire', () => {
  it('answers a set with the value, the versioned id and attributes in whole Unix seconds', async () => {
    // Act
    const response = await call('PUT', '/secrets/wire?api-version=2025-07-01', { value: 'v', attributes: { exp: 2_000_000_000, nbf: 1_700_000_000 } });

    // Assert
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = json(response);
    expect(Object.keys(body)).toEqual(['value', 'id', 'attributes']);
    expect(body['id']).toMatch(new RegExp(`^https://${vaultHost}/secrets/wire/[0-9a-f]{32}$`));
    const attributes = body['attributes'] as Record<string, number | string | boolean>;
    expect(Object.keys(attributes)).toEqual(['enabled', 'nbf', 'exp', 'created', 'updated', 'recoveryLevel', 'recoverableDays']);
    expect(attributes).toMatchObject({ enabled: true, nbf: 1_700_000_000, exp: 2_000_000_000, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 });
    expect(Number.isInteger(attributes['created'])).toBe(true);
    expect(Math.abs(Number(attributes['created']) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('answers an update, a recover and a restore without the value', async () => {
    // Arrange
    const set = json(await call('PUT', '/secrets/quiet?api-version=7.4', { value: 'secret-value' }));
    const version = String(set['id']).split('/').pop();

    // Act
    const updated = json(await call('PATCH', `/secrets/quiet/${version}?api-version=7.4`, { tags: { a: 'b' } }));
    const backup = json(await call('POST', '/secrets/quiet/backup?api-version=7.4'));
    await call('DELETE', '/secrets/quiet?api-version=7.4');
    const recovered = json(await call('POST', '/deletedsecrets/quiet/recover?api-version=7.4'));
    await call('DELETE', '/secrets/quiet?api-version=7.4');
    await call('DELETE', '/deletedsecrets/quiet?api-version=7.4');
    const restored = json(await call('POST', '/secrets/restore?api-version=7.4', { value: backup['value'] }));

    // Assert
    for (const body of [updated, recovered, restored]) expect(body).not.toHaveProperty('value');
    expect(updated['tags']).toEqual({ a: 'b' });
    expect(typeof backup['value']).toBe('string');
    expect(String(backup['value'])).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('answers a delete with a deleted bundle and a purge with 204 and no body', async () => {
    // Arrange
    await call('PUT', '/secrets/doomed?api-version=7.5', { value: 'v' });

    // Act
    const deleted = await call('DELETE', '/secrets/doomed?api-version=7.5');
    const purged = await call('DELETE', '/deletedsecrets/doomed?api-version=7.5');

    // Assert
    const body = json(deleted);
    expect(Object.keys(body).slice(0, 3)).toEqual(['recoveryId', 'deletedDate', 'scheduledPurgeDate']);
    expect(body['recoveryId']).toBe(`https://${vaultHost}/deletedsecrets/doomed`);
    expect(body).not.toHaveProperty('value');
    expect(Number(body['scheduledPurgeDate']) - Number(body['deletedDate'])).toBe(90 * 24 * 60 * 60);
    expect(purged.status).toBe(204);
    expect(purged.body).toBe('');
  });

  it('reads the latest version with or without the trailing slash', async () => {
    // Arrange
    await call('PUT', '/secrets/slash?api-version=7.6', { value: 'v' });

    // Act
    const withSlash = await call('GET', '/secrets/slash/?api-version=7.6');
    const withoutSlash = await call('GET', '/secrets/slash?api-version=7.6');

    // Assert
    expect(withSlash.status).toBe(200);
    expect(json(withSlash)['id']).toBe(json(withoutSlash)['id']);
  });

  it('answers a list with value and an explicit null nextLink on the last page', async () => {
    // Arrange
    await call('PUT', '/secrets/listed?api-version=7.6', { value: 'v', contentType: 'text/plain' });

    // Act
    const body = json(await call('GET', '/secrets?api-version=7.6'));

    // Assert
    expect(body).toEqual({
      value: [{ id: `https://${vaultHost}/secrets/listed`, contentType: 'text/plain', attributes: expect.objectContaining({ enabled: true }) as unknown }],
      nextLink: null,
    });
  });
});

describe('api-version', () => {
  it('decodes a percent-encoded query key, as the SDK sends it', async () => {
    // Act
    const response = await call('PUT', '/secrets/encoded?api%2Dversion=2025-07-01', { value: 'v' });

    // Assert
    expect(response.status).toBe(200);
  });

  it('refuses a request without api-version with 400 BadParameter', async () => {
    // Act
    const response = await call('GET', '/secrets');

    // Assert
    expect(response.status).toBe(400);
    expect(json(response)).toEqual({ error: { code: 'BadParameter', message: expect.stringContaining('api-version') as unknown } });
  });

  it('refuses an unknown api-version the way Key Vault words it', async () => {
    // Act
    const response = await call('GET', '/secrets?api-version=2099-01-01');

    // Assert
    expect(response.status).toBe(400);
    expect(json(response)).toEqual({
      error: { code: 'BadParameter', message: 'The specified version (2099-01-01) is not recognized. Consider using the latest supported version (2025-07-01).' },
    });
  });
});

describe('paths and methods Key Vault does not serve', () => {
  it.each(['/keys?api-version=7.4', '/certificates/c?api-version=7.4', '/secrets/a/b/c?api-version=7.4', '/?api-version=7.4'])(
    'answers %s with the front end’s HTML 404',
    async (path) => {
      // Act
      const response = await call('GET', path);

      // Assert
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toBe('text/html');
      expect(response.body).toContain('404 - File or directory not found.');
    },
  );

  it.each([
    ['POST', '/secrets/name?api-version=7.4', 'PUT, GET, PATCH, DELETE'],
    ['PUT', '/secrets/name/versions?api-version=7.4', 'GET'],
    ['DELETE', '/secrets?api-version=7.4', 'GET'],
    ['PUT', '/deletedsecrets/name?api-version=7.4', 'GET, DELETE'],
  ])('answers %s %s with 405 and an error body', async (method, path, allow) => {
    // Act
    const response = await call(method, path, {});

    // Assert
    expect(response.status).toBe(405);
    expect(response.headers['allow']).toBe(allow);
    expect(json(response)).toEqual({ error: { code: 'MethodNotAllowed', message: `The requested resource does not support http method '${method}'.` } });
  });

  it('refuses a body that is not JSON with 400 BadParameter', async () => {
    // Act
    const response = await rawRequest(emulator, {
      host: vaultHost,
      method: 'PUT',
      path: '/secrets/broken?api-version=7.4',
      headers: { authorization: 'Bearer t' },
      body: '{not json',
    });

    // Assert
    expect(response.status).toBe(400);
    expect(json(response)['error']).toMatchObject({ code: 'BadParameter' });
  });

  it('counts requests to unknown paths apart from the operations', async () => {
    // Arrange
    await call('GET', '/keys?api-version=7.4');

    // Act
    const counts = await admin.countsFor(emulator.vaults[0]?.name ?? '');

    // Assert
    expect(counts.unknown).toBe(1);
    expect(Object.values(counts.operations).reduce((a, b) => a + b, 0)).toBe(0);
  });
});
