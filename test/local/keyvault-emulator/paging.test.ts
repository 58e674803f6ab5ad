/**
 * Paging as Key Vault does it: `{value, nextLink}` with an absolute nextLink the SDK
 * follows as is, maxresults honoured up to Key Vault's 25 a page.
 */
import type { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorAdminClient, startKeyVaultEmulator, type RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { clientsFor, rawRequest, type EmulatorClients } from './support.js';

let emulator: RunningKeyVaultEmulator;
let clients: EmulatorClients;
let admin: EmulatorAdminClient;
let client: SecretClient;
let vault: { name: string; url: string };

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({ vaults: ['kv-paging'] });
  clients = clientsFor(emulator);
  admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  client = clients.client(0);
  vault = emulator.vaults[0] ?? { name: '', url: '' };
});

afterAll(async () => {
  clients.close();
  await emulator.stop();
});

beforeEach(async () => {
  await admin.reset();
});

async function writeSecrets(count: number, prefix = 's'): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
  await Promise.all(names.map((name) => client.setSecret(name, 'v')));
  return names;
}

async function pageSizes<T>(pages: AsyncIterable<T[]>): Promise<{ sizes: number[]; items: T[] }> {
  const sizes: number[] = [];
  const items: T[] = [];
  for await (const page of pages) {
    sizes.push(page.length);
    items.push(...page);
  }
  return { sizes, items };
}

describe('listPropertiesOfSecrets', () => {
  it('iterates every secret across pages of 25, one request per page', async () => {
    // Arrange
    const names = await writeSecrets(60);

    // Act
    const listed = [];
    for await (const properties of client.listPropertiesOfSecrets()) listed.push(properties.name);

    // Assert
    expect(listed.sort()).toEqual(names);
    expect((await admin.countsFor(vault.name)).operations.listPropertiesOfSecrets).toBe(3);
  });

  it.each([
    [7, 30, [7, 7, 7, 7, 2]],
    [25, 30, [25, 5]],
    [100, 30, [25, 5]],
    [1, 3, [1, 1, 1]],
  ])('honours maxPageSize %i over %i secrets, capped at 25', async (maxPageSize, count, expected) => {
    // Arrange
    const names = await writeSecrets(count);

    // Act
    const { sizes, items } = await pageSizes(client.listPropertiesOfSecrets().byPage({ maxPageSize }));

    // Assert
    expect(sizes).toEqual(expected);
    expect(items.map((p) => p.name)).toEqual(names);
  });

  it('keeps its place when secrets are written between pages', async () => {
    // Arrange
    await writeSecrets(10, 'b');
    const pages = client.listPropertiesOfSecrets().byPage({ maxPageSize: 4 });
    const seen: string[] = [];

    // Act
    for await (const page of pages) {
      seen.push(...page.map((p) => p.name));
      if (seen.length === 4) await client.setSecret('a-written-behind', 'v');
    }

    // Assert
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `b-${String(i).padStart(3, '0')}`));
  });
});

describe('listPropertiesOfSecretVersions and listDeletedSecrets', () => {
  it('pages through every version of one secret exactly once', async () => {
    // Arrange
    const versions: string[] = [];
    for (let i = 0; i < 12; i += 1) versions.push((await client.setSecret('many-versions', `v${i}`)).properties.version ?? '');

    // Act
    const { sizes, items } = await pageSizes(client.listPropertiesOfSecretVersions('many-versions').byPage({ maxPageSize: 5 }));

    // Assert
    expect(sizes).toEqual([5, 5, 2]);
    expect(items.map((p) => p.version).sort()).toEqual([...versions].sort());
  });

  it('pages through deleted secrets', async () => {
    // Arrange
    const names = await writeSecrets(6, 'd');
    for (const name of names) await (await client.beginDeleteSecret(name)).pollUntilDone();

    // Act
    const { sizes, items } = await pageSizes(client.listDeletedSecrets().byPage({ maxPageSize: 4 }));

    // Assert
    expect(sizes).toEqual([4, 2]);
    expect(items.map((s) => s.name)).toEqual(names);
  });
});

describe('nextLink on the wire', () => {
  it('is an absolute URL on the vault that carries api-version, a skip token and maxresults', async () => {
    // Arrange
    await writeSecrets(3);
    const host = new URL(vault.url).host;

    // Act
    const first = await rawRequest(emulator, { host, method: 'GET', path: '/secrets?api-version=7.6&maxresults=2', headers: { authorization: 'Bearer t' } });
    const nextLink = (JSON.parse(first.body) as { nextLink: string }).nextLink;
    const next = new URL(nextLink);
    const second = await rawRequest(emulator, { host, method: 'GET', path: `${next.pathname}${next.search}`, headers: { authorization: 'Bearer t' } });

    // Assert
    expect(next.origin).toBe(vault.url);
    expect(next.pathname).toBe('/secrets');
    expect(next.searchParams.get('api-version')).toBe('7.6');
    expect(next.searchParams.get('maxresults')).toBe('2');
    expect(next.searchParams.get('$skiptoken')).toBeTruthy();
    expect(JSON.parse(second.body)).toEqual({ value: [expect.objectContaining({ id: `${vault.url}/secrets/s-002` })], nextLink: null });
  });

  it.each(['0', '-1', 'ten'])('refuses maxresults=%s with 400 BadParameter', async (maxresults) => {
    // Act
    const response = await rawRequest(emulator, {
      host: new URL(vault.url).host,
      method: 'GET',
      path: `/secrets?api-version=7.6&maxresults=${maxresults}`,
      headers: { authorization: 'Bearer t' },
    });

    // Assert
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'BadParameter' } });
  });
});
