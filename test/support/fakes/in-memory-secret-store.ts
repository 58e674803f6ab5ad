/**
 * An in-memory Key Vault for engine unit tests: versions with tags and times,
 * and a count of operations by kind, so a test can assert what a rotation cost.
 * It passes the SecretStore contract (test/support/contract/secret-store.contract.ts)
 * that the real adapter passes against the emulator: times to the second,
 * case-insensitive names and versions, and Key Vault's refusals of bad names,
 * sizes and tags. Integration tests use the real SecretClient against the emulator.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../src/core/clock.js';
import { PermanentDependencyError } from '../../../src/core/errors.js';
import type { SecretRef, SecretStore, SecretVersionInfo, WriteSecretOptions } from '../../../src/core/ports.js';
import { SecretValue } from '../../../src/core/secret-value.js';

interface StoredVersion {
  info: SecretVersionInfo;
  value: string;
}

interface StoredSecret {
  /** The casing the secret was created with; Key Vault reports it whatever casing a caller uses. */
  name: string;
  versions: StoredVersion[];
}

export interface SecretStoreCounts {
  creates: number;
  others: number;
}

/** Key Vault's limits, as the emulator (src/local/keyvault-emulator/validation.ts) enforces them. */
const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;
const MAX_VALUE_BYTES = 25 * 1024;
const MAX_CONTENT_TYPE_LENGTH = 255;
const MAX_TAGS = 15;
const MAX_TAG_TEXT_LENGTH = 256;

const key = (ref: SecretRef) => `${ref.vaultUrl.toLowerCase()}|${ref.secretName.toLowerCase()}`;

/** Key Vault keeps times as whole seconds since the epoch. */
const toSecond = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);

/** Yields to the event loop so concurrent callers interleave as they would over a network. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function refusal(ref: SecretRef, value: string, options: WriteSecretOptions): string | undefined {
  if (!SECRET_NAME.test(ref.secretName)) return 'an invalid name';
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) return 'a value over 25 KiB';
  if (options.contentType !== undefined && options.contentType.length > MAX_CONTENT_TYPE_LENGTH) return 'a content type too long';
  const tags = Object.entries(options.tags);
  if (tags.length > MAX_TAGS) return 'too many tags';
  if (tags.some(([name, tag]) => name.length > MAX_TAG_TEXT_LENGTH || tag.length > MAX_TAG_TEXT_LENGTH)) return 'a tag too long';
  return undefined;
}

export class InMemorySecretStore implements SecretStore {
  readonly counts: SecretStoreCounts = { creates: 0, others: 0 };
  readonly #secrets = new Map<string, StoredSecret>();

  constructor(private readonly clock: Clock) {}

  async getLatest(ref: SecretRef): Promise<SecretVersionInfo | undefined> {
    this.counts.others++;
    await tick();
    return this.#list(ref).at(-1)?.info;
  }

  async getVersion(ref: SecretRef, version: string): Promise<SecretVersionInfo | undefined> {
    this.counts.others++;
    await tick();
    return this.#list(ref).find((v) => v.info.version === version.toLowerCase())?.info;
  }

  async findVersionByTag(ref: SecretRef, tagName: string, tagValue: string): Promise<SecretVersionInfo | undefined> {
    this.counts.others++;
    await tick();
    return this.#list(ref).filter((v) => v.info.tags[tagName] === tagValue).at(-1)?.info;
  }

  async write(ref: SecretRef, value: SecretValue, options: WriteSecretOptions): Promise<SecretVersionInfo> {
    this.counts.creates++;
    await tick();
    const revealed = value.reveal();
    const refused = refusal(ref, revealed, options);
    // The adapter's message for a 400, which names no value.
    if (refused) throw new PermanentDependencyError(`Key Vault writing '${ref.secretName}' in ${ref.vaultUrl} was refused: Key Vault answered 400 BadParameter (${refused})`);
    const secret = this.#secrets.get(key(ref)) ?? { name: ref.secretName, versions: [] };
    const now = toSecond(this.clock.now());
    const info: SecretVersionInfo = {
      vaultUrl: ref.vaultUrl,
      secretName: secret.name,
      version: randomUUID().replaceAll('-', ''),
      enabled: true,
      createdOn: now,
      updatedOn: now,
      ...(options.notBefore ? { notBefore: toSecond(options.notBefore) } : {}),
      ...(options.expiresOn ? { expiresOn: toSecond(options.expiresOn) } : {}),
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
      tags: { ...options.tags },
    };
    secret.versions.push({ info, value: revealed });
    this.#secrets.set(key(ref), secret);
    return info;
  }

  async readValue(ref: SecretRef, version?: string): Promise<SecretValue | undefined> {
    this.counts.others++;
    await tick();
    const list = this.#list(ref);
    const found = version ? list.find((v) => v.info.version === version.toLowerCase()) : list.at(-1);
    if (!found) return undefined;
    // Key Vault answers 403 to a read of a disabled version.
    if (!found.info.enabled) throw new PermanentDependencyError(`Key Vault reading the value of '${ref.secretName}' in ${ref.vaultUrl} was refused (403 Forbidden): the version is disabled`);
    return SecretValue.of(found.value);
  }

  async disableVersion(ref: SecretRef, version: string): Promise<void> {
    this.counts.others++;
    await tick();
    const list = this.#list(ref);
    if (list.at(-1)?.info.version === version.toLowerCase()) {
      throw new PermanentDependencyError(`refusing to disable '${ref.secretName}' version '${version}' in ${ref.vaultUrl}: it is the latest, and Key Vault would answer 403 to every reader`);
    }
    const found = list.find((v) => v.info.version === version.toLowerCase());
    if (found) found.info = { ...found.info, enabled: false, updatedOn: toSecond(this.clock.now()) };
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
    return this.#secrets.get(key(ref))?.versions ?? [];
  }
}
