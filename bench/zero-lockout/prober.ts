/**
 * An application stand-in that proves, or disproves, "zero lockout": every few milliseconds it
 * reads the secret's current version from Key Vault with the real SecretClient, parses the JSON
 * credential, and signs in to the server with the real driver (pg, mysql2, ioredis), closing the
 * connection after each probe. A sign-in the server refuses is a failed login, recorded with the
 * version whose credential it used; anything else that goes wrong is counted apart, so a lockout
 * cannot hide among network errors or be mistaken for one.
 */
import type { SecretClient } from '@azure/keyvault-secrets';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import { SecretValue } from '../../src/core/secret-value.js';

export const PROBED_KINDS = ['postgresql', 'mariadb', 'redis'] as const;
export type ProbedKind = (typeof PROBED_KINDS)[number];

/** What a version of the secret holds: `{"username","password","host","port","database"}`. */
export interface ProbeCredential {
  username: string;
  password: SecretValue;
  host: string;
  port: number;
  database?: string;
}

export type SignInResult =
  | { outcome: 'accepted' }
  /** The server said no to this username and password. */
  | { outcome: 'refused'; code: string }
  /** Anything else: unreachable, timed out, too many connections. Not a verdict on the credential. */
  | { outcome: 'error'; message: string };

const SIGN_IN_TIMEOUT_IN_MS = 5_000;
const PG_REFUSED = new Set(['28P01', '28000']);
/** Wrong password or unknown user, no right to the database, no password allowed, account locked (MySQL, MariaDB). */
const MYSQL_REFUSED = new Set([1045, 1044, 1698, 3118, 4151]);
const REDIS_REFUSED = /WRONGPASS|NOAUTH|invalid username-password pair/i;

function errorText(error: unknown): string {
  return error instanceof Error ? `${(error as { code?: unknown }).code ?? error.name}: ${error.message}` : String(error);
}

async function signInToPostgresql(credential: ProbeCredential): Promise<SignInResult> {
  const client = new Client({
    host: credential.host,
    port: credential.port,
    database: credential.database,
    user: credential.username,
    password: credential.password.reveal(),
    ssl: false,
    connectionTimeoutMillis: SIGN_IN_TIMEOUT_IN_MS,
    query_timeout: SIGN_IN_TIMEOUT_IN_MS,
    application_name: 'zero-lockout-prober',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { outcome: 'accepted' };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && PG_REFUSED.has(code)) return { outcome: 'refused', code };
    return { outcome: 'error', message: errorText(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function signInToMariadb(credential: ProbeCredential): Promise<SignInResult> {
  let connection: Awaited<ReturnType<typeof createConnection>> | undefined;
  try {
    connection = await createConnection({
      host: credential.host,
      port: credential.port,
      user: credential.username,
      password: credential.password.reveal(),
      database: credential.database,
      connectTimeout: SIGN_IN_TIMEOUT_IN_MS,
    });
    connection.on('error', () => undefined);
    await connection.query({ sql: 'SELECT 1', timeout: SIGN_IN_TIMEOUT_IN_MS });
    return { outcome: 'accepted' };
  } catch (error) {
    const errno = (error as { errno?: unknown }).errno;
    if (typeof errno === 'number' && MYSQL_REFUSED.has(errno)) return { outcome: 'refused', code: String((error as { code?: unknown }).code ?? errno) };
    return { outcome: 'error', message: errorText(error) };
  } finally {
    await connection?.end().catch(() => connection?.destroy());
  }
}

async function signInToRedis(credential: ProbeCredential): Promise<SignInResult> {
  const client = new Redis({
    host: credential.host,
    port: credential.port,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: SIGN_IN_TIMEOUT_IN_MS,
    commandTimeout: SIGN_IN_TIMEOUT_IN_MS,
    disableClientInfo: true,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    // AUTH sent and awaited by hand: ioredis's username/password options let a command run as the
    // default user before a refused AUTH is handled, and the default user needs no password here.
    await client.call('AUTH', credential.username, credential.password.reveal());
    await client.ping();
    return { outcome: 'accepted' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (REDIS_REFUSED.test(message)) return { outcome: 'refused', code: message.split(' ')[0] ?? 'WRONGPASS' };
    return { outcome: 'error', message: errorText(error) };
  } finally {
    client.disconnect();
  }
}

/** One sign-in with the real driver, connection closed afterwards, whatever happens. */
export function signIn(kind: ProbedKind, credential: ProbeCredential): Promise<SignInResult> {
  switch (kind) {
    case 'postgresql':
      return signInToPostgresql(credential);
    case 'mariadb':
      return signInToMariadb(credential);
    case 'redis':
      return signInToRedis(credential);
  }
}

/** Parses a version's value; undefined when it is not the JSON credential. */
export function parseProbeCredential(value: string | undefined): ProbeCredential | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value) as Record<string, unknown>;
    if (typeof parsed.username !== 'string' || typeof parsed.password !== 'string' || typeof parsed.host !== 'string' || typeof parsed.port !== 'number') return undefined;
    return {
      username: parsed.username,
      password: SecretValue.of(parsed.password),
      host: parsed.host,
      port: parsed.port,
      ...(typeof parsed.database === 'string' ? { database: parsed.database } : {}),
    };
  } catch {
    return undefined;
  }
}

export interface ProbeFailure {
  at: string;
  /** The Key Vault version whose credential was refused. */
  version: string;
  username: string;
  code: string;
}

export interface ProberFigures {
  kind: ProbedKind;
  /** Sign-ins attempted with a credential read from the vault. */
  attempts: number;
  successes: number;
  /** Sign-ins the server refused: the lockouts. Goal 0. */
  failedLogins: number;
  /** The first failures, with the version each used. */
  failures: ProbeFailure[];
  /** Sign-ins that failed without a verdict (unreachable, timeout), and the first few messages. */
  signInErrors: number;
  signInErrorSamples: string[];
  vaultReads: number;
  vaultReadErrors: number;
  vaultReadErrorSamples: string[];
  /** Reads that found no version yet, or a value that is not a credential. */
  noCredential: number;
  /** Distinct versions signed in with. */
  versionsSeen: number;
}

export interface ProberOptions {
  kind: ProbedKind;
  secrets: SecretClient;
  secretName: string;
  /** Time from the start of one probe to the start of the next. Default 10 ms. */
  intervalInMs?: number;
}

const MAX_SAMPLES = 20;

export class Prober {
  readonly #options: Required<ProberOptions>;
  readonly #figures: ProberFigures;
  readonly #versions = new Set<string>();
  #lastSignedIn: string | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;

  constructor(options: ProberOptions) {
    this.#options = { intervalInMs: 10, ...options };
    this.#figures = {
      kind: options.kind,
      attempts: 0,
      successes: 0,
      failedLogins: 0,
      failures: [],
      signInErrors: 0,
      signInErrorSamples: [],
      vaultReads: 0,
      vaultReadErrors: 0,
      vaultReadErrorSamples: [],
      noCredential: 0,
      versionsSeen: 0,
    };
  }

  start(): void {
    if (this.#running) throw new Error('the prober is already running');
    this.#stopping = false;
    this.#running = this.#loop();
  }

  /** Stops after the probe in flight and returns the figures. */
  async stop(): Promise<ProberFigures> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
    return this.figures();
  }

  /** Resolves once a probe has signed in (or tried to) with `version`; false if that took longer than `timeoutInMs`. */
  async waitForVersion(version: string, timeoutInMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutInMs;
    while (this.#lastSignedIn !== version) {
      if (performance.now() > deadline || !this.#running) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return true;
  }

  figures(): ProberFigures {
    return { ...this.#figures, failures: [...this.#figures.failures], versionsSeen: this.#versions.size };
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      const started = performance.now();
      await this.probeOnce();
      const rest = this.#options.intervalInMs - (performance.now() - started);
      if (rest > 0 && !this.#stopping) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, rest);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      }
    }
  }

  /** One probe: read the current version, sign in with it. */
  async probeOnce(): Promise<void> {
    const figures = this.#figures;
    const { kind, secrets, secretName } = this.#options;
    let value: string | undefined;
    let version: string;
    figures.vaultReads += 1;
    try {
      const secret = await secrets.getSecret(secretName);
      value = secret.value;
      version = secret.properties.version ?? '(no version)';
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) {
        figures.noCredential += 1;
        return;
      }
      figures.vaultReadErrors += 1;
      if (figures.vaultReadErrorSamples.length < MAX_SAMPLES) figures.vaultReadErrorSamples.push(errorText(error));
      return;
    }
    const credential = parseProbeCredential(value);
    if (!credential) {
      figures.noCredential += 1;
      return;
    }
    figures.attempts += 1;
    this.#versions.add(version);
    const result = await signIn(kind, credential);
    this.#lastSignedIn = version;
    if (result.outcome === 'accepted') figures.successes += 1;
    else if (result.outcome === 'refused') {
      figures.failedLogins += 1;
      if (figures.failures.length < MAX_SAMPLES) figures.failures.push({ at: new Date().toISOString(), version, username: credential.username, code: result.code });
    } else {
      figures.signInErrors += 1;
      if (figures.signInErrorSamples.length < MAX_SAMPLES) figures.signInErrorSamples.push(result.message);
    }
  }
}
