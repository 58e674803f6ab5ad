/**
 * A storage account's access keys through ARM (@azure/arm-storage: listKeys, regenerateKey),
 * and whether a key works, asked of the account's own blob endpoint with a Shared Key signed
 * request (@azure/storage-blob). Keys travel as SecretValue; errors name the account, never a key.
 */
import { BlobServiceClient, newPipeline, StorageSharedKeyCredential } from '@azure/storage-blob';
import { isRestError } from '@azure/core-rest-pipeline';
import type { Agent } from 'node:https';
import { PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import { SecretValue } from '../../core/secret-value.js';
import type { ArmClients } from './arm-clients.js';
import { armError } from './arm-vault-access-source.js';

export const STORAGE_KEY_NAMES = ['key1', 'key2'] as const;
export type StorageKeyName = (typeof STORAGE_KEY_NAMES)[number];

export interface StorageAccountKey {
  keyName: StorageKeyName;
  value: SecretValue;
  creationTime?: Date;
}

export interface StorageKeysOptions {
  abortSignal?: AbortSignal;
}

export interface VerifyKeyOptions extends StorageKeysOptions {
  /** The cloud's storage DNS suffix, for the blob endpoint when ARM will not say it; default core.windows.net. */
  endpointSuffix?: string;
}

const ACCOUNT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)$/i;

export interface StorageAccountRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export function parseStorageAccountId(accountId: string): StorageAccountRef {
  const match = ACCOUNT_ID.exec(accountId);
  if (!match) throw new PermanentDependencyError(`'${accountId.slice(0, 300)}' is not a storage account resource id`);
  return { subscriptionId: match[1]!, resourceGroup: match[2]!, name: match[3]! };
}

function keysOf(account: string, result: { keys?: Array<{ keyName?: string; value?: string; creationTime?: Date }> }): StorageAccountKey[] {
  return (result.keys ?? []).flatMap((key): StorageAccountKey[] => {
    const keyName = STORAGE_KEY_NAMES.find((name) => name === key.keyName?.toLowerCase());
    // Kerberos keys (kerb1, kerb2) are not account keys.
    if (!keyName) return [];
    if (!key.value) throw new PermanentDependencyError(`ARM answered ${keyName} of storage account ${account} without a value`);
    return [{ keyName, value: SecretValue.of(key.value), ...(key.creationTime ? { creationTime: key.creationTime } : {}) }];
  });
}

/** A core-http style policy that sends the blob endpoint's requests through the stand-in's agent (storage-blob takes no agent option). */
function agentFactory(agent: Agent): { create(next: { sendRequest(request: { agent?: unknown }): Promise<unknown> }): { sendRequest(request: { agent?: unknown }): Promise<unknown> } } {
  return {
    create: (next) => ({
      sendRequest: (request) => {
        request.agent = agent;
        return next.sendRequest(request);
      },
    }),
  };
}

export class StorageAccountKeys {
  readonly #blobEndpoints = new Map<string, string>();

  constructor(private readonly clients: ArmClients) {}

  /** key1 and key2 with their values, as listKeys answers them. */
  async list(accountId: string, options: StorageKeysOptions = {}): Promise<StorageAccountKey[]> {
    const { subscriptionId, resourceGroup, name } = parseStorageAccountId(accountId);
    try {
      return keysOf(name, await this.clients.storage(subscriptionId).storageAccounts.listKeys(resourceGroup, name, signal(options)));
    } catch (error) {
      if (error instanceof PermanentDependencyError) throw error;
      throw armError(error, `listKeys of storage account ${name}`);
    }
  }

  /** Regenerates one key: its old value stops working at once. Answers both keys as they are afterwards. */
  async regenerate(accountId: string, keyName: StorageKeyName, options: StorageKeysOptions = {}): Promise<StorageAccountKey[]> {
    const { subscriptionId, resourceGroup, name } = parseStorageAccountId(accountId);
    try {
      return keysOf(name, await this.clients.storage(subscriptionId).storageAccounts.regenerateKey(resourceGroup, name, { keyName }, signal(options)));
    } catch (error) {
      if (error instanceof PermanentDependencyError) throw error;
      throw armError(error, `regenerateKey ${keyName} of storage account ${name}`);
    }
  }

  /**
   * Whether `key` authenticates to the account now: Get Blob Service Properties on the
   * account's blob endpoint, signed with it. Storage's 403 AuthenticationFailed is false;
   * any other failure throws, since it proves nothing about the key.
   */
  async verify(accountId: string, key: SecretValue, options: VerifyKeyOptions = {}): Promise<boolean> {
    const { name } = parseStorageAccountId(accountId);
    const endpoint = await this.#blobEndpoint(accountId, options);
    const pipeline = newPipeline(new StorageSharedKeyCredential(name, key.reveal()), { retryOptions: { maxTries: 1 } });
    if (this.clients.storageDataPlaneAgent) pipeline.factories.push(agentFactory(this.clients.storageDataPlaneAgent) as never);
    try {
      await new BlobServiceClient(endpoint, pipeline).getProperties(signal(options));
      return true;
    } catch (error) {
      if (isRestError(error) && error.statusCode === 403 && error.code === 'AuthenticationFailed') return false;
      if (error instanceof Error && error.name === 'AbortError') throw error;
      const status = isRestError(error) ? `${error.statusCode ?? 'no status'}${error.code ? ` ${error.code}` : ''}` : 'a network error';
      throw new TransientDependencyError(`checking a key of storage account ${name} on its blob endpoint failed: ${status}`);
    }
  }

  /**
   * The account's blob endpoint as ARM states it. Storage Account Key Operator Service Role, all the
   * storage-account-key consumer is given, lists and regenerates keys but may not read the account
   * (403 AuthorizationFailed): the endpoint is then the standard one, https://<name>.blob.<suffix>/,
   * on ARM's own port (the stand-in serves both; none in Azure).
   */
  async #blobEndpoint(accountId: string, options: VerifyKeyOptions): Promise<string> {
    const known = this.#blobEndpoints.get(accountId.toLowerCase());
    if (known) return known;
    const { subscriptionId, resourceGroup, name } = parseStorageAccountId(accountId);
    let account;
    try {
      account = await this.clients.storage(subscriptionId).storageAccounts.getProperties(resourceGroup, name, signal(options));
    } catch (error) {
      if (!(isRestError(error) && error.statusCode === 403)) throw armError(error, `storage account ${name}`);
      const port = new URL(this.clients.endpoint).port;
      const standard = `https://${name}.blob.${options.endpointSuffix ?? 'core.windows.net'}${port ? `:${port}` : ''}/`;
      this.#blobEndpoints.set(accountId.toLowerCase(), standard);
      return standard;
    }
    const endpoint = account.primaryEndpoints?.blob;
    if (!endpoint) throw new PermanentDependencyError(`storage account ${name} has no blob endpoint`);
    this.#blobEndpoints.set(accountId.toLowerCase(), endpoint);
    return endpoint;
  }
}

function signal(options: StorageKeysOptions): { abortSignal?: AbortSignal } {
  return options.abortSignal ? { abortSignal: options.abortSignal } : {};
}
