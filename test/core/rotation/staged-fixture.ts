/** A policy with a downstream consumer over in-memory ports and a fake server, for the staged strategies' tests. */
import type { StrategyKind } from '../../../src/core/consumers/consumer-port.js';
import type { Logger } from '../../../src/core/logger.js';
import { silentLogger } from '../../../src/core/logger.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { CrashInjector } from '../../support/fakes/crash-injector.js';
import { FAKE_ADMIN, FakeServer, fakeCacheKind, fakeDatabaseKind } from '../../support/fakes/in-memory-consumer.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { createStores, processOver, type Stores } from './engine-fixture.js';

export const VAULT = 'https://kv-orders-prod.vault.azure.net';
export const SECRET = 'orders-db-credentials';
export const ADMIN_SECRET = 'orders-db-admin';
export const DB_LOGIN = 'orders_app';
export const CACHE_LOGIN = 'orders_cache';
export const INITIAL_PASSWORD = 'initial-password-set-by-hand';
export const GRACE_MS = 60 * 60_000;
export const HTTP = { kind: 'http', actor: 'admin@example.com', reason: 'test' } as const;
export const TIMER = { kind: 'timer', actor: 'scheduler', reason: 'due' } as const;

export interface StagedWorldOptions {
  strategy: StrategyKind;
  maxDrainWait?: string;
  /** Writes the current credential to the vault by hand first, as an adopter would. */
  seedVault?: boolean;
  logger?: Logger;
}

export function policyJsonFor(options: StagedWorldOptions) {
  const { contentType: _plain, ...base } = aPolicyJson({ id: 'orders-db', vaultUrl: VAULT, secretName: SECRET, rotation: { every: '30d', validFor: '60d' } });
  const consumer =
    options.strategy === 'alternating-users'
      ? { kind: 'fake-db', name: 'orders-primary', host: '127.0.0.1', database: 'orders', login: DB_LOGIN, tls: false, admin: { secretName: ADMIN_SECRET } }
      : { kind: 'fake-cache', name: 'orders-cache', host: '127.0.0.1', login: CACHE_LOGIN, tls: false, admin: { secretName: ADMIN_SECRET } };
  return { ...base, strategy: { kind: options.strategy, gracePeriod: '1h', maxDrainWait: options.maxDrainWait ?? '24h' }, consumers: [consumer] };
}

export async function stagedWorld(options: StagedWorldOptions) {
  const stores = createStores();
  const database = new FakeServer(stores.clock);
  database.addLogin(DB_LOGIN, INITIAL_PASSWORD);
  const cache = new FakeServer(stores.clock);
  cache.addLogin(CACHE_LOGIN, INITIAL_PASSWORD);
  const server = options.strategy === 'alternating-users' ? database : cache;
  const kinds = [fakeDatabaseKind(database), fakeCacheKind(cache)];
  const ref = { vaultUrl: VAULT, secretName: SECRET };
  await stores.secrets.write({ vaultUrl: VAULT, secretName: ADMIN_SECRET }, SecretValue.of(JSON.stringify(FAKE_ADMIN)), { expiresOn: new Date('2030-01-01T00:00:00Z'), tags: {} });
  if (options.seedVault) {
    const login = options.strategy === 'alternating-users' ? DB_LOGIN : CACHE_LOGIN;
    await stores.secrets.write(ref, SecretValue.of(JSON.stringify({ username: login, password: INITIAL_PASSWORD, host: '127.0.0.1', port: 1 })), {
      expiresOn: new Date('2027-06-01T00:00:00Z'),
      contentType: 'application/json',
      tags: {},
    });
  }
  const process = (injector?: CrashInjector) => processOver(stores, injector, options.logger ?? silentLogger, { consumerKinds: kinds });
  const app = process();
  const policyJson = policyJsonFor(options);
  await app.admin.put('orders-db', policyJson, 'test');
  return { stores, server, database, cache, kinds, ref, app, process, policyJson };
}

export type StagedWorld = Awaited<ReturnType<typeof stagedWorld>>;

/** The credential the vault hands applications now, as they would read it. */
export function currentCredential(stores: Stores, ref = { vaultUrl: VAULT, secretName: SECRET }): { username: string; password: string } | undefined {
  const latest = stores.secrets.versions(ref).at(-1);
  if (!latest) return undefined;
  return JSON.parse(stores.secrets.valueOf(ref, latest.version)!) as { username: string; password: string };
}

/** Zero lockout, as an application sees it: whatever the vault holds now signs in. */
export function expectVaultCredentialWorks(world: StagedWorld): void {
  const credential = currentCredential(world.stores);
  if (credential && !world.server.accepts(credential.username, credential.password)) {
    throw new Error(`lockout: the vault's current credential for '${credential.username}' is refused by the server`);
  }
}
