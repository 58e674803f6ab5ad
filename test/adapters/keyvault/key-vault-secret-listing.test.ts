/** The SecretListing adapter with the real SecretClient against the shared Key Vault emulator. */
import { describe, expect, it } from 'vitest';
import { KeyVaultSecretListing } from '../../../src/adapters/keyvault/key-vault-secret-listing.js';
import { VaultRateLimiter } from '../../../src/adapters/keyvault/vault-rate-limiter.js';
import { ValidationError } from '../../../src/core/errors.js';
import { emulatorAdmin, localClients, uniqueName, vaultUrl } from '../../support/local-stand-ins.js';

const clients = localClients();
const listing = new KeyVaultSecretListing(clients, new VaultRateLimiter({ operationsPer10Seconds: 4000 }));

async function collect(vault: string, continuationToken?: string) {
  const pages: { names: string[]; token?: string }[] = [];
  for await (const page of listing.listSecrets(vault, continuationToken ? { continuationToken } : {})) pages.push({ names: page.items.map((s) => s.secretName), ...(page.continuationToken ? { token: page.continuationToken } : {}) });
  return pages;
}

describe('KeyVaultSecretListing', () => {
  it("lists every secret once, 25 to a page, with each current version's properties and never a value", async () => {
    // Arrange
    const vault = vaultUrl(1);
    const client = clients.secretClient(vault);
    const prefix = uniqueName('listing-');
    const expires = new Date(Date.now() + 86_400_000);
    for (let i = 0; i < 30; i++) await client.setSecret(`${prefix}-${i}`, `value-${prefix}-${i}`, { contentType: 'text/plain', expiresOn: expires, tags: { n: String(i) } });
    await client.setSecret(`${prefix}-0`, 'a second version', { contentType: 'application/json', tags: { n: 'latest' } });

    // Act
    const pages: Awaited<ReturnType<typeof collect>> = [];
    const items = [];
    for await (const page of listing.listSecrets(vault)) {
      pages.push({ names: page.items.map((s) => s.secretName) });
      items.push(...page.items);
    }

    // Assert
    const ours = items.filter((s) => s.secretName.startsWith(prefix));
    expect(ours).toHaveLength(30);
    expect(pages.every((p) => p.names.length <= 25)).toBe(true);
    expect(new Set(items.map((s) => s.secretName)).size).toBe(items.length);
    const first = ours.find((s) => s.secretName === `${prefix}-0`)!;
    expect(first).toMatchObject({ vaultUrl: vault, enabled: true, contentType: 'application/json', tags: { n: 'latest' } });
    expect(first.createdOn).toBeInstanceOf(Date);
    expect(JSON.stringify(items)).not.toContain(`value-${prefix}`);
  });

  it('resumes from a page token it gave, and costs one Key Vault list call per page', async () => {
    // Arrange
    const vault = vaultUrl(1);
    const name = new URL(vault).hostname.split('.')[0]!;
    const whole = await collect(vault);
    const admin = emulatorAdmin();
    const before = (await admin.countsFor(name)).operations.listPropertiesOfSecrets;

    // Act
    const resumed = await collect(vault, whole[0]!.token);

    // Assert
    expect(resumed.map((p) => p.names)).toEqual(whole.slice(1).map((p) => p.names));
    expect((await admin.countsFor(name)).operations.listPropertiesOfSecrets - before).toBeGreaterThanOrEqual(resumed.length);
  });

  it.each([
    ['another host', 'https://evil.example/secrets?api-version=7.4'],
    ['another vault', () => `${vaultUrl(0)}/secrets?api-version=7.4`],
    ['another path of the vault', () => `${vaultUrl(1)}/deletedsecrets?api-version=7.4`],
    ['user information', () => vaultUrl(1).replace('https://', 'https://user:pw@') + '/secrets'],
    ['not a URL', 'not a url'],
  ])('refuses a page token naming %s before any request', async (_what, token) => {
    const link = typeof token === 'function' ? token() : token;
    const refusal = await collect(vaultUrl(1), link).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ValidationError);
    expect((refusal as ValidationError).details[0]?.path).toBe('continuationToken');
  });

  it('says whether a secret exists, a disabled one included, from its versions', async () => {
    // Arrange
    const vault = vaultUrl(1);
    const client = clients.secretClient(vault);
    const name = uniqueName('exists-');
    const written = await client.setSecret(name, 'v');
    await client.setSecret(name, 'v2');
    await client.updateSecretProperties(name, written.properties.version!, { enabled: false });

    // Act / Assert
    expect(await listing.exists({ vaultUrl: vault, secretName: name })).toBe(true);
    expect(await listing.exists({ vaultUrl: vault, secretName: uniqueName('absent-') })).toBe(false);
  });
});
