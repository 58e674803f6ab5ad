/**
 * The postgresql consumer against a real, password-checking PostgreSQL (never the machine's
 * trust-auth server on 5432, where any password logs in and a refusal test proves nothing).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresqlConsumer, scramSha256Verifier, type PostgresqlConsumerSpec } from '../../../src/adapters/consumers/postgresql-consumer.js';
import { CredentialRefusedError, type AdminCredential } from '../../../src/core/consumers/consumer-port.js';
import { PermanentDependencyError, TransientDependencyError } from '../../../src/core/errors.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { freePort } from '../../../src/local/free-port.js';
import { startScramPostgres, type RunningScramPostgres } from '../../../src/local/scram-postgres.js';

const DATABASE = 'appdb';
const FIRST_PASSWORD = 'first-Password-1';

let server: RunningScramPostgres;
let admin: AdminCredential;
let spec: PostgresqlConsumerSpec;

function aPassword(label: string): SecretValue {
  return SecretValue.of(`${label}-${randomBytes(12).toString('base64url')}`);
}

function aSpec(overrides: Record<string, unknown> = {}): PostgresqlConsumerSpec {
  return postgresqlConsumer.schema.parse({
    kind: 'postgresql',
    name: 'orders-db',
    host: server.host,
    port: server.port,
    login: 'app',
    tls: false,
    database: DATABASE,
    admin: { secretName: 'orders-db-admin' },
    ...overrides,
  });
}

async function connectAs(user: string, password: string, options: { database?: string; applicationName?: string } = {}): Promise<Client> {
  const client = new Client({
    host: server.host,
    port: server.port,
    database: options.database ?? DATABASE,
    user,
    password,
    connectionTimeoutMillis: 10_000,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  await client.connect();
  return client;
}

async function asAdmin<T>(use: (client: Client) => Promise<T>, database = DATABASE): Promise<T> {
  const client = await connectAs(server.admin.username, server.admin.password, { database });
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function asLogin<T>(user: string, password: SecretValue, use: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectAs(user, password.reveal());
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function accepted(login: string, password: SecretValue): Promise<boolean> {
  try {
    await postgresqlConsumer.verify(spec, { username: login, password });
    return true;
  } catch (error) {
    if (error instanceof CredentialRefusedError) return false;
    throw error;
  }
}

async function groupsOf(role: string): Promise<string[]> {
  return asAdmin(async (client) => {
    const { rows } = await client.query<{ rolname: string }>(
      'SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1 ORDER BY 1',
      [role],
    );
    return rows.map((row) => row.rolname);
  });
}

async function roleExists(role: string): Promise<boolean> {
  return asAdmin(async (client) => ((await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount ?? 0) > 0);
}

beforeAll(async () => {
  server = await startScramPostgres({ logStatements: true });
  admin = { kind: 'password', username: server.admin.username, password: SecretValue.of(server.admin.password) };
  await asAdmin((client) => client.query(`CREATE DATABASE ${DATABASE}`), 'postgres');
  await asAdmin(async (client) => {
    // The shape FACTS recommends: a group role holds the privileges, the login is only a member.
    await client.query('CREATE ROLE app_readers NOLOGIN');
    await client.query(`CREATE ROLE app LOGIN PASSWORD '${FIRST_PASSWORD}' IN ROLE app_readers`);
    await client.query('CREATE TABLE orders (id int PRIMARY KEY)');
    await client.query('INSERT INTO orders VALUES (1), (2)');
    await client.query('GRANT SELECT ON orders TO app_readers');
    await client.query('CREATE TABLE payroll (id int PRIMARY KEY)');
  });
  spec = aSpec();
});

afterAll(async () => {
  await server?.stop();
});

describe('postgresql consumer: verify', () => {
  it('refuses a wrong password with CredentialRefusedError naming the login and consumer, not the password', async () => {
    // Arrange
    const wrong = SecretValue.of('not-the-Password-9');

    // Act
    const attempt = postgresqlConsumer.verify(spec, { username: 'app', password: wrong });

    // Assert
    const error = await attempt.then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(CredentialRefusedError);
    expect((error as Error).message).toContain("'app'");
    expect((error as Error).message).toContain("'orders-db'");
    expect(`${(error as Error).message} ${inspect(error)}`).not.toContain(wrong.reveal());
    // The server under test checks passwords: it is not the machine's trust-auth server, and no rule trusts.
    expect(spec.port).not.toBe(5432);
    const methods = await asAdmin(async (client) => (await client.query<{ m: string }>('SELECT DISTINCT auth_method AS m FROM pg_hba_file_rules')).rows);
    expect(methods).toEqual([{ m: 'scram-sha-256' }]);
  });

  it('accepts the right password', async () => {
    // Act
    const attempt = postgresqlConsumer.verify(spec, { username: 'app', password: SecretValue.of(FIRST_PASSWORD) });

    // Assert
    await expect(attempt).resolves.toBeUndefined();
  });

  it('tells an unreachable server or a TLS refusal apart from a refused password', async () => {
    // Arrange
    const closed = aSpec({ port: await freePort() });
    const tlsRequired = aSpec({ tls: true }); // the test server offers no TLS, and tls: true must not fall back to clear text

    // Act: settled together, so neither refusal waits unhandled while the other is awaited.
    const [unreachable, noTls] = await Promise.allSettled([
      postgresqlConsumer.verify(closed, { username: 'app', password: SecretValue.of(FIRST_PASSWORD) }),
      postgresqlConsumer.verify(tlsRequired, { username: 'app', password: SecretValue.of(FIRST_PASSWORD) }),
    ]);

    // Assert
    expect(unreachable.status).toBe('rejected');
    expect((unreachable as PromiseRejectedResult).reason).toBeInstanceOf(TransientDependencyError);
    expect(noTls.status).toBe('rejected');
    const tlsRefusal = (noTls as PromiseRejectedResult).reason as Error;
    expect(tlsRefusal.message).toMatch(/SSL/);
    expect(tlsRefusal).not.toBeInstanceOf(CredentialRefusedError);
  });
});

describe('postgresql consumer: replaceLoginPassword', () => {
  it('changes an existing login\'s password: the new one works, the old one is refused', async () => {
    // Arrange
    const next = aPassword('next');

    // Act
    await postgresqlConsumer.replaceLoginPassword!(spec, admin, 'app', next, 'app');

    // Assert
    expect(await accepted('app', next)).toBe(true);
    expect(await accepted('app', SecretValue.of(FIRST_PASSWORD))).toBe(false);
  });

  it('creates a missing second login like the first: same group roles, same reach, no more', async () => {
    // Arrange
    const password = aPassword('app-b');
    expect(await roleExists('app_b')).toBe(false);

    // Act
    await postgresqlConsumer.replaceLoginPassword!(spec, admin, 'app_b', password, 'app');

    // Assert
    expect(await accepted('app_b', password)).toBe(true);
    expect(await groupsOf('app_b')).toEqual(['app_readers']);
    const orders = await asLogin('app_b', password, async (client) => (await client.query('SELECT id FROM orders ORDER BY id')).rows);
    expect(orders).toEqual([{ id: 1 }, { id: 2 }]);
    const payroll = asLogin('app_b', password, (client) => client.query('SELECT id FROM payroll'));
    await expect(payroll).rejects.toMatchObject({ code: '42501' });
  });

  it('refuses, naming both, when neither the login nor the login to copy exists, and creates nothing', async () => {
    // Act
    const attempt = postgresqlConsumer.replaceLoginPassword!(spec, admin, 'app_c', aPassword('app-c'), 'ghost');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(PermanentDependencyError);
    await expect(attempt).rejects.toThrow(/'app_c'.*'ghost'/);
    expect(await roleExists('app_c')).toBe(false);
  });

  it('is idempotent: two calls in a row leave only the second password working', async () => {
    // Arrange
    const [first, second] = [aPassword('one'), aPassword('two')];

    // Act
    await postgresqlConsumer.replaceLoginPassword!(spec, admin, 'app_e', first, 'app');
    await postgresqlConsumer.replaceLoginPassword!(spec, admin, 'app_e', second, 'app');

    // Assert
    expect(await accepted('app_e', first)).toBe(false);
    expect(await accepted('app_e', second)).toBe(true);
    expect(await groupsOf('app_e')).toEqual(['app_readers']);
  });

  it.each([
    { login: 'app_d', state: 'missing' },
    { login: 'app', state: 'existing' },
  ])('lets two concurrent calls on a $state login both succeed, leaving exactly one password working', async ({ login }) => {
    // Arrange
    const [left, right] = [aPassword('left'), aPassword('right')];

    // Act
    const results = await Promise.allSettled([
      postgresqlConsumer.replaceLoginPassword!(spec, admin, login, left, 'app'),
      postgresqlConsumer.replaceLoginPassword!(spec, admin, login, right, 'app'),
    ]);

    // Assert
    expect(results.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []))).toEqual([]);
    const working = [await accepted(login, left), await accepted(login, right)].filter(Boolean);
    expect(working).toHaveLength(1);
    expect(await groupsOf(login)).toEqual(['app_readers']);
  });

  it('refuses a password that drivers would hash differently (non-ASCII), before changing anything', async () => {
    // Arrange
    const before = aPassword('before');
    await postgresqlConsumer.replaceLoginPassword!(spec, admin, 'app_f', before, 'app');

    // Act
    const attempt = postgresqlConsumer.replaceLoginPassword!(spec, admin, 'app_f', SecretValue.of('pässwörd-Ⅻ-ﬁ'), 'app');

    // Assert
    await expect(attempt).rejects.toThrow(/ASCII/);
    expect(await accepted('app_f', before)).toBe(true);
  });

  it('sends a SCRAM verifier, never the password: the server log of every statement holds the verifier, not the password', async () => {
    // Arrange: a control showing the log does capture a password sent in clear.
    const control = `control-${randomBytes(9).toString('base64url')}`;
    await asAdmin((client) => client.query(`CREATE ROLE log_control LOGIN PASSWORD '${control}'`));
    const password = aPassword('logged');

    // Act
    await postgresqlConsumer.replaceLoginPassword!(spec, admin, 'app', password, 'app');

    // Assert
    const log = await readFile(server.logFile, 'utf8');
    expect(log).toContain(control);
    expect(log).toMatch(/ALTER ROLE "app" WITH LOGIN PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(log).not.toContain(password.reveal());
    expect(await accepted('app', password)).toBe(true);
  });

  it('reports an admin without CREATEROLE as a permanent failure whose error holds neither password nor verifier', async () => {
    // Arrange
    const weakPassword = aPassword('weak');
    await asAdmin((client) => client.query(`CREATE ROLE weak_admin LOGIN PASSWORD '${weakPassword.reveal()}'`));
    const weak: AdminCredential = { kind: 'password', username: 'weak_admin', password: weakPassword };
    const password = aPassword('never-set');

    // Act
    const error = await postgresqlConsumer.replaceLoginPassword!(spec, weak, 'app', password, 'app').then(
      () => undefined,
      (caught: unknown) => caught,
    );

    // Assert
    expect(error).toBeInstanceOf(PermanentDependencyError);
    expect((error as Error).message).toMatch(/permission denied|must have CREATEROLE/i);
    const everything = `${(error as Error).message} ${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
    expect(everything).not.toContain(password.reveal());
    expect(everything).not.toContain(weakPassword.reveal());
    expect(everything).not.toContain('SCRAM-SHA-256$');
    expect(await accepted('app', password)).toBe(false);
  });
});

describe('postgresql consumer: sessions', () => {
  it('lists a held session of the login with its application name and address, and none once it closes', async () => {
    // Arrange
    const password = aPassword('sessions');
    await postgresqlConsumer.replaceLoginPassword!(spec, admin, 'app_s', password, 'app');
    const held = await connectAs('app_s', password.reveal(), { applicationName: 'orders-api' });
    // The rotator's managed identity signs in with an Entra token as its password; this server takes the admin password the same way.
    const entraAdmin: AdminCredential = { kind: 'entra', username: server.admin.username, accessToken: SecretValue.of(server.admin.password) };

    // Act
    const open = await postgresqlConsumer.sessions(spec, entraAdmin, 'app_s');
    await held.end();
    let closed = await postgresqlConsumer.sessions(spec, admin, 'app_s');
    // A backend exits a moment after its client leaves: look again a bounded number of times.
    for (let tries = 0; closed.length > 0 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      closed = await postgresqlConsumer.sessions(spec, admin, 'app_s');
    }

    // Assert
    expect(open).toEqual([{ username: 'app_s', clientAddress: '127.0.0.1', applicationName: 'orders-api', connectedAt: expect.any(Date) }]);
    expect(closed).toEqual([]);
  });

  it("does not count the admin's own connection", async () => {
    // Act
    const own = await postgresqlConsumer.sessions(spec, admin, server.admin.username);

    // Assert
    expect(own.filter((session) => session.applicationName === 'kvrot-rotator')).toEqual([]);
  });
});

describe('postgresql consumer: kind and schema', () => {
  it('offers alternating users only: one password per role cannot hold two', () => {
    expect(postgresqlConsumer.strategies).toEqual(['alternating-users']);
    expect(postgresqlConsumer.strategies).not.toContain('multi-password');
    expect(postgresqlConsumer.setAcceptedPasswords).toBeUndefined();
    expect(postgresqlConsumer.entraScope).toBe('https://ossrdbms-aad.database.windows.net/.default');
  });

  it('refuses tls: false to a host reached over a network, naming tls', () => {
    // Act
    const result = postgresqlConsumer.schema.safeParse({
      kind: 'postgresql', name: 'orders-db', host: 'orders.postgres.database.azure.com', login: 'app', tls: false, database: 'orders', admin: { secretName: 'orders-db-admin' },
    });

    // Assert
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['tls']]);
  });

  it('defaults to TLS and port 5432, requires a database, and gives host, port and database as connection fields', () => {
    // Act
    const parsed = postgresqlConsumer.schema.parse({
      kind: 'postgresql', name: 'orders-db', host: 'orders.postgres.database.azure.com', login: 'app', database: 'orders', admin: { entra: true, username: 'kvrot-rotator-mi' },
    });
    const noDatabase = postgresqlConsumer.schema.safeParse({ ...parsed, database: undefined });
    const longDatabase = postgresqlConsumer.schema.safeParse({ ...parsed, database: 'd'.repeat(64) });

    // Assert
    expect(parsed).toMatchObject({ tls: true, port: 5432 });
    expect(postgresqlConsumer.connectionFields(parsed)).toEqual({ host: 'orders.postgres.database.azure.com', port: 5432, database: 'orders' });
    expect(noDatabase.error?.issues.map((issue) => issue.path)).toEqual([['database']]);
    expect(longDatabase.error?.issues.map((issue) => issue.path)).toEqual([['database']]);
  });
});

describe('scramSha256Verifier', () => {
  it('computes, for the same salt, exactly the verifier PostgreSQL stores for a password set in clear', async () => {
    // Arrange
    const password = aPassword('vector');
    const stored = await asAdmin(async (client) => {
      await client.query(`CREATE ROLE vector_probe LOGIN PASSWORD '${password.reveal()}'`);
      return (await client.query<{ p: string }>("SELECT rolpassword AS p FROM pg_authid WHERE rolname = 'vector_probe'")).rows[0]!.p;
    });
    const salt = Buffer.from(/^SCRAM-SHA-256\$4096:([^$]+)\$/.exec(stored)![1]!, 'base64');

    // Act
    const computed = scramSha256Verifier(password, salt);

    // Assert
    expect(computed.reveal()).toBe(stored);
    expect(`${computed}`).toBe('[redacted]');
  });

  it("checks RFC 7677's example exchange the way a server does, and salts each call afresh", () => {
    // Arrange: RFC 7677 section 3, user 'user', password 'pencil'.
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`;
    const clientProof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const serverSignature = '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

    // Act
    const verifier = scramSha256Verifier(SecretValue.of('pencil'), salt).reveal();
    const [a, b] = [scramSha256Verifier(SecretValue.of('pencil')).reveal(), scramSha256Verifier(SecretValue.of('pencil')).reveal()];

    // Assert: ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage) must hash to StoredKey; ServerSignature = HMAC(ServerKey, AuthMessage).
    const [, iterations, saltB64, storedKeyB64, serverKeyB64] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier)!;
    expect([iterations, saltB64]).toEqual(['4096', 'W22ZaJ0SNY7soEsUEjb6gQ==']);
    const storedKey = Buffer.from(storedKeyB64!, 'base64');
    const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(clientProof.map((byte, index) => byte ^ clientSignature[index]!));
    expect(createHash('sha256').update(clientKey).digest().toString('base64')).toBe(storedKeyB64);
    expect(createHmac('sha256', Buffer.from(serverKeyB64!, 'base64')).update(authMessage).digest('base64')).toBe(serverSignature);
    expect(a).not.toBe(b);
  });
});
