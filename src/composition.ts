/**
 * The composition root: the one place adapters are wired into core services.
 * Functions call appServices(); tests and the bench call composeServices()
 * with their own config, clock or table prefix.
 */
import { randomUUID } from 'node:crypto';
import { createAzureClientFactory, type AzureClientFactory } from './adapters/azure-clients.js';
import { consoleLogger } from './adapters/console-logger.js';
import { KeyVaultSecretStore } from './adapters/keyvault/key-vault-secret-store.js';
import { createTableAdapters, type EntitiesReadListener } from './adapters/tables/index.js';
import { loadConfig, type AppConfig } from './config.js';
import { PolicyAdmin } from './core/admin/policy-admin.js';
import { systemClock, type Clock } from './core/clock.js';
import { KeyVaultEventHandler } from './core/events/key-vault-event-handler.js';
import type { Logger } from './core/logger.js';
import type { AuditLog, PolicyStateStore } from './core/ports.js';
import { DueScan } from './core/rotation/due-scan.js';
import { ConsumerCatalog, type AccessTokenSource } from './core/consumers/consumer-port.js';
import { SecretValue } from './core/secret-value.js';
import { postgresqlConsumer } from './adapters/consumers/postgresql-consumer.js';
import { mariadbConsumer } from './adapters/consumers/mariadb-consumer.js';
import { redisConsumer } from './adapters/consumers/redis-consumer.js';
import { RotationEngine } from './core/rotation/rotation-engine.js';

export interface AppServices {
  config: AppConfig;
  clients: AzureClientFactory;
  engine: RotationEngine;
  scan: DueScan;
  events: KeyVaultEventHandler;
  admin: PolicyAdmin;
  audit: AuditLog;
  states: PolicyStateStore;
  /** Creates the tables on first use; every function awaits it before touching storage. */
  ready(): Promise<void>;
}

export interface CompositionOptions {
  clock?: Clock;
  logger?: Logger;
  tablePrefix?: string;
  newId?: () => string;
  /** Benchmarks count the Table entities each operation reads. */
  onEntitiesRead?: EntitiesReadListener;
  /** The zero-lockout measurement wraps the real kinds to kill rotations mid-step. Defaults to consumerKinds. */
  consumerKinds?: ConsumerCatalog;
}

/** The downstream systems a rotation can move to a new credential: one adapter per kind, one line each. */
export const consumerKinds = new ConsumerCatalog([
  postgresqlConsumer,
  mariadbConsumer,
  redisConsumer,
]);

/** Each Key Vault call of a dry run, retries included; a throttled dry run answers 503 within about this long. */
export const DRY_RUN_KEY_VAULT_BUDGET_IN_MS = 2_000;

export function composeServices(config: AppConfig, options: CompositionOptions = {}): AppServices {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? consoleLogger;
  const newId = options.newId ?? randomUUID;
  const clients = createAzureClientFactory(config);
  const tables = createTableAdapters(clients, {
    clock,
    ...(options.tablePrefix ? { tablePrefix: options.tablePrefix } : {}),
    ...(options.onEntitiesRead ? { onEntitiesRead: options.onEntitiesRead } : {}),
  });
  const secrets = new KeyVaultSecretStore(clients);
  // A dry run has a caller waiting and changes nothing: it gives up after DRY_RUN_KEY_VAULT_BUDGET_IN_MS instead of riding out Key Vault's 1-16 s throttling backoff.
  const planSecrets = new KeyVaultSecretStore(clients, { retryBudgetInMs: DRY_RUN_KEY_VAULT_BUDGET_IN_MS });
  // Entra ID sign-in to Azure Database for PostgreSQL/MySQL and Azure Cache for Redis, with the app's own identity.
  const accessTokens: AccessTokenSource = {
    async getToken(scope) {
      const token = await clients.credential.getToken(scope);
      if (!token) throw new Error(`no Entra ID token for ${scope}`);
      return SecretValue.of(token.token);
    },
  };
  const engine = new RotationEngine({
    policies: tables.policies,
    states: tables.states,
    schedule: tables.schedule,
    audit: tables.audit,
    secrets,
    planSecrets,
    clock,
    newId,
    logger,
    leaseDurationInMs: config.leaseDurationInMs,
    maxAttempts: config.maxAttempts,
    minRotationIntervalInMs: config.minRotationIntervalInMs,
    idempotency: config.idempotency,
    consumerKinds: options.consumerKinds ?? consumerKinds,
    accessTokens,
    drainCheckIntervalInMs: config.drainCheckIntervalInMs,
  });
  let tablesReady: Promise<void> | undefined;
  return {
    config,
    clients,
    engine,
    scan: new DueScan({ policies: tables.policies, states: tables.states, schedule: tables.schedule, engine, clock, logger }),
    events: new KeyVaultEventHandler({ policies: tables.policies, audit: tables.audit, secrets, engine, clock, logger }),
    admin: new PolicyAdmin({
      policies: tables.policies,
      states: tables.states,
      schedule: tables.schedule,
      audit: tables.audit,
      clock,
      newId,
      logger,
      governedVaultUrls: config.governedVaultUrls,
      consumerKinds: options.consumerKinds ?? consumerKinds,
    }),
    audit: tables.audit,
    states: tables.states,
    ready() {
      const pending =
        tablesReady ??
        tables.ensureTables().catch((error: unknown) => {
          // A failed creation is retried by the next invocation instead of failing every one after it.
          tablesReady = undefined;
          throw error;
        });
      tablesReady = pending;
      return pending;
    },
  };
}

let appConfigInstance: AppConfig | undefined;
let appServicesInstance: AppServices | undefined;
let localClock: Clock | undefined;

/**
 * `npm start` runs the app in the Key Vault emulator's process and hands it the emulator's
 * clock, so when the emulator's clock is advanced, new versions' expiry and the schedule move
 * with it. Never called in Azure; undefined goes back to the system clock.
 */
export function useLocalClock(clock: Clock | undefined): void {
  localClock = clock;
}

/** Read at every call, so the functions' services follow useLocalClock whenever it is called. */
const appClock: Clock = { now: () => (localClock ?? systemClock).now() };

/** Settings from the environment, read once; a bad setting fails the worker at start-up. */
export function appConfig(): AppConfig {
  appConfigInstance ??= loadConfig(process.env);
  return appConfigInstance;
}

export function appServices(): AppServices {
  appServicesInstance ??= composeServices(appConfig(), { clock: appClock });
  return appServicesInstance;
}
