/**
 * What one rotation of a policy makes the app do, by the measured model (MEASURED, in
 * cost-report.ts): its strategy's steps, its consumers and followers, and its drain checks.
 * bench/reports/consumer-unit-costs.ts checks these sums against what rotations really did.
 */
import { parseDuration } from '../../durations.js';
import { loginConsumersOf, type RotationPolicy } from '../../policy/policy.js';
import { strategyFor } from '../../rotation/strategies/index.js';
import type { MeasuredFigures } from './cost-report.js';

/**
 * The consumer kinds whose work Azure bills per rotation, by the names the adapters register
 * (test/core/reports/cost-report.test.ts keeps them equal): a replica's operations in its vault,
 * a topic's events; and the webhook, which reads the value when it carries it. The others call
 * services not billed per call (app-service, storage-account-key: ARM; entra-app-secret: Microsoft
 * Graph) or nothing of Azure's (databases, caches).
 */
export const KEYVAULT_REPLICA_KIND = 'keyvault-replica';
export const EVENT_GRID_TOPIC_KIND = 'event-grid-topic';
export const WEBHOOK_KIND = 'webhook';
const ISSUED_CREDENTIAL = 'issued-credential';

/** Key Vault's SecretNewVersionCreated for each new version: published on the vault's system topic and delivered once to the app. */
export const KEY_VAULT_EVENT_OPERATIONS_PER_VERSION = 2;

/** A policy's consumers as the cost model counts them. */
export interface ConsumerShape {
  /** Consumers recorded at each of the strategy's steps: the logins, or the issuer. */
  recorded: number;
  /** Login consumers whose admin credential is a secret in the policy's vault. */
  adminSecrets: number;
  /** Followers, recorded once each at the delivery. */
  followers: number;
  /** keyvault-replica followers' vaults, lower-case, one entry per replica. */
  replicaVaults: string[];
  topics: number;
  /** Followers that read the switched value (replicas; webhooks with includeValue). */
  valueCarriers: number;
}

export function consumerShape(policy: RotationPolicy): ConsumerShape {
  const all = policy.consumers ?? [];
  const logins = loginConsumersOf(policy);
  const issuers = policy.strategy?.kind === ISSUED_CREDENTIAL && all.length > logins.length ? 1 : 0;
  const others = all.filter((consumer) => !('admin' in consumer)) as { kind: string; vaultUrl?: unknown; includeValue?: unknown }[];
  const replicaVaults = others.filter((c) => c.kind === KEYVAULT_REPLICA_KIND && typeof c.vaultUrl === 'string').map((c) => (c.vaultUrl as string).toLowerCase());
  return {
    recorded: logins.length + issuers,
    adminSecrets: logins.filter((consumer) => 'secretName' in consumer.admin).length,
    followers: others.length - issuers,
    replicaVaults,
    topics: others.filter((c) => c.kind === EVENT_GRID_TOPIC_KIND).length,
    valueCarriers: replicaVaults.length + others.filter((c) => c.kind === WEBHOOK_KIND && c.includeValue === true).length,
  };
}

/**
 * How many times the scan finds a rotation's drain due, the last time ending it: none when the
 * strategy drains before its switch (alternating-users drains the login left at the previous one,
 * long idle) or has no grace period; otherwise the checks during the grace period, one every
 * `checkIntervalInMs` (the longer of the scan's interval and DRAIN_CHECK_INTERVAL_SECONDS) on
 * average, and the one that finds it over. Sessions that outlast the grace period add checks.
 */
export function drainChecksPerRotation(policy: RotationPolicy, checkIntervalInMs: number): number {
  if (!policy.strategy) return 0;
  const steps = strategyFor(policy.strategy.kind, consumerShape(policy).followers > 0).steps.map((step) => step.name);
  if (steps.indexOf('drained') < steps.indexOf('switched')) return 0;
  const grace = parseDuration(policy.strategy.gracePeriod).milliseconds;
  return grace > 0 ? 1 + grace / Math.max(1, checkIntervalInMs) : 0;
}

/** One rotation's work, in parts the report's formulas name. */
export interface RotationUnits {
  shape: ConsumerShape;
  /** The steps after the claim, `delivered` included with followers. */
  steps: number;
  drainChecks: number;
  /** Audit records of a rotation with consumers (each step's, each consumer's at each step, each follower's). */
  auditRecords: number;
  /** Steps persisted besides the switch. */
  stepSaves: number;
  keyVault: { rotation: number; ownWriteEvent: number; strategy: number; adminReads: number; delivery: number; valuesCarried: number };
  /** Operations in each replica vault, by vault (lower-case). */
  replicaKeyVault: Record<string, number>;
  table: { rotation: number; ownWriteEvent: number; auditRecords: number; stepSaves: number; drain: number; replicaWriteEvents: number };
  queue: { rotation: number; drainChecks: number };
  executions: { rotation: number; ownWriteEvent: number; drainChecks: number; replicaWriteEvents: number };
  events: { rotation: number; revoke: number; topics: number; keyVault: number };
}

export const total = (parts: Record<string, number>): number => Object.values(parts).reduce((sum, part) => sum + part, 0);

export function rotationUnits(policy: RotationPolicy, drainChecks: number, figures: MeasuredFigures): RotationUnits {
  const shape = consumerShape(policy);
  const staged = (policy.consumers ?? []).length > 0;
  const names = strategyFor(policy.strategy?.kind, shape.followers > 0).steps.map((step) => step.name);
  const steps = names.length;
  // The switch records nothing of the consumers; the delivery records the followers; every other step each consumer.
  const recordingSteps = steps - 1 - (shape.followers > 0 ? 1 : 0);
  // The switch is audited as it starts and as it ends; each other step as it starts.
  const auditRecords = staged ? 2 + (steps - 1) + shape.recorded * recordingSteps + shape.followers : 0;
  const stepSaves = staged ? steps - 1 : 0;
  const invocations = 1 + drainChecks;
  const replicaKeyVault: Record<string, number> = {};
  for (const vault of shape.replicaVaults) replicaKeyVault[vault] = (replicaKeyVault[vault] ?? 0) + figures.replicaVaultPerCopy;
  const replicas = shape.replicaVaults.length;
  return {
    shape,
    steps,
    drainChecks,
    auditRecords,
    stepSaves,
    keyVault: {
      rotation: figures.keyVaultPerRotation,
      ownWriteEvent: figures.keyVaultPerOwnWriteEvent,
      strategy: policy.strategy ? figures.keyVaultPerStrategyRotation : 0,
      adminReads: shape.adminSecrets * invocations * figures.keyVaultPerAdminRead,
      delivery: shape.followers > 0 ? figures.keyVaultPerDelivery : 0,
      valuesCarried: shape.valueCarriers * figures.keyVaultPerValueCarried,
    },
    replicaKeyVault,
    table: {
      rotation: figures.tablePerRotation,
      ownWriteEvent: figures.tablePerOwnWriteEvent,
      auditRecords: auditRecords * figures.tablePerAuditRecord,
      stepSaves: stepSaves * figures.tablePerStepSave,
      drain: drainChecks > 0 ? figures.tablePerDrainWait + (drainChecks - 1) * figures.tablePerDrainRecheck : 0,
      replicaWriteEvents: replicas * figures.tablePerReplicaWriteEvent,
    },
    queue: { rotation: figures.queuePerRotation, drainChecks: drainChecks * figures.queuePerDrainCheck },
    executions: {
      rotation: figures.executionsPerRotation,
      ownWriteEvent: figures.executionsPerOwnWriteEvent,
      drainChecks: drainChecks * figures.executionsPerDrainCheck,
      replicaWriteEvents: replicas * figures.executionsPerReplicaWriteEvent,
    },
    events: {
      rotation: figures.rotationEventsPerRotation,
      revoke: names.includes('revoked') ? figures.rotationEventsPerRevoke : 0,
      topics: shape.topics * figures.eventsPerTopicFollower,
      keyVault: KEY_VAULT_EVENT_OPERATIONS_PER_VERSION * (1 + replicas),
    },
  };
}
