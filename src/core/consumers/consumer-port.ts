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
import type { SecretValue } from '../secret-value.js';

export const STRATEGY_KINDS = ['alternating-users', 'multi-password'] as const;
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

  /** A real sign-in with the credential, on every node. Throws CredentialRefusedError when it is refused. */
  verify(spec: Spec, credential: LoginCredential): Promise<void>;

  /** The sessions `login` has open now, on every node. */
  sessions(spec: Spec, admin: AdminCredential, login: string): Promise<LoginSession[]>;
}

/** The kinds this deployment knows, by name: built once in the composition root. */
export class ConsumerCatalog {
  readonly #kinds = new Map<string, ConsumerKind>();

  constructor(kinds: readonly ConsumerKind[] = []) {
    for (const kind of kinds) {
      if (this.#kinds.has(kind.kind)) throw new Error(`consumer kind '${kind.kind}' is registered twice`);
      this.#kinds.set(kind.kind, kind);
    }
  }

  get(kind: string): ConsumerKind | undefined {
    return this.#kinds.get(kind);
  }

  get kinds(): string[] {
    return [...this.#kinds.keys()].sort();
  }
}

export const NO_CONSUMER_KINDS = new ConsumerCatalog();

/** Entra ID access tokens for the app's own identity, for consumers whose admin signs in with `{ entra: true }`. */
export interface AccessTokenSource {
  getToken(scope: string): Promise<SecretValue>;
}
