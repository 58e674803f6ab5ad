/**
 * GET /api/reports/cost: the monthly cost of what the policies make the app do, per vault and
 * in total. Each line shows its formula, quantity, unit price and cost. The figures per
 * rotation are measured on the local stack (bench/reports/unit-costs.ts, printed by `npm run
 * bench -- reports`, and asserted equal to MEASURED by test/functions/cost-unit-figures.e2e.test.ts);
 * the prices are settings (CostSettings).
 */
import { DAY_MS, parseDuration } from '../../durations.js';
import type { RotationPolicy } from '../../policy/policy.js';
import { NEAR_EXPIRY_WINDOW_MS } from '../../policy/schedule.js';
import { DEFAULT_DRAIN_CHECK_INTERVAL_MS } from '../../rotation/rotation-engine.js';
import { vaultNameOf, type GovernedScope } from '../governed-scope.js';
import type { CostSettings } from './cost-settings.js';
import { drainChecksPerRotation, KEY_VAULT_EVENT_OPERATIONS_PER_VERSION, rotationUnits, total, type RotationUnits } from './rotation-units.js';
import { executionsPerMonth } from './schedule-rate.js';

/** An average month: a year / 12. */
export const MONTH_DAYS = 365.25 / 12;

/**
 * Measured on the local stack, through the app as deployed (the timer's scan, the rotation
 * queue, rotateDuePolicy, the Event Grid webhook), 2026-12-06. Vault-only (bench/reports/unit-costs.ts):
 * - a scheduled vault-only rotation of a generated password: 2 Key Vault operations (its write
 *   and a read), 18 Table transactions (claim, steps, audit record and index rows, schedule),
 *   3 Queue transactions (the scan's send, the host's receive, the delete once it ran), 1
 *   execution (rotateDuePolicy) and 2 rotation events (RotationStarted, RotationSucceeded);
 * - the app's own SecretNewVersionCreated: 1 Key Vault read, 2 Table transactions, 1 execution;
 * - a scan that finds nothing due: 1 Table transaction (the schedule index read). A scan with
 *   due entries reads the same; what it sends is in each rotation's Queue figure.
 * With consumers (bench/reports/consumer-unit-costs.ts: Redis multi-password, keyvault-replica
 * and event-grid-topic followers, fitted on five policies and checked on two others, one of them
 * PostgreSQL alternating-users; see rotationUnits for how they add up):
 * - an audit record is 6 Table transactions (the record and its index rows); a step persisted
 *   besides the switch, 1 (the state's save). A rotation with consumers audits each step;
 * - a strategy with a login reads 4 more Key Vault operations (the current and the switched
 *   credential, the old version's retirement), and each consumer's admin secret once an invocation;
 * - a drain: the wait and the check that ends it, 22 Table transactions; each check that waits
 *   again, 24. Every check is a queue message (3 transactions) and an execution;
 * - the delivery to followers reads the switched version once (1), and its value once per follower
 *   that carries it (1); a replica costs 4 operations in its own vault (look, write, read back the
 *   properties and the value), and its SecretNewVersionCreated, delivered to the app, 7 Table
 *   transactions (the unmanaged-event audit record) and an execution; a topic follower, 1 event.
 */
export const MEASURED = {
  keyVaultPerRotation: 2,
  tablePerRotation: 18,
  queuePerRotation: 3,
  executionsPerRotation: 1,
  rotationEventsPerRotation: 2,
  keyVaultPerOwnWriteEvent: 1,
  tablePerOwnWriteEvent: 2,
  executionsPerOwnWriteEvent: 1,
  tablePerIdleScan: 1,
  tablePerAuditRecord: 6,
  tablePerStepSave: 1,
  tablePerDrainWait: 22,
  tablePerDrainRecheck: 24,
  queuePerDrainCheck: 3,
  executionsPerDrainCheck: 1,
  keyVaultPerStrategyRotation: 4,
  keyVaultPerAdminRead: 1,
  keyVaultPerDelivery: 1,
  keyVaultPerValueCarried: 1,
  replicaVaultPerCopy: 4,
  tablePerReplicaWriteEvent: 7,
  executionsPerReplicaWriteEvent: 1,
  rotationEventsPerRevoke: 1,
  eventsPerTopicFollower: 1,
} as const;

/** The MEASURED figures for rotations with consumers, as consumer-unit-costs.ts fits them. */
export const CONSUMER_FIGURES = [
  'tablePerAuditRecord',
  'tablePerStepSave',
  'tablePerDrainWait',
  'tablePerDrainRecheck',
  'queuePerDrainCheck',
  'executionsPerDrainCheck',
  'keyVaultPerStrategyRotation',
  'keyVaultPerAdminRead',
  'keyVaultPerDelivery',
  'keyVaultPerValueCarried',
  'replicaVaultPerCopy',
  'tablePerReplicaWriteEvent',
  'executionsPerReplicaWriteEvent',
  'rotationEventsPerRevoke',
  'eventsPerTopicFollower',
] as const satisfies readonly (keyof typeof MEASURED)[];

export type MeasuredFigures = { readonly [name in keyof typeof MEASURED]: number };

/** Key Vault's SecretNewVersionCreated for each new version: published on the vault's system topic and delivered once to the app. */
export const KEY_VAULT_EVENT_OPERATIONS_PER_ROTATION = KEY_VAULT_EVENT_OPERATIONS_PER_VERSION;
/** Flex Consumption bills an execution at least this long; the app's are shorter (a rotation takes about 30 ms). */
export const BILLED_SECONDS_PER_EXECUTION = 1;
/**
 * host.json's extensions.queues.maxPollingInterval: a running instance with nothing to do asks
 * the rotation queue for messages at least this often (a test keeps the two equal).
 */
export const HOST_QUEUE_MAX_POLLING_SECONDS = 2;

/** What only the caller knows: how the applications use their secrets. */
export interface CostUsage {
  /** How often applications read each governed secret a month (a Key Vault get each); 0 when not given. */
  applicationReadsPerSecretPerMonth?: number;
}

/** Bounds a given read rate: a billion a month is about 385 reads a second, for every secret. */
export const MAX_APPLICATION_READS_PER_SECRET_PER_MONTH = 1_000_000_000;

export interface CostLine {
  item: string;
  formula: string;
  quantity: number;
  unit: string;
  /** Price per `pricePer` units. */
  unitPrice: number;
  pricePer: number;
  monthlyCost: number;
}

export interface VaultCost {
  vault: string;
  policies: number;
  rotationsPerMonth: number;
  lines: CostLine[];
  monthlyCost: number;
}

export interface CostReportAnswer {
  currency: 'USD';
  month: string;
  vaults: VaultCost[];
  /** The app-wide part: the timer scan, and Event Grid's free grant. */
  shared: { lines: CostLine[]; monthlyCost: number };
  totalMonthlyCost: number;
  prices: CostSettings;
  assumptions: string[];
}

function round(amount: number, digits = 6): number {
  const factor = 10 ** digits;
  return Math.round(amount * factor) / factor;
}

function line(item: string, formula: string, quantity: number, unit: string, unitPrice: number, pricePer: number): CostLine {
  return { item, formula, quantity: round(quantity, 3), unit, unitPrice, pricePer, monthlyCost: round((quantity / pricePer) * unitPrice) };
}

/** A rotation happens when the version's age reaches `every`, or when it enters the near-expiry window, whichever is first. */
export function rotationsPerMonth(policy: RotationPolicy): number {
  if (!policy.enabled || policy.generator.kind === 'static') return 0;
  const every = parseDuration(policy.rotation.every).milliseconds;
  const beforeExpiry = parseDuration(policy.rotation.validFor).milliseconds - NEAR_EXPIRY_WINDOW_MS;
  return (MONTH_DAYS * DAY_MS) / Math.max(1, Math.min(every, beforeExpiry));
}

const n = (value: number) => round(value, 3);

export interface CostReportDependencies {
  prices: CostSettings;
  scanSchedule: string;
  /** DRAIN_CHECK_INTERVAL_SECONDS in ms: how long a waiting rotation waits before its drain is checked again; the engine's default when absent. */
  drainCheckIntervalInMs?: number;
}

interface PricedPolicy {
  policy: RotationPolicy;
  rotations: number;
  units: RotationUnits;
}

const plural = (count: number, one: string, many = `${one}s`) => (count === 1 ? one : many);

export class CostReport {
  constructor(private readonly deps: CostReportDependencies) {}

  compute(scope: GovernedScope, usage: CostUsage = {}): CostReportAnswer {
    const prices = this.deps.prices;
    const readsPerSecret = usage.applicationReadsPerSecretPerMonth ?? 0;
    const gb = prices.functionsInstanceMemoryMb / 1024;
    const scans = executionsPerMonth(this.deps.scanSchedule);
    const scanIntervalInMs = (MONTH_DAYS * DAY_MS) / Math.max(scans, 1e-9);
    const drainCheckIntervalInMs = Math.max(this.deps.drainCheckIntervalInMs ?? DEFAULT_DRAIN_CHECK_INTERVAL_MS, scanIntervalInMs);
    const priced: PricedPolicy[] = scope.policies.map(({ policy }) => {
      const rotations = rotationsPerMonth(policy);
      return { policy, rotations, units: rotationUnits(policy, rotations > 0 ? drainChecksPerRotation(policy, drainCheckIntervalInMs) : 0, MEASURED) };
    });
    // A replica vault is governed (validation refuses any other), so it is in the scope; an offline estimate may not know it yet.
    const replicaVaults = priced.flatMap((p) => (p.rotations > 0 ? p.units.shape.replicaVaults : []));
    const vaultUrls = [...new Set([...scope.vaults, ...replicaVaults])].sort();
    const vaults = vaultUrls.map((vaultUrl): VaultCost => {
      const own = priced.filter((p) => p.policy.vaultUrl.toLowerCase() === vaultUrl);
      const monthly = (part: (units: RotationUnits) => number) => own.reduce((sum, p) => sum + p.rotations * part(p.units), 0);
      const rotations = own.reduce((sum, p) => sum + p.rotations, 0);
      const copiesHere = priced.reduce((sum, p) => sum + p.rotations * (p.units.replicaKeyVault[vaultUrl] ?? 0), 0);
      const copiesElsewhere = monthly((u) => total(u.replicaKeyVault));
      const applicationReads = own.length * readsPerSecret;
      const kv = { strategy: monthly((u) => u.keyVault.strategy), admin: monthly((u) => u.keyVault.adminReads), delivery: monthly((u) => u.keyVault.delivery), values: monthly((u) => u.keyVault.valuesCarried) };
      const table = { records: monthly((u) => u.auditRecords), saves: monthly((u) => u.stepSaves), drain: monthly((u) => u.table.drain), replicaEvents: monthly((u) => u.shape.replicaVaults.length) };
      const checks = monthly((u) => u.drainChecks);
      const replicaEvents = table.replicaEvents;
      const revoking = monthly((u) => (u.events.revoke > 0 ? 1 : 0));
      const topicEvents = monthly((u) => u.events.topics);
      const executions = rotations * (MEASURED.executionsPerRotation + MEASURED.executionsPerOwnWriteEvent) + checks * MEASURED.executionsPerDrainCheck + replicaEvents * MEASURED.executionsPerReplicaWriteEvent;
      const part = (quantity: number, text: string) => (quantity > 0 ? ` + ${n(quantity)} ${text}` : '');
      const lines = [
        line(
          'Key Vault operations',
          `${n(rotations)} rotations × (${MEASURED.keyVaultPerRotation} per rotation + ${MEASURED.keyVaultPerOwnWriteEvent} to confirm its own SecretNewVersionCreated)` +
            part(kv.strategy, `reads by the strategies of rotations with consumers (${MEASURED.keyVaultPerStrategyRotation} a rotation: the current and the switched credential, the old version's retirement)`) +
            part(kv.admin, 'consumer admin-secret reads (one per consumer each invocation, drain checks included)') +
            part(kv.delivery, `reads of the switched version for followers (${MEASURED.keyVaultPerDelivery} a rotation)`) +
            part(kv.values, 'reads of its value by followers that carry it (replicas, webhooks with includeValue)') +
            part(copiesHere, `replica copies of secrets of this or other vaults (${MEASURED.replicaVaultPerCopy} each: look, write, read back properties and value)`) +
            part(applicationReads, `application reads (${own.length} ${plural(own.length, 'secret')} × ${readsPerSecret} a month, as given)`) +
            (copiesElsewhere > 0 && copiesElsewhere !== copiesHere ? `; its replicas' ${n(copiesElsewhere - copiesHere)} operations in other vaults are charged there` : ''),
          rotations * (MEASURED.keyVaultPerRotation + MEASURED.keyVaultPerOwnWriteEvent) + total(kv) + copiesHere + applicationReads,
          'operations',
          prices.keyVaultPer10kOperations,
          10_000,
        ),
        line(
          'Functions executions',
          `${n(rotations)} rotations × (${MEASURED.executionsPerRotation} rotateDuePolicy, the rotation queue's message + ${MEASURED.executionsPerOwnWriteEvent} onKeyVaultEvent, its own SecretNewVersionCreated)` +
            part(checks, 'drain checks (rotateDuePolicy again)') +
            part(replicaEvents, "onKeyVaultEvent for replicas' SecretNewVersionCreated"),
          executions,
          'executions',
          prices.functionsPerMillionExecutions,
          1_000_000,
        ),
        line('Functions memory', `${n(executions)} executions × ${BILLED_SECONDS_PER_EXECUTION} s billed × ${gb} GB`, executions * BILLED_SECONDS_PER_EXECUTION * gb, 'GB-s', prices.functionsPerGbSecond, 1),
        line(
          'Table transactions',
          `${n(rotations)} rotations × (${MEASURED.tablePerRotation} per rotation, measured for a vault-only one + ${MEASURED.tablePerOwnWriteEvent} per own-write event)` +
            part(table.records, `audit records of rotations with consumers × ${MEASURED.tablePerAuditRecord} (each step's, each consumer's at each step, each follower's)`) +
            part(table.saves, `steps persisted besides the switch × ${MEASURED.tablePerStepSave}`) +
            part(table.drain, `for drains (${MEASURED.tablePerDrainWait} the wait and the check that ends it, ${MEASURED.tablePerDrainRecheck} each check that waits again)`) +
            part(replicaEvents, `replicas' SecretNewVersionCreated × ${MEASURED.tablePerReplicaWriteEvent} (the unmanaged-event audit record)`),
          rotations * (MEASURED.tablePerRotation + MEASURED.tablePerOwnWriteEvent) +
            table.records * MEASURED.tablePerAuditRecord +
            table.saves * MEASURED.tablePerStepSave +
            table.drain +
            replicaEvents * MEASURED.tablePerReplicaWriteEvent,
          'transactions',
          prices.tablePer10kTransactions,
          10_000,
        ),
        line(
          'Queue transactions',
          `${n(rotations)} rotations × ${MEASURED.queuePerRotation} (the scan's send, the host's receive, the delete once rotated)` + part(checks, `drain checks × ${MEASURED.queuePerDrainCheck} (a message each)`),
          rotations * MEASURED.queuePerRotation + checks * MEASURED.queuePerDrainCheck,
          'transactions',
          prices.queuePer10kOperations,
          10_000,
        ),
        line(
          'Event Grid operations',
          `${n(rotations)} rotations × (${MEASURED.rotationEventsPerRotation} rotation events published, RotationStarted and RotationSucceeded, + ${KEY_VAULT_EVENT_OPERATIONS_PER_ROTATION} for SecretNewVersionCreated, published and delivered once)` +
            part(revoking, 'CredentialRevoked published') +
            part(topicEvents, 'VersionSwitched published to follower topics') +
            part(replicaEvents * KEY_VAULT_EVENT_OPERATIONS_PER_ROTATION, "for replicas' SecretNewVersionCreated, published and delivered once"),
          rotations * (MEASURED.rotationEventsPerRotation + KEY_VAULT_EVENT_OPERATIONS_PER_ROTATION) + revoking * MEASURED.rotationEventsPerRevoke + topicEvents + replicaEvents * KEY_VAULT_EVENT_OPERATIONS_PER_ROTATION,
          'operations',
          prices.eventGridPerMillionOperations,
          1_000_000,
        ),
      ];
      return { vault: vaultNameOf(vaultUrl), policies: own.length, rotationsPerMonth: n(rotations), lines, monthlyCost: round(lines.reduce((sum, l) => sum + l.monthlyCost, 0)) };
    });

    const polls = (MONTH_DAYS * 86_400) / HOST_QUEUE_MAX_POLLING_SECONDS;
    const eventGridOperations = vaults.reduce((sum, vault) => sum + (vault.lines.find((l) => l.item === 'Event Grid operations')?.quantity ?? 0), 0);
    const free = Math.min(eventGridOperations, prices.eventGridFreeOperationsPerMonth);
    const sharedLines = [
      line('Functions executions (timer scan)', `${n(scans)} scans a month (ROTATION_SCAN_SCHEDULE '${this.deps.scanSchedule}')`, scans, 'executions', prices.functionsPerMillionExecutions, 1_000_000),
      line('Functions memory (timer scan)', `${n(scans)} executions × ${BILLED_SECONDS_PER_EXECUTION} s billed × ${gb} GB`, scans * BILLED_SECONDS_PER_EXECUTION * gb, 'GB-s', prices.functionsPerGbSecond, 1),
      line('Table transactions (timer scan)', `${n(scans)} scans × ${MEASURED.tablePerIdleScan} (reading the schedule index; due work is in the vaults' lines)`, scans * MEASURED.tablePerIdleScan, 'transactions', prices.tablePer10kTransactions, 10_000),
      line(
        'Queue transactions (host polling)',
        `${n(MONTH_DAYS * 86_400)} s a month / ${HOST_QUEUE_MAX_POLLING_SECONDS} s (host.json maxPollingInterval): the empty rotation queue polled by one instance running all month`,
        polls,
        'transactions',
        prices.queuePer10kOperations,
        10_000,
      ),
      line('Event Grid free grant', `-min(${n(eventGridOperations)} operations, ${prices.eventGridFreeOperationsPerMonth} free a month per subscription)`, -free, 'operations', prices.eventGridPerMillionOperations, 1_000_000),
    ];
    const shared = { lines: sharedLines, monthlyCost: round(sharedLines.reduce((sum, l) => sum + l.monthlyCost, 0)) };
    return {
      currency: 'USD',
      month: `${round(MONTH_DAYS, 4)} days (a year / 12)`,
      vaults,
      shared,
      totalMonthlyCost: round(vaults.reduce((sum, vault) => sum + vault.monthlyCost, 0) + shared.monthlyCost),
      prices: { ...prices },
      assumptions: [
        'Rotations per month per enabled, generating policy: a month / min(rotation.every, rotation.validFor - 30 days); static and disabled policies rotate nothing.',
        `Per-rotation figures are measured on the local stack through the scan, the rotation queue and the event webhook (bench/reports/unit-costs.ts, npm run bench -- reports) for a vault-only rotation that succeeds first time; each execution is billed ${BILLED_SECONDS_PER_EXECUTION} s (Flex Consumption's minimum) at the instance memory.`,
        `A rotation with consumers is priced by its strategy's steps, its consumers and followers, measured for Redis (multi-password) and PostgreSQL (alternating-users) consumers with keyvault-replica and event-grid-topic followers (bench/reports/consumer-unit-costs.ts): each step and each consumer's part audited, each consumer's admin secret read once an invocation, a replica's 4 operations charged to the replica's vault, a topic follower's event. A strategy that drains after its switch is checked again at each scan (or DRAIN_CHECK_INTERVAL_SECONDS, whichever is longer: ${n(drainCheckIntervalInMs / 1000)} s) during its grace period, and once more to end it; sessions that outlast the grace period add checks, which are not counted. issued-credential and the other followers are priced by the same model, not measured; their issuers and app-service call ARM or Microsoft Graph, which bill no calls.`,
        'A failed attempt adds its retry (another receive, an update of the message, a RotationFailed event), which is not counted.',
        `Host polling assumes one instance running all month, asking the empty queue every ${HOST_QUEUE_MAX_POLLING_SECONDS} s; an instance that scales in stops polling, and each instance scaled out for a burst polls while it runs.`,
        readsPerSecret > 0
          ? `Applications read each policy's secret ${readsPerSecret} times a month, as given (one Key Vault get each); replicas' reads are not counted.`
          : "Applications' own reads of their secrets are not counted: give their rate (readsPerSecretPerMonth on GET /api/reports/cost, --reads-per-secret-per-month on kvrot cost) to price them.",
        "Not counted: deliveries of rotation events to subscribers you add, SecretNearExpiry events, the scale controller's queue reads, Functions' free grant, the audit archive's blob writes, Application Insights ingestion, and storage capacity.",
      ],
    };
  }
}
