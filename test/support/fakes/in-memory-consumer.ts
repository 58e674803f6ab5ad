/**
 * An in-memory downstream system for engine unit tests: logins with the passwords they
 * accept, open sessions, and the admin credential it demands. Two kinds over it: a
 * database (alternating-users) and a cache (multi-password), behaving as the real
 * adapters do (test/adapters/consumers prove those against real servers). Every sign-in
 * attempt is recorded, so a test can check that no credential the vault handed out was
 * ever refused.
 */
import { z } from 'zod';
import {
  ConsumerCatalog,
  CredentialRefusedError,
  type AdminCredential,
  type ConsumerKind,
  type ConsumerSpec,
  type LoginCredential,
  type LoginSession,
} from '../../../src/core/consumers/consumer-port.js';
import { networkConsumerSchema } from '../../../src/core/consumers/network-consumer.js';
import type { SecretValue } from '../../../src/core/secret-value.js';
import type { Clock } from '../../../src/core/clock.js';

export const FAKE_ADMIN = { username: 'rotator', password: 'admin-password-not-a-secret-of-any-app' };

interface Login {
  passwords: string[];
  roles: string[];
}

export class FakeServer {
  readonly logins = new Map<string, Login>();
  readonly sessions: LoginSession[] = [];
  readonly calls: string[] = [];

  constructor(private readonly clock: Clock) {}

  addLogin(login: string, password: string, roles: string[] = ['app_role']): void {
    this.logins.set(login, { passwords: [password], roles });
  }

  accepts(login: string, password: string): boolean {
    return this.logins.get(login)?.passwords.includes(password) ?? false;
  }

  openSession(username: string, clientAddress = '10.0.0.4', applicationName = 'orders-api', connectedAt = this.clock.now()): LoginSession {
    const session = { username, clientAddress, applicationName, connectedAt };
    this.sessions.push(session);
    return session;
  }

  closeSession(session: LoginSession): void {
    const index = this.sessions.indexOf(session);
    if (index >= 0) this.sessions.splice(index, 1);
  }

  /** Entra sign-ins this server accepts: the token the test's token source hands out for the kind's scope. */
  readonly entraTokens = new Map<string, string>();

  checkAdmin(admin: AdminCredential): void {
    if (admin.kind === 'entra') {
      if (this.entraTokens.get(admin.username) !== admin.accessToken.reveal()) throw new Error('admin token refused');
      return;
    }
    if (admin.username !== FAKE_ADMIN.username || admin.password.reveal() !== FAKE_ADMIN.password) {
      throw new Error('admin sign-in refused');
    }
  }
}

const fakeDbSchema = networkConsumerSchema('fake-db', { defaultPort: 5432 }, { database: z.string().min(1) });
const fakeCacheSchema = networkConsumerSchema('fake-cache', { defaultPort: 6379 }, {});

function verifyOn(server: FakeServer, kind: string, credential: LoginCredential): Promise<void> {
  server.calls.push(`verify:${credential.username}`);
  if (!server.accepts(credential.username, credential.password.reveal())) {
    return Promise.reject(new CredentialRefusedError(`${kind}: login '${credential.username}' was refused`));
  }
  return Promise.resolve();
}

function sessionsOn(server: FakeServer, admin: AdminCredential, login: string): Promise<LoginSession[]> {
  server.checkAdmin(admin);
  server.calls.push(`sessions:${login}`);
  return Promise.resolve(server.sessions.filter((session) => session.username === login));
}

export function fakeDatabaseKind(server: FakeServer): ConsumerKind<z.output<typeof fakeDbSchema>> {
  return {
    kind: 'fake-db',
    strategies: ['alternating-users'],
    schema: fakeDbSchema,
    entraScope: 'https://ossrdbms-aad.database.windows.net/.default',
    connectionFields: (spec) => ({ host: spec.host, port: spec.port, database: spec.database }),
    async replaceLoginPassword(_spec, admin, login, password: SecretValue, like) {
      server.checkAdmin(admin);
      server.calls.push(`replace:${login}`);
      const existing = server.logins.get(login);
      if (existing) {
        existing.passwords = [password.reveal()];
        return;
      }
      const template = server.logins.get(like);
      if (!template) throw new Error(`neither '${login}' nor '${like}' exists`);
      server.logins.set(login, { passwords: [password.reveal()], roles: [...template.roles] });
    },
    verify: (_spec, credential) => verifyOn(server, 'fake-db', credential),
    sessions: (_spec, admin, login) => sessionsOn(server, admin, login),
  };
}

export function fakeCacheKind(server: FakeServer): ConsumerKind<z.output<typeof fakeCacheSchema>> {
  return {
    kind: 'fake-cache',
    strategies: ['multi-password'],
    schema: fakeCacheSchema,
    connectionFields: (spec) => ({ host: spec.host, port: spec.port }),
    async setAcceptedPasswords(_spec, admin, login, passwords) {
      server.checkAdmin(admin);
      server.calls.push(`accept:${login}:${passwords.length}`);
      const existing = server.logins.get(login);
      if (!existing) throw new Error(`login '${login}' does not exist`);
      if (passwords.length < 1 || passwords.length > 2) throw new Error('one or two passwords');
      existing.passwords = passwords.map((password) => password.reveal());
    },
    async addAcceptedPassword(_spec, admin, login, password) {
      server.checkAdmin(admin);
      server.calls.push(`add:${login}`);
      const existing = server.logins.get(login);
      if (!existing) throw new Error(`login '${login}' does not exist`);
      existing.passwords = [...existing.passwords, password.reveal()];
    },
    verify: (_spec, credential) => verifyOn(server, 'fake-cache', credential),
    sessions: (_spec, admin, login) => sessionsOn(server, admin, login),
  };
}

export function fakeCatalog(database: FakeServer, cache: FakeServer): ConsumerCatalog {
  return new ConsumerCatalog([fakeDatabaseKind(database) as unknown as ConsumerKind<ConsumerSpec>, fakeCacheKind(cache) as unknown as ConsumerKind<ConsumerSpec>]);
}
