/**
 * Every SecretClient operation the app can use, through the real SDK with challenge
 * verification on, including the errors: what a test built on the emulator sees must
 * be what the same code sees against Key Vault.
 */
import { RestError } from '@azure/core-rest-pipeline';
import type { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorAdminClient, startKeyVaultEmulator, type RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { clientsFor, type EmulatorClients } from './support.js';

const DAY_MS = 24 * 60 * 60 * 1000;

let emulator: RunningKeyVaultEmulator;
let clients: EmulatorClients;
let admin: EmulatorAdminClient;
let client: SecretClient;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator();
  clients = clientsFor(emulator);
  admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  client = clients.client(0);
});

afterAll(async () => {
  clients.close();
  await emulator.stop();
});

beforeEach(async () => {
  await admin.reset();
});

/** Whole seconds, as Key Vault stores times. */
function seconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

async function restErrorOf(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RestError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('setSecret and getSecret', () => {
  it('writes a version and reads it back with every property Key Vault returns', async () => {
    // Arrange
    const expiresOn = new Date(Date.now() + 60 * DAY_MS);
    const notBefore = new Date(Date.now() - DAY_MS);

    // Act
    const written = await client.setSecret('db-password', 'first-value', { contentType: 'text/plain', tags: { owner: 'payments' }, expiresOn, notBefore });
    const read = await client.getSecret('db-password');

    // Assert
    expect(read.value).toBe('first-value');
    expect(written.value).toBe('first-value');
    expect(read.properties).toMatchObject({
      name: 'db-password',
      vaultUrl: emulator.vaults[0]?.url,
      version: written.properties.version,
      id: `${emulator.vaults[0]?.url}/secrets/db-password/${written.properties.version}`,
      enabled: true,
      contentType: 'text/plain',
      tags: { owner: 'payments' },
      expiresOn: seconds(expiresOn),
      notBefore: seconds(notBefore),
      recoverableDays: 90,
      recoveryLevel: 'Recoverable+Purgeable',
    });
    expect(read.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect(read.properties.createdOn?.getTime() ?? 0).toBe(seconds(read.properties.createdOn ?? new Date(0)).getTime());
    expect(read.properties.updatedOn).toEqual(read.properties.createdOn);
  });

  it('adds a version on every set; the latest is the newest, older ones stay readable by version', async () => {
    // Arrange
    const first = await client.setSecret('api-key', 'one');
    const second = await client.setSecret('api-key', 'two');

    // Act
    const latest = await client.getSecret('api-key');
    const older = await client.getSecret('api-key', { version: first.properties.version ?? '' });

    // Assert
    expect(latest.value).toBe('two');
    expect(latest.properties.version).toBe(second.properties.version);
    expect(older.value).toBe('one');
    expect(first.properties.version).not.toBe(second.properties.version);
  });

  it('treats names case-insensitively and keeps the name as first written', async () => {
    // Arrange
    await client.setSecret('Db-Password', 'v1');

    // Act
    await client.setSecret('db-password', 'v2');
    const read = await client.getSecret('DB-PASSWORD');

    // Assert
    expect(read.value).toBe('v2');
    expect(read.name).toBe('Db-Password');
    expect(await collect(client.listPropertiesOfSecretVersions('db-password'))).toHaveLength(2);
  });

  it.each([
    ['an unknown secret', 'missing-secret', undefined],
    ['an unknown version', 'known-secret', '0123456789abcdef0123456789abcdef'],
  ])('answers 404 SecretNotFound for %s', async (_case, name, version) => {
    // Arrange
    await client.setSecret('known-secret', 'x');

    // Act
    const error = await restErrorOf(client.getSecret(name, version ? { version } : {}));

    // Assert
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('SecretNotFound');
    expect(error.message).toContain(`A secret with (name/id) ${version ? `${name}/${version}` : name} was not found in this key vault`);
  });

  it('refuses to read the value of a disabled version with 403 Forbidden, and serves it again once enabled', async () => {
    // Arrange
    const written = await client.setSecret('disabled-one', 'hidden', { enabled: false });

    // Act
    const error = await restErrorOf(client.getSecret('disabled-one'));
    await client.updateSecretProperties('disabled-one', written.properties.version ?? '', { enabled: true });
    const read = await client.getSecret('disabled-one');

    // Assert
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Forbidden');
    expect(error.message).toBe('Operation get is not allowed on a disabled secret.');
    expect((error.details as { error?: { innerError?: { code?: string } } }).error?.innerError?.code).toBe('SecretDisabled');
    expect(read.value).toBe('hidden');
  });
});

describe('updateSecretProperties', () => {
  it('changes only what it is given, moves updatedOn, and never the value', async () => {
    // Arrange
    const written = await client.setSecret('rotating', 'value-1', { contentType: 'text/plain', tags: { a: '1' } });
    await admin.advanceClock(5_000);
    const expiresOn = new Date(Date.now() + 100 * DAY_MS);

    // Act
    const updated = await client.updateSecretProperties('rotating', written.properties.version ?? '', { tags: { b: '2' }, expiresOn });
    const read = await client.getSecret('rotating');

    // Assert
    expect(updated.tags).toEqual({ b: '2' });
    expect(updated.contentType).toBe('text/plain');
    expect(updated.expiresOn?.getTime()).toBeGreaterThan(Date.now());
    expect(updated.updatedOn?.getTime()).toBeGreaterThan(written.properties.updatedOn?.getTime() ?? Infinity);
    expect(read.value).toBe('value-1');
  });

  it('answers 404 SecretNotFound for a version the secret does not have', async () => {
    // Arrange
    await client.setSecret('rotating', 'value-1');

    // Act
    const error = await restErrorOf(client.updateSecretProperties('rotating', 'ffffffffffffffffffffffffffffffff', { enabled: false }));

    // Assert
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('SecretNotFound');
  });
});

describe('listing', () => {
  it('lists every version of a secret without values, disabled ones included', async () => {
    // Arrange
    const versions: Array<string | undefined> = [];
    for (const value of ['a', 'b', 'c']) versions.push((await client.setSecret('listed', value)).properties.version);
    await client.updateSecretProperties('listed', versions[0] ?? '', { enabled: false });

    // Act
    const listed = await collect(client.listPropertiesOfSecretVersions('listed'));

    // Assert
    expect(listed.map((p) => p.version).sort()).toEqual([...versions].sort());
    expect(listed.find((p) => p.version === versions[0])?.enabled).toBe(false);
    expect(listed.every((p) => !('value' in p))).toBe(true);
  });

  it('lists no versions, rather than failing, for a secret that does not exist', async () => {
    // Act
    const listed = await collect(client.listPropertiesOfSecretVersions('never-written'));

    // Assert
    expect(listed).toEqual([]);
  });

  it('lists each live secret once, with its current version’s attributes and no version in the id', async () => {
    // Arrange
    await client.setSecret('alpha', '1', { tags: { v: 'old' } });
    await client.setSecret('alpha', '2', { tags: { v: 'new' } });
    await client.setSecret('beta', '1');
    await client.setSecret('gone', '1');
    await (await client.beginDeleteSecret('gone')).pollUntilDone();

    // Act
    const listed = await collect(client.listPropertiesOfSecrets());

    // Assert
    expect(listed.map((p) => p.name)).toEqual(['alpha', 'beta']);
    expect(listed[0]).toMatchObject({ id: `${emulator.vaults[0]?.url}/secrets/alpha`, version: undefined, tags: { v: 'new' } });
  });
});

describe('soft delete, recover and purge', () => {
  it('deletes into a recoverable state with recoveryId, deletedOn and a purge date 90 days out', async () => {
    // Arrange
    await client.setSecret('to-delete', 'value', { tags: { keep: 'me' } });

    // Act
    const poller = await client.beginDeleteSecret('to-delete');
    const deleted = await poller.pollUntilDone();
    const fetched = await client.getDeletedSecret('to-delete');
    const listed = await collect(client.listDeletedSecrets());
    const readError = await restErrorOf(client.getSecret('to-delete'));

    // Assert
    expect(deleted.recoveryId).toBe(`${emulator.vaults[0]?.url}/deletedsecrets/to-delete`);
    expect(deleted.value).toBeUndefined();
    expect((deleted.scheduledPurgeDate?.getTime() ?? 0) - (deleted.deletedOn?.getTime() ?? 0)).toBe(90 * DAY_MS);
    expect(fetched).toMatchObject({ name: 'to-delete', recoveryId: deleted.recoveryId, properties: { tags: { keep: 'me' } } });
    expect(listed.map((s) => s.name)).toEqual(['to-delete']);
    expect(readError.statusCode).toBe(404);
    expect(readError.code).toBe('SecretNotFound');
  });

  it('refuses to set a soft-deleted name with 409 Conflict (ObjectIsDeletedButRecoverable)', async () => {
    // Arrange
    await client.setSecret('soft-deleted', 'value');
    await (await client.beginDeleteSecret('soft-deleted')).pollUntilDone();

    // Act
    const error = await restErrorOf(client.setSecret('soft-deleted', 'new value'));

    // Assert
    expect(error.statusCode).toBe(409);
    expect(error.code).toBe('Conflict');
    expect((error.details as { error?: { innerError?: { code?: string } } }).error?.innerError?.code).toBe('ObjectIsDeletedButRecoverable');
    expect(error.message).toContain('is currently in a deleted but recoverable state');
  });

  it('recovers every version of a deleted secret', async () => {
    // Arrange
    const first = await client.setSecret('recoverable', 'one');
    await client.setSecret('recoverable', 'two');
    await (await client.beginDeleteSecret('recoverable')).pollUntilDone();

    // Act
    const recovered = await (await client.beginRecoverDeletedSecret('recoverable')).pollUntilDone();

    // Assert
    expect(recovered.name).toBe('recoverable');
    expect((await client.getSecret('recoverable')).value).toBe('two');
    expect((await client.getSecret('recoverable', { version: first.properties.version ?? '' })).value).toBe('one');
    expect(await collect(client.listDeletedSecrets())).toEqual([]);
  });

  it('purges a deleted secret so its name can be used again', async () => {
    // Arrange
    await client.setSecret('purged', 'old');
    await (await client.beginDeleteSecret('purged')).pollUntilDone();

    // Act
    await client.purgeDeletedSecret('purged');
    const afterPurge = await restErrorOf(client.getDeletedSecret('purged'));
    const rewritten = await client.setSecret('purged', 'new');

    // Assert
    expect(afterPurge.statusCode).toBe(404);
    expect(afterPurge.code).toBe('SecretNotFound');
    expect(rewritten.value).toBe('new');
    expect(await collect(client.listPropertiesOfSecretVersions('purged'))).toHaveLength(1);
  });

  it.each([
    ['getDeletedSecret', (c: SecretClient) => c.getDeletedSecret('live-secret')],
    ['purgeDeletedSecret', (c: SecretClient) => c.purgeDeletedSecret('live-secret')],
    ['beginDeleteSecret of an unknown name', (c: SecretClient) => c.beginDeleteSecret('unknown-secret')],
  ])('answers 404 SecretNotFound to %s', async (_name, call) => {
    // Arrange
    await client.setSecret('live-secret', 'value');

    // Act
    const error = await restErrorOf(call(client));

    // Assert
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('SecretNotFound');
  });

  it('purges a deleted secret by itself once its retention has passed on the emulator clock', async () => {
    // Arrange
    await client.setSecret('retained', 'value');
    await (await client.beginDeleteSecret('retained')).pollUntilDone();

    // Act
    await admin.advanceClock(90 * DAY_MS + 1_000);
    const error = await restErrorOf(client.getDeletedSecret('retained'));

    // Assert
    expect(error.statusCode).toBe(404);
    expect((await client.setSecret('retained', 'again')).value).toBe('again');
  });
});

describe('backup and restore', () => {
  it('backs up an opaque blob that restores every version, with the same versions, into another vault', async () => {
    // Arrange
    const first = await client.setSecret('portable', 'value-one', { tags: { t: '1' } });
    await client.setSecret('portable', 'value-two');
    const other = clients.client(1);

    // Act
    const backup = await client.backupSecret('portable');
    const restored = await other.restoreSecretBackup(backup ?? new Uint8Array());

    // Assert
    const text = Buffer.from(backup ?? new Uint8Array()).toString('latin1');
    expect(text).not.toContain('value-one');
    expect(text).not.toContain('portable');
    expect(restored.name).toBe('portable');
    expect(restored.vaultUrl).toBe(emulator.vaults[1]?.url);
    expect((await other.getSecret('portable')).value).toBe('value-two');
    expect((await other.getSecret('portable', { version: first.properties.version ?? '' })).properties.tags).toEqual({ t: '1' });
  });

  it.each([
    ['the name is in use', false, 409, 'Conflict'],
    ['the name is soft-deleted', true, 409, 'Conflict'],
  ])('refuses a restore when %s', async (_case, softDelete, status, code) => {
    // Arrange
    await client.setSecret('taken', 'value');
    const backup = (await client.backupSecret('taken')) ?? new Uint8Array();
    if (softDelete) await (await client.beginDeleteSecret('taken')).pollUntilDone();

    // Act
    const error = await restErrorOf(client.restoreSecretBackup(backup));

    // Assert
    expect(error.statusCode).toBe(status);
    expect(error.code).toBe(code);
  });

  it('refuses a blob it did not produce with 400 BadParameter', async () => {
    // Act
    const error = await restErrorOf(client.restoreSecretBackup(new TextEncoder().encode('{"name":"forged","value":"x"}')));

    // Assert
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('BadParameter');
  });

  it('answers 404 SecretNotFound when backing up a secret that does not exist', async () => {
    // Act
    const error = await restErrorOf(client.backupSecret('nothing-here'));

    // Assert
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('SecretNotFound');
  });
});

describe('input limits', () => {
  const tags = (count: number): Record<string, string> => Object.fromEntries(Array.from({ length: count }, (_, i) => [`tag${i}`, 'v']));

  it.each([
    ['a name with an underscore', 'bad_name', 'v', {}],
    ['a name of 128 characters', 'n'.repeat(128), 'v', {}],
    ['a value over 25,600 bytes', 'big', 'x'.repeat(25_601), {}],
    ['a multi-byte value over 25,600 bytes', 'big', 'é'.repeat(12_801), {}],
    ['a contentType of 256 characters', 'typed', 'v', { contentType: 'c'.repeat(256) }],
    ['16 tags', 'tagged', 'v', { tags: tags(16) }],
    ['a tag name of 257 characters', 'tagged', 'v', { tags: { ['k'.repeat(257)]: 'v' } }],
    ['a tag value of 257 characters', 'tagged', 'v', { tags: { k: 'v'.repeat(257) } }],
  ])('refuses %s with 400 BadParameter and stores nothing', async (_case, name, value, options) => {
    // Act
    const error = await restErrorOf(client.setSecret(name, value, options));

    // Assert
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('BadParameter');
    expect(await collect(client.listPropertiesOfSecrets())).toEqual([]);
  });

  it.each([
    ['a name of 127 characters', 'n'.repeat(127), 'v', {}],
    ['a name starting with a digit or hyphen', '-1st', 'v', {}],
    ['a value of exactly 25,600 bytes', 'big', 'x'.repeat(25_600), {}],
    ['a contentType of 255 characters', 'typed', 'v', { contentType: 'c'.repeat(255) }],
    ['15 tags of 256-character names and values', 'tagged', 'v', { tags: Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`${i}`.padEnd(256, 'k'), 'v'.repeat(256)])) }],
  ])('accepts %s', async (_case, name, value, options) => {
    // Act
    const written = await client.setSecret(name, value, options);

    // Assert
    expect((await client.getSecret(name)).value).toBe(value);
    expect(written.name).toBe(name);
  });
});

describe('service versions', () => {
  it.each(['7.4', '7.5', '7.6', '2025-07-01'] as const)('serves a client pinned to api-version %s', async (serviceVersion) => {
    // Arrange
    const pinned = clients.client(0, { serviceVersion });

    // Act
    await pinned.setSecret('versioned', serviceVersion);

    // Assert
    expect((await pinned.getSecret('versioned')).value).toBe(serviceVersion);
  });
});
