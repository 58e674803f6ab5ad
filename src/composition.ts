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
import { appConfig } from './app-services.js';
import type { AppConfig } from './config.js';
import { PolicyAdmin } from './core/admin/policy-admin.js';
import { systemClock, type Clock } from './core/clock.js';
import { KeyVaultEventHandler } from './core/events/key-vault-event-handler.js';
import type { Logger } from './core/logger.js';
import type { AuditLog, PolicyStateStore, SecretStore } from './core/ports.js';
import { DueScan } from './core/rotation/due-scan.js';
import { DueRotation } from './core/rotation/due-rotation.js';
import { StorageDueRotationQueue } from './adapters/queues/storage-due-queue.js';
import { createAppMetrics } from './adapters/telemetry/app-metrics.js';
import type { Meter } from '@opentelemetry/api';
import { ConsumerCatalog, type AccessTokenSource } from './core/consumers/consumer-port.js';
import { SecretValue } from './core/secret-value.js';
import { postgresqlConsumer } from './adapters/consumers/postgresql-consumer.js';
import { mariadbConsumer } from './adapters/consumers/mariadb-consumer.js';
import { redisConsumer } from './adapters/consumers/redis-consumer.js';
import { webhookConsumer } from './adapters/consumers/webhook-consumer.js';
import { keyvaultReplicaConsumer } from './adapters/consumers/keyvault-replica-consumer.js';
import { eventGridTopicConsumer } from './adapters/consumers/event-grid-topic-consumer.js';
import { createEventGridClients } from './adapters/eventgrid/event-grid-clients.js';
import { EventGridRotationEvents } from './adapters/eventgrid/event-grid-rotation-events.js';
import { noRotationEvents, type RotationEvents } from './core/rotation-events.js';
import { BreakGlassEvents } from './core/approvals/break-glass-events.js';
import { appServiceConsumer } from './adapters/consumers/app-service-consumer.js';
import { storageAccountKeyConsumer } from './adapters/consumers/storage-account-key-consumer.js';
import { entraAppSecretConsumer } from './adapters/consumers/entra-app-secret-consumer.js';
import { RotationEngine } from './core/rotation/rotation-engine.js';
import { EntraTokenValidator } from './adapters/identity/entra-token-validator.js';
import type { AccessTokenValidator } from './core/auth/access-token-validator.js';
import { ChangeRequestService } from './core/approvals/change-request-service.js';
import { GovernedOperations } from './core/approvals/governed-operations.js';
import { PolicyChangeExecutor } from './core/approvals/policy-change-executor.js';
import { createArmClients, type ArmClients } from './adapters/arm/arm-clients.js';
import { ArmVaultAccessSource } from './adapters/arm/arm-vault-access-source.js';
import { AccessReview } from './core/reports/access/access-review.js';
import { vaultSettingsSection } from './core/reports/compliance/vault-rules.js';
import type { VaultAccessSource } from './core/reports/access/ports.js';
import { KeyVaultSecretListing } from './adapters/keyvault/key-vault-secret-listing.js';
import { VaultRateLimiter } from './adapters/keyvault/vault-rate-limiter.js';
import { GovernanceReports } from './core/reports/governance-reports.js';
import { RotationTimeline } from './core/reports/rotation-timeline.js';
import { FindingsReport } from './core/reports/findings-report.js';
import { complianceSections } from './core/reports/compliance/compliance-sections.js';
import { driftSections } from './core/reports/drift/drift-sections.js';
import { auditArchiveContainer, BlobAuditArchive } from './adapters/blobs/blob-audit-archive.js';
import { BlobAuditArchiveReader } from './adapters/blobs/blob-audit-archive-reader.js';
import { ARCHIVE_CATCH_UP_WINDOW_MS, ArchivedAuditLog } from './core/audit/archived-audit-log.js';
import { AuditVerification } from './core/audit/audit-verification.js';
import { SmokeTests } from './core/smoke/smoke-tests.js';

export interface AppServices {
  config: AppConfig;
  clients: AzureClientFactory;
  engine: RotationEngine;
  /** Reads the schedule index and sends each due entry to the rotation queue. */
  scan: DueScan;
  /** What rotateDuePolicy does with each message of the rotation queue. */
  dueRotations: DueRotation;
  rotationQueue: StorageDueRotationQueue;
  events: KeyVaultEventHandler;
  admin: PolicyAdmin;
  /** What the API's writes and on-demand rotations go through: done now, or a change request for a protected environment. */
  operations: GovernedOperations;
  changes: ChangeRequestService;
  /** Validates the API's bearer tokens. */
  tokens: AccessTokenValidator;
  /** The audit: Table Storage, and a write-once copy of each record in the archive container. */
  audit: ArchivedAuditLog;
  /** GET /api/audit/verify: the table's copies of the audit against the write-once archive. */
  auditVerification: AuditVerification;
  clock: Clock;
  states: PolicyStateStore;
  /** The governed vaults through ARM: settings, diagnostic settings, role assignments (GOVERNED_VAULT_RESOURCE_IDS). */
  vaultAccess: VaultAccessSource;
  /** GET /api/reports/access. */
  accessReview: AccessReview;
  /** Inventory, compliance, drift and cost over the governed vaults; policy checks. Read-only. */
  reports: GovernanceReports;
  /** GET /api/reports/rotations: rotation results per day, counted from the audit's action index. */
  rotationTimeline: RotationTimeline;
  /** Smoke tests of environments: audited, and the latest of each kept for kvrot promote's gate. */
  smokeTests: SmokeTests;
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
  /** Tests collect the app's metrics with a meter of their own; else Application Insights when configured. */
  meter?: Meter;
}

/** What consumer kinds that reach Azure (replica vaults, App Service, Event Grid...) are built with, once per composition. */
export interface ConsumerRuntime {
  config: AppConfig;
  clients: AzureClientFactory;
  /** Key Vault as the rotator reaches it, through the per-vault rate governor. */
  secrets: SecretStore;
  /** ARM as the app reaches it (the stand-in locally): one set of clients for the access review and the kinds. */
  arm: ArmClients;
  logger: Logger;
}

/** The downstream systems a rotation can move to a new credential, and the followers told of it: one adapter per kind, one line each. */
export function consumerKindsWith(runtime: ConsumerRuntime): ConsumerCatalog {
  return new ConsumerCatalog([
    postgresqlConsumer,
    mariadbConsumer,
    redisConsumer,
    webhookConsumer(runtime),
    keyvaultReplicaConsumer(runtime),
    eventGridTopicConsumer(runtime),
    appServiceConsumer(runtime),
    storageAccountKeyConsumer(runtime),
    entraAppSecretConsumer(runtime),
  ]);
}

/**
 * A runtime for catalogs that only validate (the OpenAPI document, the CLI's Secretfile reading,
 * tests): every kind is there with its schema, and using one to reach a system fails loudly.
 */
const validationOnlyRuntime = new Proxy({} as ConsumerRuntime, {
  get(_target, property) {
    throw new Error(`this consumer catalog only validates policies; it cannot reach ${String(property)}: use the one composeServices builds`);
  },
});

/** Every kind this deployment knows, for validating policies away from Azure. */
export const consumerKinds = consumerKindsWith(validationOnlyRuntime);

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
  // Every record goes to the table and to the immutable archive container: ArchivedAuditLog says in what order and why.
  const archiveContainer = auditArchiveContainer(config.storage, clients.credential, config.auditArchiveContainer);
  const archive = new BlobAuditArchive(archiveContainer);
  const audit = new ArchivedAuditLog(tables.audit, archive, { logger });
  // The table can be rewritten by anyone with table data rights; the archive cannot: GET /api/audit/verify compares them.
  const auditVerification = new AuditVerification({ log: tables.audit, archive: new BlobAuditArchiveReader(archiveContainer), clock, catchUpWindowInMs: ARCHIVE_CATCH_UP_WINDOW_MS });
  const secrets = new KeyVaultSecretStore(clients);
  const arm = createArmClients({ credential: clients.credential, ...(config.armStandIn ? { standIn: config.armStandIn } : {}) });
  const kinds = options.consumerKinds ?? consumerKindsWith({ config, clients, secrets, arm, logger });
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
  const rotationQueue = new StorageDueRotationQueue(clients, config.rotationQueueName);
  const metrics = createAppMetrics({ telemetry: config.telemetry, credential: clients.credential, sources: { rateGovernor: clients.rateGovernor, rotationQueue }, logger, meter: options.meter });
  const rotationEvents = rotationEventsFor(config, clients);
  const engine = new RotationEngine({
    policies: tables.policies,
    states: tables.states,
    schedule: tables.schedule,
    audit,
    secrets,
    planSecrets,
    clock,
    newId,
    logger,
    leaseDurationInMs: config.leaseDurationInMs,
    maxAttempts: config.maxAttempts,
    minRotationIntervalInMs: config.minRotationIntervalInMs,
    idempotency: config.idempotency,
    consumerKinds: kinds,
    accessTokens,
    drainCheckIntervalInMs: config.drainCheckIntervalInMs,
    metrics,
    events: rotationEvents,
  });
  const admin = new PolicyAdmin({
    policies: tables.policies,
    states: tables.states,
    schedule: tables.schedule,
    audit,
    clock,
    newId,
    logger,
    governedVaultUrls: config.governedVaultUrls,
    consumerKinds: kinds,
  });
  const changes = new ChangeRequestService({
    requests: tables.changes,
    policies: tables.policies,
    clock,
    newId,
    audit,
    logger,
    settings: config.governance,
    execute: new PolicyChangeExecutor({ admin, engine }),
    alerts: new BreakGlassEvents(rotationEvents),
  });
  const vaultAccess = new ArmVaultAccessSource(arm);
  let tablesReady: Promise<void> | undefined;
  // Metadata-only listings, at most the reports' share of each vault's Key Vault limit.
  const listing = new KeyVaultSecretListing(clients, new VaultRateLimiter({ operationsPer10Seconds: config.reports.keyVaultOperationsPer10Seconds }));
  const reports = new GovernanceReports({
    policies: tables.policies,
    states: tables.states,
    audit,
    listing,
    clock,
    maxAttempts: config.maxAttempts,
    catalog: kinds,
    governedVaultUrls: config.governedVaultUrls,
    compliance: config.reports.compliance,
    costs: config.reports.costs,
    scanSchedule: config.scanSchedule,
    drainCheckIntervalInMs: config.drainCheckIntervalInMs,
    // More kinds of subject (vault settings) are sections appended to this list.
    complianceReport: new FindingsReport([...complianceSections(listing, kinds), vaultSettingsSection(vaultAccess, config.governedVaultResourceIds)]),
    driftReport: new FindingsReport(driftSections(listing, tables.states, kinds)),
    parsePolicy: (id, body) => admin.validate(id, body),
  });
  return {
    config,
    clients,
    engine,
    scan: new DueScan({ policies: tables.policies, states: tables.states, schedule: tables.schedule, engine, clock, logger, queue: rotationQueue }),
    dueRotations: new DueRotation({ policies: tables.policies, states: tables.states, schedule: tables.schedule, engine, logger }),
    rotationQueue,
    events: new KeyVaultEventHandler({ policies: tables.policies, audit, secrets, engine, clock, logger, rotationEvents }),
    admin,
    operations: new GovernedOperations({ admin, engine, changes, policies: tables.policies }),
    changes,
    tokens: new EntraTokenValidator(config.auth),
    audit,
    auditVerification,
    clock,
    states: tables.states,
    vaultAccess,
    accessReview: new AccessReview({
      source: vaultAccess,
      vaultResourceIds: config.governedVaultResourceIds,
      governedVaultUrls: config.governedVaultUrls,
      ...(config.appPrincipalId ? { appPrincipalId: config.appPrincipalId } : {}),
      now: () => clock.now(),
    }),
    reports,
    rotationTimeline: new RotationTimeline({ audit, clock }),
    smokeTests: new SmokeTests({ store: tables.smokeTests, audit, clock, newId, logger }),
    ready() {
      const pending =
        tablesReady ??
        Promise.all([
          tables.ensureTables(),
          rotationQueue.ensureQueues(),
          // In Azure the archive container is infra/'s, under its immutability policy; one the app made would have none.
          ...(config.storage.kind === 'local-connection-string' ? [archive.createIfMissing()] : []),
        ])
          .then(() => undefined)
          .catch((error: unknown) => {
            // A failed creation is retried by the next invocation instead of failing every one after it.
            tablesReady = undefined;
            throw error;
          });
      tablesReady = pending;
      return pending;
    },
  };
}

/** The deployment's Event Grid topic when ROTATION_EVENTS_TOPIC_ENDPOINT names one (the stand-in locally); else nothing is published. */
function rotationEventsFor(config: AppConfig, clients: AzureClientFactory): RotationEvents {
  const settings = config.rotationEvents;
  if (!settings?.topicEndpoint) return noRotationEvents;
  const eventGrid = createEventGridClients({ credential: clients.credential, ...(config.eventGridStandIn ? { standIn: config.eventGridStandIn } : {}) });
  return new EventGridRotationEvents(eventGrid.publisher(settings.topicEndpoint), settings.source);
}

let appServicesInstance: AppServices | undefined;
/**
 * Kept on the process, not in this module: `npm start` runs the deployed bundle, which
 * carries its own copy of this module, while start.ts calls useLocalClock on this one.
 */
const LOCAL_CLOCK = Symbol.for('keyvault-rotation-governance.local-clock');
const processWide = globalThis as typeof globalThis & { [LOCAL_CLOCK]?: Clock | undefined };

/**
 * `npm start` runs the app in the Key Vault emulator's process and hands it the emulator's
 * clock, so when the emulator's clock is advanced, new versions' expiry and the schedule move
 * with it. Never called in Azure; undefined goes back to the system clock.
 */
export function useLocalClock(clock: Clock | undefined): void {
  processWide[LOCAL_CLOCK] = clock;
}

/** Read at every call, so the functions' services follow useLocalClock whenever it is called. */
const appClock: Clock = { now: () => (processWide[LOCAL_CLOCK] ?? systemClock).now() };

/** Settings from the environment, read once (src/app-services.ts, which the function modules import). */
export { appConfig };

export function appServices(): AppServices {
  appServicesInstance ??= composeServices(appConfig(), { clock: appClock });
  return appServicesInstance;
}
