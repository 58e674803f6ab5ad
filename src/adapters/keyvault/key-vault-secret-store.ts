/**
 * SecretStore over the real SecretClient. Reads use properties only where the API
 * allows; getSecret's value, when the API forces one into memory, is dropped at once.
 * Errors are rebuilt from status and code alone: a RestError keeps the request it
 * failed on, and a write's request body is the secret value.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import type { KeyVaultSecret, SecretProperties } from '@azure/keyvault-secrets';
import { PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import type { SecretRef, SecretStore, SecretVersionInfo, WriteSecretOptions } from '../../core/ports.js';
import { SecretValue } from '../../core/secret-value.js';
import type { AzureClientFactory } from '../azure-clients.js';

/** A value-free copy of what went wrong, safe to log and to chain as a cause. */
export interface SanitizedRestFailure {
  statusCode?: number;
  code?: string;
  message: string;
}

export function sanitizeKeyVaultError(operation: string, ref: SecretRef, error: unknown): Error {
  const where = `${operation} '${ref.secretName}' in ${ref.vaultUrl}`;
  if (!isRestError(error)) {
    const message = error instanceof Error ? error.message : 'unknown error';
    return new TransientDependencyError(`Key Vault ${where} failed: ${message}`);
  }
  const cause: SanitizedRestFailure = {
    ...(error.statusCode !== undefined ? { statusCode: error.statusCode } : {}),
    ...(error.code ? { code: error.code } : {}),
    message: `Key Vault answered ${error.statusCode ?? 'no status'}${error.code ? ` ${error.code}` : ''}`,
  };
  const status = error.statusCode;
  if (status === undefined || status === 408 || status === 429 || status >= 500) {
    return new TransientDependencyError(`Key Vault ${where} failed: ${cause.message}`, { cause });
  }
  if (status === 401 || status === 403) {
    return new PermanentDependencyError(
      `Key Vault ${where} was refused (${status}${error.code ? ` ${error.code}` : ''}): the app's identity needs 'Key Vault Secrets Officer' on this vault, and the version must be enabled`,
      { cause },
    );
  }
  if (status === 409) {
    return new PermanentDependencyError(`Key Vault ${where} conflicts (${error.code ?? '409'}): the secret is soft-deleted or being recovered; recover or purge it first`, { cause });
  }
  return new PermanentDependencyError(`Key Vault ${where} was refused: ${cause.message}`, { cause });
}

/** A version's properties as the SDK gives them, without the value; the listing reads versions the same way. */
export function toInfo(ref: SecretRef, properties: SecretProperties): SecretVersionInfo {
  return {
    vaultUrl: ref.vaultUrl,
    secretName: properties.name,
    version: properties.version ?? '',
    enabled: properties.enabled ?? true,
    ...(properties.createdOn ? { createdOn: properties.createdOn } : {}),
    ...(properties.updatedOn ? { updatedOn: properties.updatedOn } : {}),
    ...(properties.notBefore ? { notBefore: properties.notBefore } : {}),
    ...(properties.expiresOn ? { expiresOn: properties.expiresOn } : {}),
    ...(properties.contentType ? { contentType: properties.contentType } : {}),
    tags: { ...(properties.tags ?? {}) },
  };
}

function propertiesOnly(secret: KeyVaultSecret): SecretProperties {
  return secret.properties;
}

export interface KeyVaultSecretStoreOptions {
  /** Total time each Key Vault call may take, retries included: for reads someone is waiting on, such as a dry run. */
  retryBudgetInMs?: number;
}

export class KeyVaultSecretStore implements SecretStore {
  constructor(
    private readonly clients: Pick<AzureClientFactory, 'secretClient'>,
    private readonly options: KeyVaultSecretStoreOptions = {},
  ) {}

  #client(vaultUrl: string) {
    return this.options.retryBudgetInMs === undefined ? this.clients.secretClient(vaultUrl) : this.clients.secretClient(vaultUrl, { retryBudgetInMs: this.options.retryBudgetInMs });
  }

  async getLatest(ref: SecretRef): Promise<SecretVersionInfo | undefined> {
    const client = this.#client(ref.vaultUrl);
    try {
      return toInfo(ref, propertiesOnly(await client.getSecret(ref.secretName)));
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return undefined;
      // A disabled latest version cannot be read (403); its properties can still be listed.
      if (isRestError(error) && error.statusCode === 403) return this.#newest(ref, () => true);
      throw sanitizeKeyVaultError('reading', ref, error);
    }
  }

  async getVersion(ref: SecretRef, version: string): Promise<SecretVersionInfo | undefined> {
    const client = this.#client(ref.vaultUrl);
    try {
      return toInfo(ref, propertiesOnly(await client.getSecret(ref.secretName, { version })));
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return undefined;
      if (isRestError(error) && error.statusCode === 403) return this.#newest(ref, (info) => info.version === version);
      throw sanitizeKeyVaultError('reading a version of', ref, error);
    }
  }

  findVersionByTag(ref: SecretRef, tagName: string, tagValue: string): Promise<SecretVersionInfo | undefined> {
    return this.#newest(ref, (info) => info.tags[tagName] === tagValue);
  }

  async write(ref: SecretRef, value: SecretValue, options: WriteSecretOptions): Promise<SecretVersionInfo> {
    const client = this.#client(ref.vaultUrl);
    try {
      const written = await client.setSecret(ref.secretName, value.reveal(), {
        enabled: true,
        expiresOn: options.expiresOn,
        ...(options.notBefore ? { notBefore: options.notBefore } : {}),
        ...(options.contentType ? { contentType: options.contentType } : {}),
        tags: options.tags,
      });
      return toInfo(ref, propertiesOnly(written));
    } catch (error) {
      throw sanitizeKeyVaultError('writing', ref, error);
    }
  }

  async readValue(ref: SecretRef, version?: string): Promise<SecretValue | undefined> {
    const client = this.#client(ref.vaultUrl);
    try {
      const secret = await client.getSecret(ref.secretName, version ? { version } : {});
      return secret.value === undefined ? undefined : SecretValue.of(secret.value);
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return undefined;
      throw sanitizeKeyVaultError('reading the value of', ref, error);
    }
  }

  async disableVersion(ref: SecretRef, version: string): Promise<void> {
    const latest = await this.getLatest(ref);
    if (latest?.version === version) throw new PermanentDependencyError(`refusing to disable '${ref.secretName}' version '${version}' in ${ref.vaultUrl}: it is the latest, and Key Vault would answer 403 to every reader`);
    const client = this.#client(ref.vaultUrl);
    try {
      await client.updateSecretProperties(ref.secretName, version, { enabled: false });
    } catch (error) {
      // Already gone is as good as disabled for a version nobody may read any more.
      if (isRestError(error) && error.statusCode === 404) return;
      throw sanitizeKeyVaultError('disabling a version of', ref, error);
    }
  }

  async #newest(ref: SecretRef, matches: (info: SecretVersionInfo) => boolean): Promise<SecretVersionInfo | undefined> {
    const client = this.#client(ref.vaultUrl);
    let newest: SecretVersionInfo | undefined;
    try {
      for await (const properties of client.listPropertiesOfSecretVersions(ref.secretName)) {
        const info = toInfo(ref, properties);
        if (!matches(info)) continue;
        if (!newest || (info.createdOn?.getTime() ?? 0) > (newest.createdOn?.getTime() ?? 0)) newest = info;
      }
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return undefined;
      throw sanitizeKeyVaultError('listing versions of', ref, error);
    }
    return newest;
  }
}
