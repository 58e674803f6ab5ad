/**
 * SecretListing over the real SecretClient: the secrets and secret-versions listings only
 * (GET /secrets, GET /secrets/{name}/versions), so no value is ever requested. One Key Vault
 * page is fetched at a time, each after the vault's rate limiter allows it.
 */
import { toInfo } from './key-vault-secret-store.js';
import { isRestError } from '@azure/core-rest-pipeline';
import { parseKeyVaultSecretIdentifier, type SecretClient, type SecretProperties } from '@azure/keyvault-secrets';
import { ValidationError } from '../../core/errors.js';
import type { ListedSecret, ListSecretsOptions, Page, SecretListing, SecretRef, SecretVersionInfo } from '../../core/ports.js';
import type { AzureClientFactory } from '../azure-clients.js';
import { sanitizeKeyVaultError } from './key-vault-secret-store.js';
import type { VaultRateLimiter } from './vault-rate-limiter.js';

/** Key Vault's largest page. */
const KEY_VAULT_PAGE_SIZE = 25;

/** A /secrets list item as the SDK's generated client deserialises it: times are Dates already. */
interface WireSecretItem {
  id?: string;
  attributes?: { enabled?: boolean; notBefore?: Date; expires?: Date; created?: Date; updated?: Date };
  tags?: Record<string, string>;
  contentType?: string;
}

type WirePage = WireSecretItem[] & { continuationToken?: string };

interface GeneratedSecretsClient {
  getSecrets(options: { maxresults?: number; abortSignal?: AbortSignal }): { byPage(settings: { continuationToken?: string }): AsyncIterableIterator<WirePage> };
}

/**
 * listPropertiesOfSecrets().byPage() in @azure/keyvault-secrets 4.11 maps each page with
 * page.map(...), which drops the page's continuationToken (the nextLink): a report could read
 * a whole vault but never resume one. Its generated client, which the SecretClient wraps with
 * the same pipeline, keeps the token on each page; it is used here and its items mapped as
 * the SDK maps them. The SDK version is pinned in package.json, and this adapter's tests
 * fail loudly if an upgrade moves it.
 */
function generatedClient(client: SecretClient): GeneratedSecretsClient {
  const inner = (client as unknown as { client?: Partial<GeneratedSecretsClient> }).client;
  if (typeof inner?.getSecrets !== 'function') throw new Error('@azure/keyvault-secrets no longer exposes its generated client: the secrets listing cannot resume from a page link');
  return inner as GeneratedSecretsClient;
}

function toListed(vaultUrl: string, item: WireSecretItem): ListedSecret {
  const attributes = item.attributes ?? {};
  return {
    vaultUrl,
    secretName: parseKeyVaultSecretIdentifier(item.id ?? '').name,
    enabled: attributes.enabled ?? true,
    ...(attributes.created ? { createdOn: attributes.created } : {}),
    ...(attributes.updated ? { updatedOn: attributes.updated } : {}),
    ...(attributes.notBefore ? { notBefore: attributes.notBefore } : {}),
    ...(attributes.expires ? { expiresOn: attributes.expires } : {}),
    ...(item.contentType ? { contentType: item.contentType } : {}),
    tags: { ...(item.tags ?? {}) },
  };
}

/**
 * The SDK resumes from a page link (Key Vault's nextLink). A link from a caller is followed
 * only when it is this vault's own /secrets listing: the client would send its token wherever
 * the link points.
 */
function checkPageLink(vaultUrl: string, link: string): void {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw invalidToken();
  }
  if (url.origin.toLowerCase() !== new URL(vaultUrl).origin.toLowerCase() || url.pathname !== '/secrets' || url.username || url.password || url.hash) throw invalidToken();
}

function invalidToken(): ValidationError {
  return new ValidationError('continuationToken is invalid', [{ path: 'continuationToken', message: 'not a token this report gave' }]);
}

export class KeyVaultSecretListing implements SecretListing {
  constructor(
    private readonly clients: Pick<AzureClientFactory, 'secretClient'>,
    private readonly limiter: VaultRateLimiter,
  ) {}

  async *listSecrets(vaultUrl: string, options: ListSecretsOptions = {}): AsyncIterable<Page<ListedSecret>> {
    if (options.continuationToken !== undefined) checkPageLink(vaultUrl, options.continuationToken);
    const pages = generatedClient(this.clients.secretClient(vaultUrl))
      .getSecrets({ maxresults: KEY_VAULT_PAGE_SIZE, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) })
      .byPage(options.continuationToken ? { continuationToken: options.continuationToken } : {});
    for (;;) {
      await this.limiter.acquire(vaultUrl);
      let result: IteratorResult<WirePage>;
      try {
        result = await pages.next();
      } catch (error) {
        throw sanitizeKeyVaultError('listing the secrets of', { vaultUrl, secretName: '*' }, error);
      }
      if (result.done) return;
      const page = result.value;
      yield { items: page.map((item) => toListed(vaultUrl, item)), ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
      if (!page.continuationToken) return;
    }
  }

  async exists(ref: SecretRef): Promise<boolean> {
    const client = this.clients.secretClient(ref.vaultUrl);
    await this.limiter.acquire(ref.vaultUrl);
    try {
      // Key Vault answers 404 for a secret it does not have; an empty first page means the same.
      const first = await client.listPropertiesOfSecretVersions(ref.secretName).byPage({ maxPageSize: 1 }).next();
      return !first.done && first.value.length > 0;
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return false;
      throw sanitizeKeyVaultError('listing versions of', ref, error);
    }
  }

  async newestVersions(ref: SecretRef): Promise<SecretVersionInfo[]> {
    const pages = this.clients.secretClient(ref.vaultUrl).listPropertiesOfSecretVersions(ref.secretName).byPage({ maxPageSize: KEY_VAULT_PAGE_SIZE });
    let newest: SecretVersionInfo[] = [];
    for (;;) {
      await this.limiter.acquire(ref.vaultUrl);
      let result: IteratorResult<SecretProperties[]>;
      try {
        result = await pages.next();
      } catch (error) {
        if (isRestError(error) && error.statusCode === 404) return [];
        throw sanitizeKeyVaultError('listing versions of', ref, error);
      }
      if (result.done) return newest;
      for (const properties of result.value) {
        // Key Vault's current version is the one created last; its whole-second times can tie.
        const created = properties.createdOn?.getTime() ?? 0;
        const newestCreated = newest[0]?.createdOn?.getTime() ?? 0;
        if (newest.length === 0 || created > newestCreated) newest = [toInfo(ref, properties)];
        else if (created === newestCreated) newest.push(toInfo(ref, properties));
      }
    }
  }
}
