/**
 * The `mariadb` consumer kind: MariaDB 10.6+ and MySQL 5.7/8 (including Azure Database for MySQL
 * flexible server), rotated with alternating users. MariaDB has no RETAIN CURRENT PASSWORD, and
 * SET PASSWORD changes only the first of several `IDENTIFIED VIA ... OR ...` passwords; MySQL 8's
 * retained secondary password is lost when a password is retained twice, or when a resumed
 * rotation repeats the statement. Two logins used in turn have none of these traps.
 *
 * What the admin needs (checked on MariaDB 10.11):
 * - `CREATE USER` (create the second login, change passwords, copy REQUIRE and resource limits);
 * - `SELECT ON mysql.*`: list accounts in mysql.user, and SHOW GRANTS / SHOW CREATE USER for
 *   another account, which MariaDB checks against the whole `mysql` schema;
 * - every privilege it copies, `WITH GRANT OPTION`, and each role it copies `WITH ADMIN OPTION`;
 * - MariaDB only, when the first login has a default role: `UPDATE ON mysql.*` (MariaDB checks
 *   SET DEFAULT ROLE ... FOR another account against it; MySQL 8 accepts CREATE USER);
 * - `PROCESS`, to see other accounts' sessions.
 * For example: `GRANT CREATE USER, PROCESS ON *.* TO rotator; GRANT SELECT ON mysql.* TO rotator;
 * GRANT SELECT, INSERT ON app.* TO rotator WITH GRANT OPTION; GRANT app_role TO rotator WITH ADMIN OPTION`.
 *
 * The second login is created once, as a copy of the first one's grants at that moment: a grant
 * added to the first login later is not copied (the same trap as AWS's multi-user rotation,
 * aws-samples/aws-secrets-manager-rotation-lambdas#38). Grant the application's privileges to a
 * role, make it both logins' default role, and later grants reach both.
 *
 * An account is `user@host`: each host pattern the first login has gets its twin, and every
 * account of the login gets the new password. The second login is created `ACCOUNT LOCK`ed and
 * unlocked only once its grants are copied, so a crash between the two leaves a locked account,
 * which the next call finishes copying (a locked account of the login is taken to be ours).
 *
 * The password never travels in clear on MariaDB: we send `IDENTIFIED BY PASSWORD '*<hash>'`,
 * the mysql_native_password hash computed here, and the server stores that. MySQL 8 stores
 * caching_sha2_password (salted) hashes, which a client cannot compute for it, so on MySQL the
 * statement is `IDENTIFIED BY '<password>'` (escaped by mysql2); MySQL rewrites it to a hash in its
 * own general log and binary log. On MySQL, REQUIRE and resource limits (shown by SHOW CREATE USER,
 * not SHOW GRANTS) are not copied to the second login.
 *
 * Entra sign-in (Azure Database for MySQL) sends the access token as the password with the
 * mysql_clear_password plugin, which mysql2 refuses unless asked; the schema keeps TLS on to any
 * host that is not loopback, so the token never travels in clear.
 */
import { createHash } from 'node:crypto';
import type { Connection, ConnectionOptions, RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import {
  CredentialRefusedError,
  type AdminCredential,
  type ConnectionFields,
  type ConsumerKind,
  type LoginCredential,
  type LoginSession,
} from '../../core/consumers/consumer-port.js';
import { networkConsumerSchema } from '../../core/consumers/network-consumer.js';
import { DomainError, PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import type { SecretValue } from '../../core/secret-value.js';

const KIND = 'mariadb';
const TIMEOUT_IN_MS = 10_000;

/** Server replies that refuse a sign-in: bad password or unknown user, no right to the database, no password allowed, locked (MySQL 3118, MariaDB 4151). */
const REFUSED = new Set([1045, 1044, 1698, 3118, 4151]);
/** Server replies that say "not now": too many connections, shutting down, per-user limits, lock wait, deadlock, killed. */
const TRANSIENT = new Set([1040, 1053, 1203, 1205, 1213, 1226, 1927]);
const ER_CANNOT_USER = 1396;
const ER_NO_SUCH_TABLE = 1146;
/** Syntax errors quote the statement ("near '...'"), so their text is never passed on for a statement that holds a secret. */
const QUOTES_STATEMENT = new Set([1064, 1149]);
const NATIVE_HASH = /\*[0-9A-F]{40}/gi;

export const mariadbConsumerSchema = networkConsumerSchema(KIND, { defaultPort: 3306 }, {
  /** The database applications use; verify signs in to it, so a login without rights there is refused. */
  database: z.string().min(1, 'cannot be empty').max(64, 'must be at most 64 characters'),
});

export type MariadbConsumerSpec = z.output<typeof mariadbConsumerSchema>;

/** mysql_native_password's stored form: '*' and the upper-case hex of SHA1(SHA1(password)). */
export function nativePasswordHash(password: SecretValue): string {
  const once = createHash('sha1').update(password.reveal(), 'utf8').digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
}

/**
 * The options one connection is opened with: as the admin (no default database) or as a login
 * (to spec.database). Exported so the Entra options, usable only in Azure, can be tested here.
 */
export function mariadbConnectionOptions(spec: MariadbConsumerSpec, credential: AdminCredential | LoginCredential): ConnectionOptions {
  const host = spec.host.replace(/^\[|\]$/g, '');
  const asAdmin = 'kind' in credential;
  const entra = asAdmin && credential.kind === 'entra';
  const password = !asAdmin ? credential.password : credential.kind === 'entra' ? credential.accessToken : credential.password;
  return {
    host,
    port: spec.port,
    user: credential.username,
    password: password.reveal(),
    database: asAdmin ? undefined : spec.database,
    connectTimeout: TIMEOUT_IN_MS,
    // rejectUnauthorized checks the certificate chain; mysql2 checks the name in it only with
    // verifyIdentity, which is off by default. mysql2 sends the host as SNI when it is a DNS name.
    ssl: spec.tls ? { rejectUnauthorized: true, verifyIdentity: true } : undefined,
    // Azure Database for MySQL takes an Entra token only through mysql_clear_password.
    enableCleartextPlugin: entra,
    multipleStatements: false,
  };
}

interface ServerError {
  errno: number;
  code: string;
  sqlMessage?: string;
}

/** A reply from the server (as opposed to a socket or driver failure): mysql2 gives those an SQLSTATE. */
function serverError(error: unknown): ServerError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { errno, code, sqlState, sqlMessage } = error as Error & { errno?: unknown; code?: unknown; sqlState?: unknown; sqlMessage?: unknown };
  if (typeof errno !== 'number' || typeof sqlState !== 'string') return undefined;
  return { errno, code: String(code), sqlMessage: typeof sqlMessage === 'string' ? sqlMessage : undefined };
}

/**
 * A new error in place of mysql2's, which carries the statement (`sql`) and may quote it in its
 * message: only the code and, unless it quotes the statement, the server's words with every
 * secret cut out. The original is not kept as `cause`, since inspecting an error prints its cause.
 */
function dependencyError(error: unknown, context: string, secrets: readonly string[]): DomainError {
  if (error instanceof DomainError) return error;
  const reply = serverError(error);
  if (!reply) {
    const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    return new TransientDependencyError(`${context}: ${scrub(typeof code === 'string' ? `${code}: ${message}` : message, secrets)}`);
  }
  const words = secrets.length > 0 && QUOTES_STATEMENT.has(reply.errno) ? '(the server quoted the statement; not repeated)' : scrub(reply.sqlMessage ?? '', secrets);
  const message = `${context}: ${reply.code} (${reply.errno}) ${words}`.trimEnd();
  return TRANSIENT.has(reply.errno) ? new TransientDependencyError(message) : new PermanentDependencyError(message);
}

function scrub(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) if (secret) clean = clean.split(secret).join('[redacted]');
  return clean.replace(NATIVE_HASH, '[redacted]');
}

/** One short-lived connection, closed whatever happens. A refused sign-in becomes `onRefused`'s error. */
async function withConnection<T>(options: ConnectionOptions, context: string, onRefused: (reply: ServerError) => Error, use: (db: Connection) => Promise<T>): Promise<T> {
  // The driver loads with the first connection: an app whose policies name no MariaDB or MySQL never loads it.
  const { createConnection } = await import('mysql2/promise');
  let db: Connection;
  try {
    db = await createConnection(options);
  } catch (error) {
    const reply = serverError(error);
    if (reply && REFUSED.has(reply.errno)) throw onRefused(reply);
    throw dependencyError(error, context, [String(options.password ?? '')]);
  }
  // A connection that fails while idle emits 'error'; with no listener that would end the process.
  // The failure reaches us through the pending call, or not at all once we are done.
  db.on('error', () => undefined);
  let result: T;
  try {
    result = await use(db);
  } catch (error) {
    db.destroy();
    throw error;
  }
  // The work is done; a failed goodbye changes nothing of it.
  await db.end().catch(() => db.destroy());
  return result;
}

function withAdmin<T>(spec: MariadbConsumerSpec, admin: AdminCredential, use: (db: Connection) => Promise<T>): Promise<T> {
  const context = `mariadb consumer '${spec.name}'`;
  return withConnection(
    mariadbConnectionOptions(spec, admin),
    context,
    (reply) => new PermanentDependencyError(`${context}: admin '${admin.username}' was refused: ${reply.code} (${reply.errno}) ${scrub(reply.sqlMessage ?? '', [])}`.trimEnd()),
    use,
  );
}

/** One statement; its failure names `what`, never the statement, and never a secret. */
async function run(db: Connection, context: string, what: string, sql: string, values: unknown[] = [], secrets: readonly string[] = []): Promise<RowDataPacket[]> {
  try {
    const [rows] = await db.query<RowDataPacket[]>({ sql, values, timeout: TIMEOUT_IN_MS });
    return rows;
  } catch (error) {
    throw dependencyError(error, `${context}: ${what}`, secrets);
  }
}

/** `'user'@'host'`, quoted by mysql2. */
function account(db: Connection, user: string, host: string): string {
  return `${db.escape(user)}@${db.escape(host)}`;
}

/** How SHOW GRANTS writes an account: MariaDB and MySQL 8 with backticks, MySQL 5.7 with quotes. */
function grantees(user: string, host: string): string[] {
  return [`\`${user}\`@\`${host}\``, `'${user}'@'${host}'`];
}

interface Password {
  /** The clause after IDENTIFIED, and the values its placeholders take. */
  clause: string;
  values: string[];
  /** Everything an error message must not repeat. */
  secrets: string[];
}

function identifiedBy(db: Connection, password: SecretValue, mariadb: boolean): Password {
  const plain = password.reveal();
  const escaped = db.escape(plain).slice(1, -1);
  if (!mariadb) return { clause: 'IDENTIFIED BY ?', values: [plain], secrets: [plain, escaped] };
  const hash = nativePasswordHash(password);
  return { clause: `IDENTIFIED BY PASSWORD ${db.escape(hash)}`, values: [], secrets: [plain, escaped, hash] };
}

async function hostsOf(db: Connection, context: string, user: string): Promise<string[]> {
  const rows = await run(db, context, `list the accounts of '${user}'`, 'SELECT Host AS host FROM mysql.user WHERE User = ? ORDER BY Host', [user]);
  return rows.map((row) => String(row.host));
}

/** A first column of text, as SHOW GRANTS and SHOW CREATE USER answer. */
function firstColumn(rows: RowDataPacket[]): string[] {
  return rows.map((row) => {
    const value = Object.values(row)[0];
    return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  });
}

async function isLocked(db: Connection, context: string, user: string, host: string): Promise<boolean> {
  const [text = ''] = firstColumn(await run(db, context, `SHOW CREATE USER for '${user}'@'${host}'`, `SHOW CREATE USER ${account(db, user, host)}`));
  return /\bACCOUNT LOCK\b/.test(text);
}

/**
 * One line of `SHOW GRANTS FOR like@host` as the statements that give `login@host` the same.
 * The global line (`ON *.*`) also carries the account's password, TLS requirement and resource
 * limits on MariaDB: the password is dropped, the rest moves to an ALTER USER (which CREATE USER
 * allows, where a GRANT with REQUIRE would need the global GRANT OPTION).
 */
export function copiedGrant(line: string, like: string, login: string, host: string, target: string): string[] {
  const cannot = (why: string) => new PermanentDependencyError(`cannot copy a grant of '${like}'@'${host}' to '${login}'@'${host}': ${why}`);
  if (line.startsWith('SET DEFAULT ROLE ')) {
    const grantee = grantees(like, host).find((g) => line.endsWith(` FOR ${g}`));
    if (!grantee) throw cannot('a SET DEFAULT ROLE line names another account');
    return [`${line.slice(0, -` FOR ${grantee}`.length)} FOR ${target}`];
  }
  if (!line.startsWith('GRANT ')) throw cannot('SHOW GRANTS answered a line that is neither GRANT nor SET DEFAULT ROLE');
  const at = Math.max(...grantees(like, host).map((g) => line.lastIndexOf(` TO ${g}`)));
  if (at < 0) throw cannot('a GRANT line names another grantee');
  const head = line.slice(0, at);
  const grantee = grantees(like, host).find((g) => line.startsWith(` TO ${g}`, at)) ?? '';
  let tail = line.slice(at + ` TO ${grantee}`.length);
  if (!/^GRANT .+ ON \*\.\*$/.test(head)) {
    if (/\bIDENTIFIED\b/i.test(tail)) throw cannot('a GRANT line carries credentials');
    return [`${head} TO ${target}${tail}`];
  }
  tail = tail.replace(/ IDENTIFIED (?:BY PASSWORD '[^']*'|VIA .*?)(?= REQUIRE | WITH |$)/, '');
  if (/\bIDENTIFIED\b/i.test(tail)) throw cannot('its global grant carries credentials in a form this adapter does not read');
  const require = / REQUIRE (.+?)(?= WITH |$)/.exec(tail)?.[1];
  let withPart = / WITH (.+)$/.exec(tail)?.[1] ?? '';
  const grantOption = /\bGRANT OPTION\b/.test(withPart);
  withPart = withPart.replace(/\s*\bGRANT OPTION\b\s*/, ' ').trim();
  const statements: string[] = [];
  if (head !== 'GRANT USAGE ON *.*' || grantOption) statements.push(`${head} TO ${target}${grantOption ? ' WITH GRANT OPTION' : ''}`);
  const limits = `${require ? ` REQUIRE ${require}` : ''}${withPart ? ` WITH ${withPart}` : ''}`;
  if (limits) statements.push(`ALTER USER ${target}${limits}`);
  return statements;
}

async function copyGrants(db: Connection, context: string, like: string, login: string, host: string, mariadb: boolean): Promise<void> {
  const target = account(db, login, host);
  // SHOW GRANTS of `like` holds its password hash: the lines are read, rewritten without it, and never quoted in errors.
  const lines = firstColumn(await run(db, context, `SHOW GRANTS FOR '${like}'@'${host}'`, `SHOW GRANTS FOR ${account(db, like, host)}`));
  for (const line of lines) {
    for (const statement of copiedGrant(line, like, login, host, target)) {
      const what = statement.startsWith('SET DEFAULT ROLE')
        ? `set the default role of '${login}'@'${host}' as '${like}' has it (MariaDB needs UPDATE on the mysql schema for this)`
        : `copy a grant of '${like}'@'${host}' to '${login}'@'${host}'`;
      await run(db, context, what, statement);
    }
  }
  if (!mariadb) await copyMysqlDefaultRoles(db, context, like, login, host, target);
}

/** MySQL 8 keeps default roles out of SHOW GRANTS, in mysql.default_roles; MySQL 5.7 has no roles. */
async function copyMysqlDefaultRoles(db: Connection, context: string, like: string, login: string, host: string, target: string): Promise<void> {
  let roles: RowDataPacket[];
  try {
    [roles] = await db.query<RowDataPacket[]>({
      sql: 'SELECT DEFAULT_ROLE_USER AS user, DEFAULT_ROLE_HOST AS host FROM mysql.default_roles WHERE USER = ? AND HOST = ?',
      values: [like, host],
      timeout: TIMEOUT_IN_MS,
    });
  } catch (error) {
    if (serverError(error)?.errno === ER_NO_SUCH_TABLE) return;
    throw dependencyError(error, `${context}: read the default roles of '${like}'@'${host}'`, []);
  }
  if (roles.length === 0) return;
  const list = roles.map((role) => account(db, String(role.user), String(role.host))).join(', ');
  await run(db, context, `set the default roles of '${login}'@'${host}' as '${like}' has them`, `SET DEFAULT ROLE ${list} TO ${target}`);
}

async function replaceLoginPassword(spec: MariadbConsumerSpec, admin: AdminCredential, login: string, password: SecretValue, like: string): Promise<void> {
  const context = `mariadb consumer '${spec.name}'`;
  await withAdmin(spec, admin, async (db) => {
    const [version] = firstColumn(await run(db, context, 'SELECT VERSION()', 'SELECT VERSION() AS version'));
    const mariadb = (version ?? '').includes('MariaDB');
    const likeHosts = await hostsOf(db, context, like);
    if (likeHosts.length === 0) {
      throw new PermanentDependencyError(`${context}: login '${login}' cannot be made like '${like}': '${like}' has no account on this server`);
    }
    const loginHosts = new Set(await hostsOf(db, context, login));
    const identified = identifiedBy(db, password, mariadb);

    // Look, then act: a twin account that is missing is created locked; one found locked was left
    // by a call that did not finish copying. Both get the grants of `like` before they open.
    const toCopy: string[] = [];
    for (const host of likeHosts) {
      if (loginHosts.has(host)) {
        if (await isLocked(db, context, login, host)) toCopy.push(host);
        continue;
      }
      loginHosts.add(host);
      try {
        await db.query({ sql: `CREATE USER ${account(db, login, host)} ${identified.clause} ACCOUNT LOCK`, values: identified.values, timeout: TIMEOUT_IN_MS });
      } catch (error) {
        // Another call created it since we looked: finish the copy as that one would.
        if (serverError(error)?.errno !== ER_CANNOT_USER) throw dependencyError(error, `${context}: CREATE USER '${login}'@'${host}'`, identified.secrets);
      }
      toCopy.push(host);
    }
    for (const host of toCopy) await copyGrants(db, context, like, login, host, mariadb);

    for (const host of loginHosts) {
      const unlock = toCopy.includes(host) ? ' ACCOUNT UNLOCK' : '';
      await run(
        db,
        context,
        `ALTER USER '${login}'@'${host}' IDENTIFIED`,
        `ALTER USER ${account(db, login, host)} ${identified.clause}${unlock}`,
        identified.values,
        identified.secrets,
      );
    }
  });
}

async function verify(spec: MariadbConsumerSpec, credential: LoginCredential): Promise<void> {
  const context = `mariadb consumer '${spec.name}'`;
  await withConnection(
    mariadbConnectionOptions(spec, credential),
    context,
    (reply) => new CredentialRefusedError(`${context}: login '${credential.username}' was refused: ${reply.code} (${reply.errno}) ${scrub(reply.sqlMessage ?? '', [credential.password.reveal()])}`.trimEnd()),
    async (db) => {
      await run(db, context, `SELECT 1 signed in as '${credential.username}'`, 'SELECT 1');
    },
  );
}

/**
 * PROCESSLIST's TIME is the seconds a thread has spent in its current command, not since it
 * connected: for an idle session it counts from its last statement. `connectedAt` is therefore the
 * latest moment the session can have connected. MariaDB keeps program_name only in
 * performance_schema, which is off by default and can be turned on only at start-up, so
 * applicationName is not reported.
 */
async function sessions(spec: MariadbConsumerSpec, admin: AdminCredential, login: string): Promise<LoginSession[]> {
  const context = `mariadb consumer '${spec.name}'`;
  return withAdmin(spec, admin, async (db) => {
    const rows = await run(
      db,
      context,
      `list the sessions of '${login}'`,
      'SELECT ID AS id, USER AS user, HOST AS host, TIME AS time FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID() ORDER BY ID',
      [login],
    );
    const now = Date.now();
    return rows.map((row) => {
      const session: LoginSession = { username: String(row.user) };
      if (row.host) session.clientAddress = String(row.host);
      const seconds = Number(row.time);
      if (Number.isFinite(seconds)) session.connectedAt = new Date(now - seconds * 1000);
      return session;
    });
  });
}

export const mariadbConsumer: ConsumerKind<MariadbConsumerSpec> = {
  kind: KIND,
  strategies: ['alternating-users'],
  schema: mariadbConsumerSchema,
  entraScope: 'https://ossrdbms-aad.database.windows.net/.default',
  connectionFields: (spec): ConnectionFields => ({ host: spec.host, port: spec.port, database: spec.database }),
  replaceLoginPassword,
  verify,
  sessions,
};
