/**
 * An in-memory SecretListing for the reports' unit tests: vaults of listed secrets, served
 * in pages of 25 as Key Vault serves them, with continuation tokens, and a count of calls.
 */
import { ValidationError } from '../../../src/core/errors.js';
import type { ListedSecret, ListSecretsOptions, Page, SecretListing, SecretRef, SecretVersionInfo } from '../../../src/core/ports.js';

export class InMemorySecretListing implements SecretListing {
  readonly #vaults = new Map<string, ListedSecret[]>();
  calls = 0;

  constructor(readonly pageSize = 25) {}

  add(secret: Omit<ListedSecret, 'tags' | 'enabled'> & Partial<Pick<ListedSecret, 'tags' | 'enabled'>>): this {
    const vault = secret.vaultUrl.toLowerCase();
    const list = this.#vaults.get(vault) ?? [];
    list.push({ enabled: true, tags: {}, ...secret, vaultUrl: vault });
    list.sort((a, b) => (a.secretName.toLowerCase() < b.secretName.toLowerCase() ? -1 : 1));
    this.#vaults.set(vault, list);
    return this;
  }

  async *listSecrets(vaultUrl: string, options: ListSecretsOptions = {}): AsyncIterable<Page<ListedSecret>> {
    const list = this.#vaults.get(vaultUrl.toLowerCase()) ?? [];
    let start = 0;
    if (options.continuationToken !== undefined) {
      const match = /^fake:(.+):(\d+)$/.exec(options.continuationToken);
      if (!match || match[1] !== vaultUrl.toLowerCase()) throw new ValidationError('continuationToken is invalid', [{ path: 'continuationToken', message: 'not ours' }]);
      start = Number(match[2]);
    }
    for (let offset = start; offset < list.length || offset === start; offset += this.pageSize) {
      this.calls += 1;
      const items = list.slice(offset, offset + this.pageSize);
      const next = offset + this.pageSize < list.length ? `fake:${vaultUrl.toLowerCase()}:${offset + this.pageSize}` : undefined;
      yield { items, ...(next ? { continuationToken: next } : {}) };
      if (!next) return;
    }
  }

  /** The listed secret as its newest version; `version` is the fake's own. */
  async newestVersions(ref: SecretRef): Promise<SecretVersionInfo[]> {
    this.calls += 1;
    const found = (this.#vaults.get(ref.vaultUrl.toLowerCase()) ?? []).find((s) => s.secretName.toLowerCase() === ref.secretName.toLowerCase());
    return found ? [{ ...found, version: found.tags['rotation-id'] ? `v-${found.tags['rotation-id']}` : 'v-listed' }] : [];
  }

  async exists(ref: SecretRef): Promise<boolean> {
    this.calls += 1;
    return (this.#vaults.get(ref.vaultUrl.toLowerCase()) ?? []).some((s) => s.secretName.toLowerCase() === ref.secretName.toLowerCase());
  }
}
