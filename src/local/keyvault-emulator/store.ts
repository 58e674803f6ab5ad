/**
 * One vault's secrets in memory: versions, soft delete with a 90-day retention that
 * the emulator clock ages, recover, purge and restore. It speaks Key Vault's errors
 * and knows nothing of HTTP.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorClock } from './clock.js';
import { serviceErrors } from './service-errors.js';
import type { SetSecretInput, UpdateSecretInput } from './validation.js';

export const RECOVERABLE_DAYS = 90;
export const RECOVERY_LEVEL = 'Recoverable+Purgeable';

export interface StoredVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  /** Unix seconds, as on the wire. */
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  /** The `exp` a near-expiry / expired event was sent for; a changed `exp` is eligible again. */
  nearExpiryEventFor?: number;
  expiredEventFor?: number;
}

export interface StoredSecret {
  /** As first written; lookups ignore case, as Key Vault's do. */
  name: string;
  /** Oldest first; the last one is the current version. */
  versions: StoredVersion[];
}

export interface DeletedSecret {
  secret: StoredSecret;
  deletedDate: number;
  scheduledPurgeDate: number;
}

export interface FoundVersion {
  secret: StoredSecret;
  version: StoredVersion;
}

export function latestVersion(secret: StoredSecret): StoredVersion {
  const latest = secret.versions[secret.versions.length - 1];
  if (!latest) throw new Error(`secret '${secret.name}' has no versions`);
  return latest;
}

export function newVersionId(): string {
  return randomBytes(16).toString('hex');
}

export class VaultStore {
  readonly #active = new Map<string, StoredSecret>();
  readonly #deleted = new Map<string, DeletedSecret>();

  constructor(
    readonly vaultName: string,
    private readonly clock: EmulatorClock,
  ) {}

  set(name: string, input: SetSecretInput): FoundVersion {
    this.#purgeDue();
    const key = name.toLowerCase();
    if (this.#deleted.has(key)) throw serviceErrors.deletedButRecoverable(this.#deleted.get(key)?.secret.name ?? name);
    const now = this.clock.nowSeconds();
    const version: StoredVersion = {
      version: newVersionId(),
      value: input.value,
      enabled: input.attributes.enabled ?? true,
      created: now,
      updated: now,
      ...(input.contentType !== undefined ? { contentType: input.contentType } : {}),
      ...(input.tags ? { tags: { ...input.tags } } : {}),
      ...(input.attributes.nbf !== undefined ? { nbf: input.attributes.nbf } : {}),
      ...(input.attributes.exp !== undefined ? { exp: input.attributes.exp } : {}),
    };
    let secret = this.#active.get(key);
    if (!secret) {
      secret = { name, versions: [] };
      this.#active.set(key, secret);
    }
    secret.versions.push(version);
    return { secret, version };
  }

  /** The named version, or the current one when `version` is empty. */
  get(name: string, version?: string): FoundVersion {
    this.#purgeDue();
    const secret = this.#active.get(name.toLowerCase());
    if (!secret) throw serviceErrors.secretNotFound(name, version || undefined);
    if (!version) return { secret, version: latestVersion(secret) };
    const found = secret.versions.find((candidate) => candidate.version === version.toLowerCase());
    if (!found) throw serviceErrors.secretNotFound(name, version);
    return { secret, version: found };
  }

  update(name: string, version: string | undefined, input: UpdateSecretInput): FoundVersion {
    const found = this.get(name, version);
    const target = found.version;
    if (input.contentType !== undefined) target.contentType = input.contentType;
    if (input.tags) target.tags = { ...input.tags };
    if (input.attributes.enabled !== undefined) target.enabled = input.attributes.enabled;
    if (input.attributes.nbf !== undefined) target.nbf = input.attributes.nbf;
    if (input.attributes.exp !== undefined) target.exp = input.attributes.exp;
    target.updated = this.clock.nowSeconds();
    return found;
  }

  /** Key Vault lists no versions, rather than failing, for a name it does not hold. */
  versions(name: string): FoundVersion[] {
    this.#purgeDue();
    const secret = this.#active.get(name.toLowerCase());
    return secret ? secret.versions.map((version) => ({ secret, version })) : [];
  }

  list(): StoredSecret[] {
    this.#purgeDue();
    return [...this.#active.values()];
  }

  delete(name: string): DeletedSecret {
    this.#purgeDue();
    const key = name.toLowerCase();
    const secret = this.#active.get(key);
    if (!secret) throw serviceErrors.secretNotFound(name);
    const now = this.clock.nowSeconds();
    const deleted: DeletedSecret = { secret, deletedDate: now, scheduledPurgeDate: now + RECOVERABLE_DAYS * 24 * 60 * 60 };
    this.#active.delete(key);
    this.#deleted.set(key, deleted);
    return deleted;
  }

  getDeleted(name: string): DeletedSecret {
    this.#purgeDue();
    const deleted = this.#deleted.get(name.toLowerCase());
    if (!deleted) throw serviceErrors.deletedSecretNotFound(name);
    return deleted;
  }

  listDeleted(): DeletedSecret[] {
    this.#purgeDue();
    return [...this.#deleted.values()];
  }

  recover(name: string): StoredSecret {
    const deleted = this.getDeleted(name);
    const key = name.toLowerCase();
    this.#deleted.delete(key);
    this.#active.set(key, deleted.secret);
    return deleted.secret;
  }

  purge(name: string): void {
    this.getDeleted(name);
    this.#deleted.delete(name.toLowerCase());
  }

  /** Puts back a secret with every version, as a backup held it. */
  restore(secret: StoredSecret): StoredSecret {
    this.#purgeDue();
    const key = secret.name.toLowerCase();
    if (this.#deleted.has(key)) throw serviceErrors.deletedButRecoverable(secret.name);
    if (this.#active.has(key)) throw serviceErrors.alreadyExists(secret.name);
    const restored: StoredSecret = {
      name: secret.name,
      versions: secret.versions.map(({ nearExpiryEventFor: _near, expiredEventFor: _expired, ...version }) => ({ ...version })),
    };
    this.#active.set(key, restored);
    return restored;
  }

  clear(): void {
    this.#active.clear();
    this.#deleted.clear();
  }

  /** Soft-deleted secrets past their retention are gone, as Key Vault purges them itself. */
  #purgeDue(): void {
    const now = this.clock.nowSeconds();
    for (const [key, deleted] of this.#deleted) {
      if (deleted.scheduledPurgeDate <= now) this.#deleted.delete(key);
    }
  }
}
