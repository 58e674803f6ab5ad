/**
 * The port every downstream consumer kind implements: a database, a cache, and later
 * Azure resources and webhooks. The engine's strategies call these four operations
 * (prepare, verify, sessions, revoke) and nothing else, so a new kind is one adapter
 * file that exports a ConsumerKind and one line in the composition root.
 *
 * Every operation is idempotent: a resumed rotation calls it again with the same or a
 * freshly generated value, and the result must be what one call would have left.
 */
import type { z } from 'zod';
import type { GeneratorSpec } from '../generators/index.js';
import type { SecretRef, SecretVersionInfo } from '../ports.js';
import type { SecretValue } from '../secret-value.js';

export const STRATEGY_KINDS = ['alternating-users', 'multi-password', 'issued-credential'] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/** How the rotator signs in to change passwords, resolved at rotation time from Key Vault or Entra ID and never stored. */
export type AdminCredential =
  | { kind: 'password'; username: string; password: SecretValue }
  /** Azure Database for PostgreSQL/MySQL flexible server: the app's managed identity signs in with an Entra access token as its password. */
  | { kind: 'entra'; username: string; accessToken: SecretValue };

/** Where the rotator's admin credential comes from, as the policy says. */
export type AdminReference = { secretName: string } | { entra: true; username: string };

export interface LoginCredential {
  username: string;
  password: SecretValue;
}

/** One open session of a login, as the server reports it. Never carries a credential. */
export interface LoginSession {
  username: string;
  clientAddress?: string;
  applicationName?: string;
  /** When the session connected, where the server says (pg backend_start; Redis now minus age; MariaDB now minus TIME). */
  connectedAt?: Date;
  /** The node that reported it, for kinds with several nodes. */
  node?: string;
}

/**
 * The fields every consumer carries; the kind's own schema adds the rest. The engine never
 * reads kind-specific fields: it hands the parsed spec back to the kind that parsed it.
 */
export interface ConsumerSpec {
  kind: string;
  /** Unique within the policy; names the consumer in status, audit and errors. */
  name: string;
  /** The login applications use (for alternating-users, the first of the pair). */
  login: string;
  admin: AdminReference;
}

/** What goes into the secret's JSON value beside username and password, taken from the first consumer. */
export interface ConnectionFields {
  host: string;
  port: number;
  database?: string;
}

/** Thrown by verify when the server refused the credential (as opposed to being unreachable). */
export class CredentialRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialRefusedError';
  }
}

export interface ConsumerKind<Spec extends ConsumerSpec = ConsumerSpec> {
  readonly kind: string;
  /** The strategies this kind can run with no lockout window; validation refuses the others. */
  readonly strategies: readonly StrategyKind[];
  /** The whole consumer object, `kind` included; build it with networkConsumerSchema. */
  readonly schema: z.ZodType<Spec, unknown>;
  /** The resource an Entra access token for `admin: { entra: true }` is requested for; absent when the kind has none. */
  readonly entraScope?: string;
  connectionFields(spec: Spec): ConnectionFields;

  /**
   * alternating-users, prepare: `login` accepts `password` from now on and its previous password
   * stops working. When `login` does not exist it is created with what `like` has (role
   * memberships, grants), and nothing else changes.
   */
  replaceLoginPassword?(spec: Spec, admin: AdminCredential, login: string, password: SecretValue, like: string): Promise<void>;

  /**
   * multi-password, prepare, revoke and rollback: `login` accepts exactly `passwords` (one or two)
   * after the call, on every node, each node changed atomically.
   */
  setAcceptedPasswords?(spec: Spec, admin: AdminCredential, login: string, passwords: readonly SecretValue[]): Promise<void>;

  /**
   * multi-password, prepare of a first rotation (the vault holds no credential yet): `login`
   * accepts `password` as well as whatever passwords it had, on every node, each node changed
   * atomically. Passwords set by hand keep working until the revoke after the drain.
   */
  addAcceptedPassword?(spec: Spec, admin: AdminCredential, login: string, password: SecretValue): Promise<void>;

  /** A real sign-in with the credential, on every node. Throws CredentialRefusedError when it is refused. */
  verify(spec: Spec, credential: LoginCredential): Promise<void>;

  /** The sessions `login` has open now, on every node. */
  sessions(spec: Spec, admin: AdminCredential, login: string): Promise<LoginSession[]>;
}

/** The fields every follower carries; the kind's own schema adds the rest. */
export interface FollowerSpec {
  kind: string;
  /** Unique within the policy, across consumers and followers. */
  name: string;
}

/** The version a rotation switched to, as a follower is told of it. */
export interface SwitchedVersion {
  policyId: string;
  rotationId: string;
  /** The version's properties as Key Vault returned them at the switch: expiry, content type, tags (ours included). */
  version: SecretVersionInfo;
  /** The version's value, read from Key Vault on each call into memory; only kinds that must carry the value call it. */
  readValue(): Promise<SecretValue>;
}

/**
 * A consumer that follows the vault instead of holding a login: a replica vault, a webhook, an
 * Event Grid topic, an App Service reading a Key Vault reference. The engine tells each one
 * about the version after the switch (the `delivered` step), and goes no further, to the drain
 * and the revoke of the old credential, until every follower has confirmed it.
 */
export interface FollowerKind<Spec extends FollowerSpec = FollowerSpec> {
  readonly kind: string;
  readonly role: 'follower';
  /** The whole consumer object, `kind` included; build it with followerSchema. */
  readonly schema: z.ZodType<Spec, unknown>;
  /**
   * Tells the consumer about the version and resolves once it confirmed it (a read-back, a 2xx, a
   * reference resolved to the version), with a sentence for the audit that never holds a value.
   * Throws when it was not confirmed. Idempotent: a resumed rotation delivers the same version again.
   */
  deliver(spec: Spec, switched: SwitchedVersion): Promise<string>;
  /**
   * The Key Vault secrets this follower writes, for the followers that write any (a replica vault).
   * Validation refuses a policy whose follower writes to a vault this deployment does not govern,
   * or to the policy's own secret, as it refuses a primary vault that is not governed; the refusal
   * names the follower's `vaultUrl` field.
   */
  writesTo?(spec: Spec, primary: SecretRef): SecretRef[];
  /**
   * Rules between the spec and the rest of the policy that the kind's schema cannot see (a replica
   * of one field needs a generator whose value has that field). Each problem's path is within the
   * consumer, so validation reports it as `consumers.N.<path>`.
   */
  checkPolicy?(spec: Spec, policy: { generator: GeneratorSpec }): { path: (string | number)[]; message: string }[];
}

/** The fields every issuer carries; the kind's own schema adds the rest. */
export interface IssuerSpec {
  kind: string;
  name: string;
}

/** A credential an issuer made: `id` names it at the issuer (key1/key2, an Entra keyId), never secret. */
export interface IssuedCredential {
  id: string;
  /** What the vault's new version holds: the key, a connection string, a client secret. */
  value: SecretValue;
  /** When the issuer will stop honouring it on its own (Entra secrets have an end date). */
  expiresOn?: Date;
}

/**
 * A system that issues the credential itself instead of accepting one we generate: a storage
 * account's two keys, an Entra application's client secrets. The `issued-credential` strategy
 * asks it for a new credential, proves it, writes it to the vault, and once the grace period
 * is over revokes the one it replaced.
 */
export interface IssuerKind<Spec extends IssuerSpec = IssuerSpec> {
  readonly kind: string;
  readonly role: 'issuer';
  readonly schema: z.ZodType<Spec, unknown>;
  /**
   * The id of the credential the vault's current value holds, when the issuer can tell (a storage key
   * is compared with the account's keys); undefined when it cannot or when none matches.
   */
  identify?(spec: Spec, current: SecretValue): Promise<string | undefined>;
  /** Issues a new credential without touching `inUse`, the one applications use now (undefined: none known). */
  issue(spec: Spec, inUse: string | undefined): Promise<IssuedCredential>;
  /** Proves the credential works with a real sign-in or signed request; throws CredentialRefusedError when refused. */
  verify(spec: Spec, credential: IssuedCredential): Promise<void>;
  /** Makes credential `id` stop working; `keep` is the one that must go on working. Idempotent. Resolves with an audit sentence. */
  revoke(spec: Spec, id: string, keep: string): Promise<string>;
  /** Removes a credential issued by a rotation that never switched to it (it is known to nobody). Idempotent. */
  discard?(spec: Spec, id: string): Promise<void>;
}

export type AnyConsumerKind = ConsumerKind | FollowerKind | IssuerKind;
export type AnyConsumerSpec = ConsumerSpec | FollowerSpec | IssuerSpec;

export function isFollowerKind(kind: AnyConsumerKind): kind is FollowerKind {
  return 'role' in kind && kind.role === 'follower';
}

/** A kind that holds a login (a database, a cache): neither a follower nor an issuer. */
export function isLoginKind(kind: AnyConsumerKind): kind is ConsumerKind {
  return !('role' in kind);
}

export function isIssuerKind(kind: AnyConsumerKind): kind is IssuerKind {
  return 'role' in kind && kind.role === 'issuer';
}

/** The kinds this deployment knows, by name: built once in the composition root. */
export class ConsumerCatalog {
  readonly #kinds = new Map<string, AnyConsumerKind>();

  constructor(kinds: readonly AnyConsumerKind[] = []) {
    for (const kind of kinds) {
      if (this.#kinds.has(kind.kind)) throw new Error(`consumer kind '${kind.kind}' is registered twice`);
      this.#kinds.set(kind.kind, kind);
    }
  }

  get(kind: string): AnyConsumerKind | undefined {
    return this.#kinds.get(kind);
  }

  get kinds(): string[] {
    return [...this.#kinds.keys()].sort();
  }

  /** Whether the spec is of a follower kind this catalog knows. */
  isFollower(spec: AnyConsumerSpec): spec is FollowerSpec {
    const kind = this.#kinds.get(spec.kind);
    return kind !== undefined && isFollowerKind(kind);
  }

  /** Whether the spec is of an issuer kind this catalog knows. */
  isIssuer(spec: AnyConsumerSpec): spec is IssuerSpec {
    const kind = this.#kinds.get(spec.kind);
    return kind !== undefined && isIssuerKind(kind);
  }
}

export const NO_CONSUMER_KINDS = new ConsumerCatalog();

/** Entra ID access tokens for the app's own identity, for consumers whose admin signs in with `{ entra: true }`. */
export interface AccessTokenSource {
  getToken(scope: string): Promise<SecretValue>;
}
