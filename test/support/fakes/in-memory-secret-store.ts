/**
 * An in-memory Key Vault for engine unit tests: versions with tags and times,
 * and a count of operations by kind, so a test can assert what a rotation cost.
 * Integration tests use the real SecretClient against the emulator instead.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../src/core/clock.js';
import type { SecretRef, SecretStore, SecretVersionInfo, WriteSecretOptions } from '../../../src/core/ports.js';
import type { SecretValue } from '../../../src/core/secret-value.js';

interface StoredVersion {
  info: SecretVersionInfo;
  value: string;
}

export interface SecretStoreCounts {
  creates: number;
  others: number;
}

const key = (ref: SecretRef) => `${ref.vaultUrl.toLowerCase()}|${ref.secretName.toLowerCase()}`;

/** Yields to the event loop so concurrent callers interleave as they would over a network. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class InMemorySecretStore implements SecretStore {
  readonly counts: SecretStoreCounts = { creates: 0, others: 0 };
  readonly #versions = new Map<string, StoredVersion[]>();

  constructor(private readonly clock: Clock) {}

  async getLatest(ref: SecretRef): Promise<SecretVersionInfo | undefined> {
    this.counts.others++;
    await tick();
    return this.#list(ref).at(-1)?.info;
  }

  async getVersion(ref: SecretRef, version: string): Promise<SecretVersionInfo | undefined> {
    this.counts.others++;
    await tick();
    return this.#list(ref).find((v) => v.info.version === version)?.info;
  }

  async findVersionByTag(ref: SecretRef, tagName: string, tagValue: string): Promise<SecretVersionInfo | undefined> {
    this.counts.others++;
    await tick();
    return this.#list(ref).filter((v) => v.info.tags[tagName] === tagValue).at(-1)?.info;
  }

  async write(ref: SecretRef, value: SecretValue, options: WriteSecretOptions): Promise<SecretVersionInfo> {
    this.counts.creates++;
    await tick();
    const info: SecretVersionInfo = {
      vaultUrl: ref.vaultUrl,
      secretName: ref.secretName,
      version: randomUUID().replaceAll('-', ''),
      enabled: true,
      createdOn: this.clock.now(),
      expiresOn: options.expiresOn,
      ...(options.contentType ? { contentType: options.contentType } : {}),
      tags: { ...options.tags },
    };
    const list = this.#versions.get(key(ref)) ?? [];
    list.push({ info, value: value.reveal() });
    this.#versions.set(key(ref), list);
    return info;
  }

  /** Test-only: every version written, oldest first. */
  versions(ref: SecretRef): SecretVersionInfo[] {
    return this.#list(ref).map((v) => v.info);
  }

  /** Test-only: the value of a version, to check what was written. */
  valueOf(ref: SecretRef, version: string): string | undefined {
    return this.#list(ref).find((v) => v.info.version === version)?.value;
  }

  resetCounts(): void {
    this.counts.creates = 0;
    this.counts.others = 0;
  }

  #list(ref: SecretRef): StoredVersion[] {
    return this.#versions.get(key(ref)) ?? [];
  }
}
