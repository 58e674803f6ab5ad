/**
 * A server per consumer kind, with an admin and an application login made for one run, for the
 * zero-lockout measurement and the consumers end-to-end test. PostgreSQL is a private cluster
 * that checks passwords (the machine's own trusts every local connection); Redis is a private
 * node; MariaDB is the machine's server, where every name carries a random suffix and is
 * dropped by stop().
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createConnection, type Connection, type ConnectionOptions } from 'mysql2/promise';
import { Client } from 'pg';
import type { StrategyKind } from '../../src/core/consumers/consumer-port.js';
import { DEFAULT_SECOND_LOGIN_SUFFIX } from '../../src/core/policy/policy.js';
import { SecretValue } from '../../src/core/secret-value.js';
import { startRedisNode } from '../../src/local/redis-node.js';
import { startScramPostgres } from '../../src/local/scram-postgres.js';
import type { ProbeCredential, ProbedKind } from './prober.js';

export const STRATEGY_OF: Record<ProbedKind, StrategyKind> = {
  postgresql: 'alternating-users',
  mariadb: 'alternating-users',
  redis: 'multi-password',
};

export interface HeldSession {
  /** How the server's session list names this client: address and port, or address and application name. */
  client: string;
  close(): Promise<void>;
}

export interface ConsumerServer {
  kind: ProbedKind;
  strategy: StrategyKind;
  host: '127.0.0.1';
  port: number;
  database?: string;
  /** The login applications use; alternating-users pairs it with `${login}_b`. */
  login: string;
  /** The login's credential before any rotation, as an application had it. */
  initial: ProbeCredential;
  /** The value of the admin secret: JSON {"username","password"}. */
  adminSecretValue: SecretValue;
  /** This server as a policy's consumer. */
  consumer(name: string, adminSecretName: string): Record<string, unknown>;
  /** Signs in with the credential and keeps the session open: an application that does not let go. */
  holdSession(credential: ProbeCredential): Promise<HeldSession>;
  /** Drops everything it created (or stops the private server). */
  stop(): Promise<void>;
}

const suffix = () => randomBytes(4).toString('hex');
const aPassword = () => randomBytes(18).toString('base64url');

async function startPostgresql(): Promise<ConsumerServer> {
  const server = await startScramPostgres();
  const sfx = suffix();
  const database = `zl_${sfx}`;
  const group = `zl_${sfx}_group`;
  const login = `zl_${sfx}_app`;
  const password = aPassword();
  const admin = new Client({ host: server.host, port: server.port, database: 'postgres', user: server.admin.username, password: server.admin.password });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.query(`CREATE ROLE ${group} NOLOGIN`);
    await admin.query(`CREATE ROLE ${login} LOGIN PASSWORD '${password}' IN ROLE ${group}`);
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    await admin.end().catch(() => undefined);
  }
  return {
    kind: 'postgresql',
    strategy: STRATEGY_OF.postgresql,
    host: server.host,
    port: server.port,
    database,
    login,
    initial: { username: login, password: SecretValue.of(password), host: server.host, port: server.port, database },
    adminSecretValue: SecretValue.of(JSON.stringify({ username: server.admin.username, password: server.admin.password })),
    consumer: (name, adminSecretName) => ({ kind: 'postgresql', name, host: server.host, port: server.port, database, login, tls: false, admin: { secretName: adminSecretName } }),
    async holdSession(credential) {
      const client = new Client({ host: credential.host, port: credential.port, database: credential.database, user: credential.username, password: credential.password.reveal(), application_name: 'held-session' });
      client.on('error', () => undefined);
      await client.connect();
      return { client: '127.0.0.1 (held-session)', close: () => client.end().catch(() => undefined) };
    },
    stop: () => server.stop(),
  };
}

const MARIADB_SOCKET = '/run/mysqld/mysqld.sock';
const MARIADB = { host: '127.0.0.1' as const, port: 3306 };

function mariadbRoot(): ConnectionOptions {
  // root signs in without a password over the socket on these machines.
  return existsSync(MARIADB_SOCKET) ? { socketPath: MARIADB_SOCKET, user: 'root' } : { ...MARIADB, user: 'root' };
}

async function asMariadbRoot<T>(use: (db: Connection) => Promise<T>): Promise<T> {
  const db = await createConnection(mariadbRoot());
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}

async function startMariadb(): Promise<ConsumerServer> {
  const sfx = suffix();
  const database = `zl_${sfx}`;
  const admin = `zl_${sfx}_adm`;
  const login = `zl_${sfx}_app`;
  const adminPassword = aPassword();
  const password = aPassword();
  const account = (db: Connection, user: string) => `${db.escape(user)}@'127.0.0.1'`;
  const drop = () =>
    asMariadbRoot(async (db) => {
      for (const user of [login, `${login}${DEFAULT_SECOND_LOGIN_SUFFIX}`, admin]) await db.query(`DROP USER IF EXISTS ${account(db, user)}`);
      await db.query(`DROP DATABASE IF EXISTS \`${database}\``);
    });
  try {
    await asMariadbRoot(async (db) => {
      await db.query(`CREATE DATABASE \`${database}\``);
      await db.query(`CREATE TABLE \`${database}\`.orders (id INT PRIMARY KEY)`);
      // Exactly what the adapter's header asks of the rotator.
      await db.query(`CREATE USER ${account(db, admin)} IDENTIFIED BY ?`, [adminPassword]);
      await db.query(`GRANT CREATE USER, PROCESS ON *.* TO ${account(db, admin)}`);
      await db.query(`GRANT SELECT ON mysql.* TO ${account(db, admin)}`);
      await db.query(`GRANT SELECT, INSERT ON \`${database}\`.* TO ${account(db, admin)} WITH GRANT OPTION`);
      await db.query(`CREATE USER ${account(db, login)} IDENTIFIED BY ?`, [password]);
      await db.query(`GRANT SELECT, INSERT ON \`${database}\`.* TO ${account(db, login)}`);
    });
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return {
    kind: 'mariadb',
    strategy: STRATEGY_OF.mariadb,
    ...MARIADB,
    database,
    login,
    initial: { username: login, password: SecretValue.of(password), ...MARIADB, database },
    adminSecretValue: SecretValue.of(JSON.stringify({ username: admin, password: adminPassword })),
    consumer: (name, adminSecretName) => ({ kind: 'mariadb', name, ...MARIADB, database, login, tls: false, admin: { secretName: adminSecretName } }),
    async holdSession(credential) {
      const db = await createConnection({ host: credential.host, port: credential.port, user: credential.username, password: credential.password.reveal(), database: credential.database });
      db.on('error', () => undefined);
      const { localPort } = (db as unknown as { connection: { stream: { localPort: number } } }).connection.stream;
      return { client: `127.0.0.1:${localPort}`, close: () => db.end().catch(() => db.destroy()) };
    },
    stop: drop,
  };
}

async function startRedis(): Promise<ConsumerServer> {
  const node = await startRedisNode();
  const sfx = suffix();
  const admin = `zl_${sfx}_adm`;
  const login = `zl_${sfx}_app`;
  const adminPassword = aPassword();
  const password = aPassword();
  const root = new Redis({ host: node.host, port: node.port, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  try {
    await root.connect();
    // The default user has no password on a fresh node; the rotator and the application get their own.
    await root.call('ACL', 'SETUSER', admin, 'on', `>${adminPassword}`, '+acl|getuser', '+acl|setuser', '+acl|save', '+client|list', '+client|id', '+config|get');
    await root.call('ACL', 'SETUSER', login, 'on', `>${password}`, '~app:*', '+@read', '+ping');
  } catch (error) {
    await node.stop();
    throw error;
  } finally {
    root.disconnect();
  }
  return {
    kind: 'redis',
    strategy: STRATEGY_OF.redis,
    host: node.host,
    port: node.port,
    login,
    initial: { username: login, password: SecretValue.of(password), host: node.host, port: node.port },
    adminSecretValue: SecretValue.of(JSON.stringify({ username: admin, password: adminPassword })),
    consumer: (name, adminSecretName) => ({ kind: 'redis', name, host: node.host, port: node.port, login, tls: false, admin: { secretName: adminSecretName } }),
    async holdSession(credential) {
      const client = new Redis({ host: credential.host, port: credential.port, lazyConnect: true, enableOfflineQueue: false, enableReadyCheck: false, retryStrategy: () => null });
      client.on('error', () => undefined);
      await client.connect();
      await client.call('AUTH', credential.username, credential.password.reveal());
      return { client: `127.0.0.1:${client.stream.localPort}`, close: async () => client.disconnect() };
    },
    stop: () => node.stop(),
  };
}

export function startConsumerServer(kind: ProbedKind): Promise<ConsumerServer> {
  switch (kind) {
    case 'postgresql':
      return startPostgresql();
    case 'mariadb':
      return startMariadb();
    case 'redis':
      return startRedis();
  }
}
