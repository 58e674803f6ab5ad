/**
 * The `postgresql` consumer kind: alternating login roles on a PostgreSQL server
 * (Azure Database for PostgreSQL flexible server, or any PostgreSQL 11+).
 *
 * What the admin login needs:
 * - CREATEROLE, to create the second login and change both logins' passwords (on Azure
 *   flexible server, members of `azure_pg_admin` have it).
 * - On PostgreSQL 16+, also ADMIN OPTION on the first login and on every group role it is a
 *   member of (`GRANT app, app_group TO kvrot_admin WITH ADMIN OPTION, INHERIT FALSE, SET FALSE`):
 *   since 16, CREATEROLE alone no longer lets a role alter roles it did not create or hand out
 *   memberships. The second login, created by the admin, is administered by it already.
 * - Membership in pg_read_all_stats, to see other users' client addresses and application
 *   names in pg_stat_activity; without it their sessions are still listed, those fields empty.
 *
 * The second login is created as a member of the same group roles as the first (not of the
 * first login itself), and memberships inherit privileges, not object ownership: a table
 * created by one login is not readable by the other. Let a shared group role own the
 * application's objects (`SET ROLE app_owner` in migrations, or `ALTER ... OWNER TO`), and
 * grant privileges to group roles, never to a login: privileges granted directly to the
 * first login, and memberships it gains after the second login was created, are not copied.
 *
 * PostgreSQL has one password per role, so `multi-password` cannot be done without a window
 * where the old or the new password fails: only `alternating-users` is offered.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Client, ClientConfig, DatabaseError } from 'pg';
import { z } from 'zod';
import { PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import {
  CredentialRefusedError,
  type AdminCredential,
  type ConsumerKind,
  type LoginCredential,
  type LoginSession,
} from '../../core/consumers/consumer-port.js';
import { networkConsumerSchema } from '../../core/consumers/network-consumer.js';
import { SecretValue } from '../../core/secret-value.js';

export const postgresqlConsumerSchema = networkConsumerSchema(
  'postgresql',
  { defaultPort: 5432 },
  {
    /** The database the admin and the verifying sign-in connect to; roles themselves are server-wide. */
    database: z.string().min(1, 'cannot be empty').max(63, 'must be at most 63 characters (PostgreSQL truncates longer names)'),
  },
);

export type PostgresqlConsumerSpec = z.infer<typeof postgresqlConsumerSchema>;

const APPLICATION_NAME = 'kvrot-rotator';
const CONNECTION_TIMEOUT_IN_MS = 10_000;
const STATEMENT_TIMEOUT_IN_MS = 15_000;
/** A client-side bound above the server's, for a server that stops answering altogether. */
const QUERY_TIMEOUT_IN_MS = 20_000;
const SCRAM_ITERATIONS = 4096;
/**
 * Serialises this rotator's changes to one role: without it, two ALTER ROLE of the same role at
 * once fail with "tuple concurrently updated" (XX000). Advisory locks are per database, so two
 * policies rotating one login through different databases would not wait for each other; a
 * login belongs to one policy. The number is an arbitrary class id for pg_advisory_xact_lock(int, int).
 */
const ROLE_LOCK_CLASS = 0x6b76_726f;

/** The SQLSTATEs a server answers when it refuses the credential (invalid_password, invalid_authorization_specification). */
const REFUSED = new Set(['28P01', '28000']);
/** Classes that may pass on retry: connection exception, insufficient resources, operator intervention, transaction rollback (deadlock, serialization). */
const TRANSIENT_CLASSES = ['08', '53', '57', '40'];
/** Node TLS errors: a certificate problem does not fix itself. */
const TLS_CODE = /CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`. Sent in place of the
 * password, PostgreSQL stores it as is, so the plaintext never reaches the server, its logs
 * or pg_stat_statements. It is material for an offline guess, hence a SecretValue.
 *
 * PostgreSQL applies SASLprep to the password; printable ASCII is unchanged by it, and
 * non-ASCII is refused by the caller because drivers disagree on it (libpq applies
 * SASLprep, node-postgres does not).
 */
export function scramSha256Verifier(password: SecretValue, salt: Buffer = randomBytes(16)): SecretValue {
  const salted = pbkdf2Sync(Buffer.from(password.reveal(), 'utf8'), salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return SecretValue.of(`SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`);
}

const VERIFIER_SHAPE = /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/;
/** Tab, newline and printable ASCII: what every driver hashes the same way. */
const PORTABLE_PASSWORD = /^[\t\n\r\x20-\x7e]+$/;

function where(spec: PostgresqlConsumerSpec): string {
  return `postgresql consumer '${spec.name}' (${spec.host}:${spec.port}/${spec.database})`;
}

function clientConfig(spec: PostgresqlConsumerSpec, user: string, password: SecretValue): ClientConfig {
  const host = spec.host.replace(/^\[|\]$/g, '');
  return {
    host,
    port: spec.port,
    database: spec.database,
    user,
    password: password.reveal(),
    // SNI takes a name, never an IP address (RFC 6066); the certificate is still checked against the IP.
    ssl: spec.tls ? { rejectUnauthorized: true, ...(isIP(host) === 0 ? { servername: host } : {}) } : false,
    connectionTimeoutMillis: CONNECTION_TIMEOUT_IN_MS,
    statement_timeout: STATEMENT_TIMEOUT_IN_MS,
    query_timeout: QUERY_TIMEOUT_IN_MS,
    application_name: APPLICATION_NAME,
  };
}

function adminConfig(spec: PostgresqlConsumerSpec, admin: AdminCredential): ClientConfig {
  // Entra ID: Azure Database for PostgreSQL takes the access token as the password of the mapped user.
  return clientConfig(spec, admin.username, admin.kind === 'password' ? admin.password : admin.accessToken);
}

/**
 * The driver's error as one of ours, with a message that cannot carry a statement, a password
 * or a verifier: the server's message (scrubbed of `secrets` all the same) and its SQLSTATE,
 * and no `cause`, whose fields a logger would print.
 */
function dependencyError(spec: PostgresqlConsumerSpec, action: string, error: unknown, secrets: readonly SecretValue[] = []): Error {
  let detail = error instanceof Error ? error.message : 'unknown error';
  for (const secret of secrets) detail = detail.split(secret.reveal()).join('[redacted]');
  const code = (error as { code?: unknown }).code;
  const sqlState = isDatabaseError(error) ? error.code : undefined;
  const message = `${where(spec)}: could not ${action}: ${detail}${typeof code === 'string' ? ` (${sqlState ? 'SQLSTATE ' : ''}${code})` : ''}`;
  const transient = sqlState
    ? TRANSIENT_CLASSES.some((prefix) => sqlState.startsWith(prefix)) || sqlState === '55P03' || sqlState === '57014'
    : !(typeof code === 'string' && TLS_CODE.test(code)) && !/does not support SSL/i.test(detail);
  return transient ? new TransientDependencyError(message) : new PermanentDependencyError(message);
}

/** The driver, loaded by the first connection: an app whose policies name no PostgreSQL never loads it. */
let pg: typeof import('pg') | undefined;

/** Errors of pg's own; there are none before it has loaded. */
function isDatabaseError(error: unknown): error is DatabaseError {
  return pg !== undefined && error instanceof pg.DatabaseError;
}

async function withClient<T>(config: ClientConfig, use: (client: Client) => Promise<T>): Promise<T> {
  pg ??= await import('pg');
  const client = new pg.Client(config);
  // An 'error' event with no listener (the server going away between queries) would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function roleExists(client: Client, role: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  return (rowCount ?? 0) > 0;
}

async function groupsOf(client: Client, role: string): Promise<string[]> {
  const { rows } = await client.query<{ rolname: string }>(
    `SELECT DISTINCT g.rolname
       FROM pg_auth_members m
       JOIN pg_roles g ON g.oid = m.roleid
       JOIN pg_roles r ON r.oid = m.member
      WHERE r.rolname = $1
      ORDER BY g.rolname`,
    [role],
  );
  return rows.map((row) => row.rolname);
}

/** duplicate_object (CREATE ROLE of an existing role), unique_violation (two CREATE ROLE racing on pg_authid). */
function isDuplicateRole(error: unknown): boolean {
  return isDatabaseError(error) && (error.code === '42710' || error.code === '23505');
}

async function replaceLoginPassword(
  spec: PostgresqlConsumerSpec,
  admin: AdminCredential,
  login: string,
  password: SecretValue,
  like: string,
): Promise<void> {
  if (!PORTABLE_PASSWORD.test(password.reveal())) {
    throw new PermanentDependencyError(
      `${where(spec)}: the new password of '${login}' has characters outside printable ASCII; PostgreSQL drivers disagree on how to hash those (SASLprep), so the generator must produce ASCII for this consumer`,
    );
  }
  const verifier = scramSha256Verifier(password);
  if (!VERIFIER_SHAPE.test(verifier.reveal())) throw new Error('SCRAM verifier has an unexpected shape');
  const secrets = [password, verifier];

  await withClient(adminConfig(spec, admin), async (client) => {
    const role = client.escapeIdentifier(login);
    const withPassword = `WITH LOGIN PASSWORD ${client.escapeLiteral(verifier.reveal())}`;
    try {
      await client.query('BEGIN');
      // Two rotations of the same login (a retry racing the original) take turns, so neither
      // fails on a concurrently updated pg_authid row and the later password wins.
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ROLE_LOCK_CLASS, login]);
      if (await roleExists(client, login)) {
        await client.query(`ALTER ROLE ${role} ${withPassword}`);
      } else {
        if (!(await roleExists(client, like))) {
          throw new PermanentDependencyError(
            `${where(spec)}: login '${login}' does not exist, and neither does '${like}', the login it would be created like; create '${like}' (or fix the policy's login) first`,
          );
        }
        const groups = (await groupsOf(client, like)).map((group) => client.escapeIdentifier(group));
        await client.query('SAVEPOINT create_role');
        try {
          await client.query(`CREATE ROLE ${role} ${withPassword}${groups.length > 0 ? ` IN ROLE ${groups.join(', ')}` : ''}`);
        } catch (error) {
          // Created meanwhile by someone not taking our lock (a rotator on another database of the same server).
          if (!isDuplicateRole(error)) throw error;
          await client.query('ROLLBACK TO SAVEPOINT create_role');
          await client.query(`ALTER ROLE ${role} ${withPassword}`);
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }).catch((error: unknown) => {
    if (error instanceof PermanentDependencyError) throw error;
    throw dependencyError(spec, `set the password of login '${login}'`, error, secrets);
  });
}

async function verify(spec: PostgresqlConsumerSpec, credential: LoginCredential): Promise<void> {
  try {
    await withClient(clientConfig(spec, credential.username, credential.password), (client) => client.query('SELECT 1'));
  } catch (error) {
    if (isDatabaseError(error) && error.code !== undefined && REFUSED.has(error.code)) {
      throw new CredentialRefusedError(`${where(spec)} refused the password of login '${credential.username}' (SQLSTATE ${error.code})`);
    }
    throw dependencyError(spec, `sign in as '${credential.username}'`, error, [credential.password]);
  }
}

async function sessions(spec: PostgresqlConsumerSpec, admin: AdminCredential, login: string): Promise<LoginSession[]> {
  try {
    return await withClient(adminConfig(spec, admin), async (client) => {
      const { rows } = await client.query<{ usename: string; client_addr: string | null; application_name: string | null; backend_start: Date | null }>(
        `SELECT usename, client_addr, application_name, backend_start
           FROM pg_stat_activity
          WHERE usename = $1 AND pid <> pg_backend_pid()
          ORDER BY backend_start`,
        [login],
      );
      return rows.map((row) => ({
        username: row.usename,
        ...(row.client_addr ? { clientAddress: row.client_addr } : {}),
        ...(row.application_name ? { applicationName: row.application_name } : {}),
        ...(row.backend_start ? { connectedAt: row.backend_start } : {}),
      }));
    });
  } catch (error) {
    throw dependencyError(spec, `list the sessions of login '${login}'`, error, [admin.kind === 'password' ? admin.password : admin.accessToken]);
  }
}

export const postgresqlConsumer: ConsumerKind<PostgresqlConsumerSpec> = {
  kind: 'postgresql',
  strategies: ['alternating-users'],
  schema: postgresqlConsumerSchema,
  entraScope: 'https://ossrdbms-aad.database.windows.net/.default',
  connectionFields: (spec) => ({ host: spec.host, port: spec.port, database: spec.database }),
  replaceLoginPassword,
  verify,
  sessions,
};
