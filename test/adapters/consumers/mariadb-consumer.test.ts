/**
 * The mariadb consumer kind against the machine's real MariaDB (shared with other test files, so
 * every user, role and database here carries a random suffix and is dropped afterwards). The
 * rotator signs in as an admin holding exactly the privileges the adapter's header lists, so a
 * missing one fails here. The test's own arranging and inspecting is done as root.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { createConnection, type Connection, type ConnectionOptions, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copiedGrant,
  mariadbConnectionOptions,
  mariadbConsumer,
  nativePasswordHash,
  type MariadbConsumerSpec,
} from '../../../src/adapters/consumers/mariadb-consumer.js';
import { CredentialRefusedError, type AdminCredential } from '../../../src/core/consumers/consumer-port.js';
import { PermanentDependencyError } from '../../../src/core/errors.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { signInOutcome } from '../../support/sign-in-outcome.js';

const SOCKET = '/run/mysqld/mysqld.sock';
const TCP = { host: '127.0.0.1', port: 3306 };

const sfx = randomBytes(4).toString('hex');
const DB = `rot_${sfx}`;
const ROLE = `rot_${sfx}_reader`;
const ADMIN = `rot_${sfx}_adm`;
const ADMIN_PASSWORD = randomBytes(12).toString('hex');
const admin: AdminCredential = { kind: 'password', username: ADMIN, password: SecretValue.of(ADMIN_PASSWORD) };
let counter = 0;
/** A fresh login name, dropped (with all its hosts) in afterAll. */
const aName = (what: string) => `rot_${sfx}_${what}${++counter}`;
const aPassword = () => `pw'"\\ü-${randomBytes(9).toString('base64')}`;

function rootOptions(): ConnectionOptions {
  // root signs in without a password over the socket here; TCP root exists only on some machines.
  return existsSync(SOCKET) ? { socketPath: SOCKET, user: 'root' } : { ...TCP, user: 'root' };
}

async function asRoot<T>(use: (db: Connection) => Promise<T>): Promise<T> {
  const db = await createConnection(rootOptions());
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}

async function rootQuery(sql: string, values: unknown[] = []): Promise<RowDataPacket[]> {
  return asRoot(async (db) => (await db.query<RowDataPacket[]>(sql, values))[0]);
}

/** A login as an application would have it: accounts on `hosts`, SELECT on DB.granted, optionally the role as default. */
async function aLogin(password: string, { hosts = ['127.0.0.1'], role = false } = {}): Promise<string> {
  const login = aName('app');
  await asRoot(async (db) => {
    for (const host of hosts) {
      const account = `${db.escape(login)}@${db.escape(host)}`;
      await db.query(`CREATE USER ${account} IDENTIFIED BY ?`, [password]);
      await db.query(`GRANT SELECT ON \`${DB}\`.granted TO ${account}`);
      if (role) {
        await db.query(`GRANT \`${ROLE}\` TO ${account}`);
        await db.query(`SET DEFAULT ROLE \`${ROLE}\` FOR ${account}`);
      }
    }
  });
  return login;
}

async function hostsOf(user: string): Promise<string[]> {
  return (await rootQuery('SELECT Host FROM mysql.user WHERE User = ? ORDER BY Host', [user])).map((row) => String(row.Host));
}

function aSpec(login: string, overrides: Record<string, unknown> = {}): MariadbConsumerSpec {
  return mariadbConsumer.schema.parse({
    kind: 'mariadb',
    name: 'orders-db',
    host: TCP.host,
    port: TCP.port,
    login,
    tls: false,
    admin: { secretName: 'mariadb-admin' },
    database: DB,
    ...overrides,
  });
}


const verifyAs = (login: string, password: string) => signInOutcome(mariadbConsumer.verify(aSpec(login), { username: login, password: SecretValue.of(password) }));
const replace = (login: string, password: string, like: string, spec = aSpec(like), as = admin) =>
  mariadbConsumer.replaceLoginPassword!(spec, as, login, SecretValue.of(password), like);

/** Signs in over `how` (socket: the 'localhost' account; TCP: the '127.0.0.1' one) and runs `sql`; the server's error code, or 'ok'. */
async function tryAs(login: string, password: string, how: 'socket' | 'tcp', sql = 'SELECT 1'): Promise<string> {
  const where = how === 'socket' ? { socketPath: SOCKET } : TCP;
  let db: Connection | undefined;
  try {
    db = await createConnection({ ...where, user: login, password, database: DB });
    await db.query(sql);
    return 'ok';
  } catch (error) {
    return String((error as { code?: string }).code);
  } finally {
    await db?.end();
  }
}

interface Relay {
  port: number;
  /** Every byte the adapter wrote, in order. */
  sent: () => Buffer;
  close: () => Promise<void>;
}

/**
 * A TCP relay between the adapter and the server (tls off to loopback): it keeps every byte the
 * client writes, and can hold a packet back until `hold` resolves, to line up a race. Nothing in
 * the driver is replaced. (MariaDB's general log would show the statements too, but turning it on
 * is server-wide and would catch other test files' statements.)
 */
async function relay(hold: (chunk: Buffer) => Promise<void> = async () => undefined): Promise<Relay> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(TCP.port, TCP.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let forwarded = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      forwarded = forwarded.then(() => hold(chunk)).then(() => void upstream.write(chunk));
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    sent: () => Buffer.concat(chunks),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('mariadbConsumer', () => {
  beforeAll(async () => {
    await asRoot(async (db) => {
      await db.query(`CREATE DATABASE \`${DB}\``);
      for (const table of ['granted', 'via_role', 'withheld']) await db.query(`CREATE TABLE \`${DB}\`.${table} (x INT)`);
      await db.query(`INSERT INTO \`${DB}\`.granted VALUES (1)`);
      await db.query(`CREATE ROLE \`${ROLE}\``);
      await db.query(`GRANT SELECT ON \`${DB}\`.via_role TO \`${ROLE}\``);
      // Exactly the header's list for this fixture: CREATE USER, SELECT and (default roles) UPDATE on
      // mysql.*, what it copies WITH GRANT / ADMIN OPTION, and PROCESS.
      const account = `${db.escape(ADMIN)}@'127.0.0.1'`;
      await db.query(`CREATE USER ${account} IDENTIFIED BY ?`, [ADMIN_PASSWORD]);
      await db.query(`GRANT CREATE USER, PROCESS ON *.* TO ${account}`);
      await db.query(`GRANT SELECT, UPDATE ON mysql.* TO ${account}`);
      await db.query(`GRANT SELECT ON \`${DB}\`.* TO ${account} WITH GRANT OPTION`);
      await db.query(`GRANT \`${ROLE}\` TO ${account} WITH ADMIN OPTION`);
    });
  });

  afterAll(async () => {
    await asRoot(async (db) => {
      // Roles are rows with an empty Host.
      const [accounts] = await db.query<RowDataPacket[]>("SELECT User, Host FROM mysql.user WHERE User LIKE ? AND Host <> ''", [`rot\\_${sfx}\\_%`]);
      for (const { User, Host } of accounts) await db.query(`DROP USER ${db.escape(User)}@${db.escape(Host)}`);
      await db.query(`DROP ROLE IF EXISTS \`${ROLE}\``);
      await db.query(`DROP DATABASE IF EXISTS \`${DB}\``);
    });
  });

  describe('verify', () => {
    // First in the file: until a wrong password is shown refused, an accepted right one proves nothing.
    it('refuses a wrong password with CredentialRefusedError naming the login and the consumer, not the password', async () => {
      // Arrange
      const login = await aLogin(aPassword());
      const wrong = `wrong-${randomBytes(6).toString('hex')}`;

      // Act
      const error = await mariadbConsumer.verify(aSpec(login), { username: login, password: SecretValue.of(wrong) }).catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(CredentialRefusedError);
      expect((error as Error).message).toContain(login);
      expect((error as Error).message).toContain("'orders-db'");
      expect(inspect(error)).not.toContain(wrong);
    });

    it('accepts the right password', async () => {
      // Arrange
      const password = aPassword();
      const login = await aLogin(password);

      // Act / Assert
      expect(await verifyAs(login, password)).toBe('accepted');
    });

    it('refuses a login that has no rights on the database, and lets other failures through as they are', async () => {
      // Arrange
      const password = aPassword();
      const login = aName('nodb');
      await rootQuery(`CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?`, [login, password]);

      // Act / Assert
      expect(await verifyAs(login, password)).toBe('refused');
      await expect(mariadbConsumer.verify(aSpec(login, { port: 1 }), { username: login, password: SecretValue.of(password) })).rejects.not.toBeInstanceOf(
        CredentialRefusedError,
      );
    });
  });

  describe('replaceLoginPassword', () => {
    it('changes an existing login: the new password works and the old one is refused', async () => {
      // Arrange
      const old = aPassword();
      const login = await aLogin(old);
      const next = aPassword();

      // Act
      await replace(login, next, login);

      // Assert
      expect(await verifyAs(login, next)).toBe('accepted');
      expect(await verifyAs(login, old)).toBe('refused');
    });

    it('creates a missing second login like the first, on each of its host patterns, with its grants, role and default role', async () => {
      // Arrange
      const first = await aLogin(aPassword(), { hosts: ['127.0.0.1', 'localhost'], role: true });
      const second = aName('app_b');
      const password = aPassword();

      // Act
      await replace(second, password, first);

      // Assert
      expect(await hostsOf(second)).toEqual(['127.0.0.1', 'localhost']);
      for (const how of ['tcp', 'socket'] as const) {
        expect(await tryAs(second, password, how, `SELECT * FROM \`${DB}\`.granted`)).toBe('ok');
        expect(await tryAs(second, password, how, `SELECT * FROM \`${DB}\`.via_role`)).toBe('ok');
        expect(await tryAs(second, password, how, `SELECT * FROM \`${DB}\`.withheld`)).toBe('ER_TABLEACCESS_DENIED_ERROR');
      }
      expect(await verifyAs(second, password)).toBe('accepted');
    });

    it('changes every host pattern of an existing login', async () => {
      // Arrange
      const old = aPassword();
      const login = await aLogin(old, { hosts: ['127.0.0.1', 'localhost'] });
      const next = aPassword();

      // Act
      await replace(login, next, login);

      // Assert
      for (const how of ['tcp', 'socket'] as const) {
        expect(await tryAs(login, next, how)).toBe('ok');
        expect(await tryAs(login, old, how)).toBe('ER_ACCESS_DENIED_ERROR');
      }
    });

    it('refuses, naming both logins, when the login to copy has no account, and creates nothing', async () => {
      // Arrange
      const missing = aName('ghost');
      const second = aName('app_b');

      // Act
      const error = await replace(second, aPassword(), missing).catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(PermanentDependencyError);
      expect((error as Error).message).toContain(missing);
      expect((error as Error).message).toContain(second);
      expect(await hostsOf(second)).toEqual([]);
    });

    it('is idempotent: run twice, only the second password works', async () => {
      // Arrange
      const first = await aLogin(aPassword());
      const second = aName('app_b');
      const [one, two] = [aPassword(), aPassword()];

      // Act
      await replace(second, one, first);
      await replace(second, two, first);

      // Assert
      expect(await verifyAs(second, two)).toBe('accepted');
      expect(await verifyAs(second, one)).toBe('refused');
      expect(await tryAs(second, two, 'tcp', `SELECT * FROM \`${DB}\`.granted`)).toBe('ok');
    });

    it('lets two concurrent calls that both found the login missing succeed, leaving one of their passwords and the grants', async () => {
      // Arrange: each call's CREATE USER waits at the relay until the other's arrives, so both have
      // looked (and found no login) before either creates it: one of them meets ER_CANNOT_USER.
      const first = await aLogin(aPassword());
      const second = aName('app_b');
      const [one, two] = [aPassword(), aPassword()];
      const waiting: (() => void)[] = [];
      const wire = await relay(async (chunk) => {
        if (!chunk.includes('CREATE USER')) return;
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === 2) for (const release of waiting) release();
        });
      });
      const spec = aSpec(first, { port: wire.port });

      // Act
      let results: PromiseSettledResult<void>[];
      try {
        results = await Promise.allSettled([replace(second, one, first, spec), replace(second, two, first, spec)]);
      } finally {
        await wire.close();
      }

      // Assert
      expect(waiting).toHaveLength(2);
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status))).toEqual(['fulfilled', 'fulfilled']);
      const outcomes = [await verifyAs(second, one), await verifyAs(second, two)];
      expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
      const winner = outcomes[0] === 'accepted' ? one : two;
      expect(await tryAs(second, winner, 'tcp', `SELECT * FROM \`${DB}\`.granted`)).toBe('ok');
    });

    it('finishes a login a crashed call left locked without grants: copies them and unlocks it', async () => {
      // Arrange: what a call that died between CREATE USER and the end of the copy leaves.
      const first = await aLogin(aPassword());
      const second = aName('app_b');
      await rootQuery(`CREATE USER ?@'127.0.0.1' IDENTIFIED BY 'stale' ACCOUNT LOCK`, [second]);
      const password = aPassword();

      // Act
      await replace(second, password, first);

      // Assert
      expect(await tryAs(second, password, 'tcp', `SELECT * FROM \`${DB}\`.granted`)).toBe('ok');
    });
  });

  describe('secrets on the wire and in errors', () => {
    it('sends the password only as its mysql_native_password hash, which is what the server stores', async () => {
      // Arrange
      const first = await aLogin(aPassword());
      const second = aName('app_b');
      const password = aPassword();
      const hash = nativePasswordHash(SecretValue.of(password));
      const wire = await relay();

      // Act
      try {
        await replace(first, password, first, aSpec(first, { port: wire.port }));
        await replace(second, password, first, aSpec(first, { port: wire.port }));
      } finally {
        await wire.close();
      }

      // Assert: the capture sees the statements (the hash is there), and the password is not.
      expect(wire.sent().includes(Buffer.from(hash))).toBe(true);
      expect(wire.sent().includes(Buffer.from(password))).toBe(false);
      const stored = await rootQuery('SELECT DISTINCT authentication_string AS a FROM mysql.user WHERE User IN (?, ?)', [first, second]);
      expect(stored.map((row) => row.a)).toEqual([hash]);
      expect((await rootQuery('SELECT PASSWORD(?) AS p', [password]))[0]?.p).toBe(hash);
    });

    it('fails without the statement, the password or its hash when the server refuses a change', async () => {
      // Arrange: an admin that may read accounts but not change them.
      const weak = aName('weak');
      const weakPassword = randomBytes(12).toString('hex');
      await rootQuery(`CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?`, [weak, weakPassword]);
      await rootQuery(`GRANT SELECT ON mysql.* TO ?@'127.0.0.1'`, [weak]);
      const login = await aLogin(aPassword());
      const password = aPassword();
      const hash = nativePasswordHash(SecretValue.of(password));

      // Act
      const error = await replace(login, password, login, aSpec(login), { kind: 'password', username: weak, password: SecretValue.of(weakPassword) }).catch(
        (e: unknown) => e,
      );

      // Assert
      expect(error).toBeInstanceOf(PermanentDependencyError);
      expect((error as Error).message).toMatch(/ALTER USER .*ER_SPECIFIC_ACCESS_DENIED_ERROR/);
      const printed = `${inspect(error, { depth: 5, showHidden: true })} ${JSON.stringify(error)}`;
      for (const secret of [password, hash, hash.slice(1), 'IDENTIFIED BY']) expect(printed).not.toContain(secret);
      expect(error).not.toHaveProperty('sql');
    });
  });

  describe('sessions', () => {
    it("reports a login's open connection with its address, and none once it is closed", async () => {
      // Arrange
      const password = aPassword();
      const login = await aLogin(password);
      const held = await createConnection({ ...TCP, user: login, password, database: DB });
      const spec = aSpec(login);

      // Act
      let open: Awaited<ReturnType<typeof mariadbConsumer.sessions>>;
      try {
        open = await mariadbConsumer.sessions(spec, admin, login);
      } finally {
        await held.end();
      }

      // Assert
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({ username: login, clientAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
      expect(open[0]?.connectedAt).toBeInstanceOf(Date);
      let after = await mariadbConsumer.sessions(spec, admin, login);
      // The server drops a closed thread from its process list shortly after the client leaves.
      for (let tries = 0; after.length > 0 && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await mariadbConsumer.sessions(spec, admin, login);
      }
      expect(after).toEqual([]);
    });
  });

  describe('schema, strategies and connection options', () => {
    it('refuses tls: false to a host that is not loopback, naming tls', () => {
      const result = mariadbConsumer.schema.safeParse({
        kind: 'mariadb',
        name: 'orders-db',
        host: 'db.example.com',
        login: 'app',
        tls: false,
        admin: { secretName: 'mariadb-admin' },
        database: 'orders',
      });
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain('tls');
    });

    it('requires a database of 1-64 characters and defaults the port to 3306', () => {
      const base = { kind: 'mariadb', name: 'orders-db', host: 'db.example.com', login: 'app', admin: { secretName: 'mariadb-admin' } };
      expect(mariadbConsumer.schema.safeParse(base).success).toBe(false);
      expect(mariadbConsumer.schema.safeParse({ ...base, database: 'x'.repeat(65) }).success).toBe(false);
      const spec = mariadbConsumer.schema.parse({ ...base, database: 'orders' });
      expect(mariadbConsumer.connectionFields(spec)).toEqual({ host: 'db.example.com', port: 3306, database: 'orders' });
    });

    it('runs alternating users only', () => {
      expect(mariadbConsumer.strategies).toEqual(['alternating-users']);
      expect(mariadbConsumer.strategies).not.toContain('multi-password');
      expect(mariadbConsumer.setAcceptedPasswords).toBeUndefined();
      expect(mariadbConsumer.entraScope).toBe('https://ossrdbms-aad.database.windows.net/.default');
    });

    it('signs in with an Entra token as a cleartext password over verified TLS, and otherwise without the cleartext plugin', () => {
      // Arrange
      const spec = mariadbConsumer.schema.parse({
        kind: 'mariadb',
        name: 'orders-db',
        host: 'orders.mysql.database.azure.com',
        login: 'app',
        admin: { entra: true, username: 'rotator-identity' },
        database: 'orders',
      });

      // Act
      const entra = mariadbConnectionOptions(spec, { kind: 'entra', username: 'rotator-identity', accessToken: SecretValue.of('eyJ0b2tlbg') });
      const password = mariadbConnectionOptions(spec, { kind: 'password', username: 'rotator', password: SecretValue.of('p') });
      const login = mariadbConnectionOptions(spec, { username: 'app', password: SecretValue.of('q') });

      // Assert
      expect(entra).toMatchObject({
        host: 'orders.mysql.database.azure.com',
        port: 3306,
        user: 'rotator-identity',
        password: 'eyJ0b2tlbg',
        enableCleartextPlugin: true,
        ssl: { rejectUnauthorized: true, verifyIdentity: true },
        connectTimeout: 10_000,
      });
      expect(entra.database).toBeUndefined();
      expect(password.enableCleartextPlugin).toBe(false);
      expect(login).toMatchObject({ user: 'app', password: 'q', database: 'orders', enableCleartextPlugin: false });
      expect(mariadbConnectionOptions(aSpec('app'), { username: 'app', password: SecretValue.of('q') }).ssl).toBeUndefined();
    });
  });

  describe('copiedGrant (the forms MySQL prints, which this machine cannot produce)', () => {
    const target = "'app_b'@'%'";
    it.each([
      ['MySQL 5.7 quotes', "GRANT SELECT ON `orders`.* TO 'app'@'%'", ["GRANT SELECT ON `orders`.* TO 'app_b'@'%'"]],
      ['MySQL 8 role', 'GRANT `reader`@`%` TO `app`@`%`', ["GRANT `reader`@`%` TO 'app_b'@'%'"]],
      ['admin option kept', 'GRANT `reader` TO `app`@`%` WITH ADMIN OPTION', ["GRANT `reader` TO 'app_b'@'%' WITH ADMIN OPTION"]],
      ['plain global usage', 'GRANT USAGE ON *.* TO `app`@`%`', []],
      [
        'MariaDB global line',
        "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*2B602296A79E0A8784ACC5C88D92E46588CCA3C3' REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 5",
        ["ALTER USER 'app_b'@'%' REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 5"],
      ],
      [
        'global privileges with grant option and another plugin',
        "GRANT RELOAD ON *.* TO `app`@`%` IDENTIFIED VIA ed25519 USING 'abc' OR unix_socket WITH GRANT OPTION",
        ["GRANT RELOAD ON *.* TO 'app_b'@'%' WITH GRANT OPTION"],
      ],
      ['MariaDB default role', 'SET DEFAULT ROLE `reader` FOR `app`@`%`', ["SET DEFAULT ROLE `reader` FOR 'app_b'@'%'"]],
    ])('%s', (_, line, expected) => {
      expect(copiedGrant(line, 'app', 'app_b', '%', target)).toEqual(expected);
    });

    it('refuses a line for another account', () => {
      expect(() => copiedGrant('GRANT SELECT ON `orders`.* TO `other`@`%`', 'app', 'app_b', '%', target)).toThrow(/another grantee/);
    });
  });
});
