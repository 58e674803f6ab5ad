/**
 * GET /api/reports/cost: the monthly cost of what the policies make the app do, per vault and
 * in total. Each line shows its formula, quantity, unit price and cost. The figures per
 * rotation are measured on the local stack (bench/reports/unit-costs.ts, printed by `npm run
 * bench -- reports`, and asserted equal to MEASURED by test/functions/cost-unit-figures.e2e.test.ts);
 * the prices are settings (CostSettings).
 */
import { DAY_MS, parseDuration } from '../../durations.js';
import { loginConsumersOf, type RotationPolicy } from '../../policy/policy.js';
import { NEAR_EXPIRY_WINDOW_MS } from '../../policy/schedule.js';
import { strategyFor } from '../../rotation/strategies/index.js';
import { vaultNameOf, type GovernedScope } from '../governed-scope.js';
import type { CostSettings } from './cost-settings.js';
import { executionsPerMonth } from './schedule-rate.js';

/** An average month: a year / 12. */
export const MONTH_DAYS = 365.25 / 12;

/**
 * Measured on the local stack, through the app as deployed (the timer's scan, the rotation
 * queue, rotateDuePolicy, the Event Grid webhook), 2026-12-06:
 * - a scheduled vault-only rotation of a generated password: 2 Key Vault operations (its write
 *   and a read), 18 Table transactions (claim, steps, audit record and index rows, schedule),
 *   3 Queue transactions (the scan's send, the host's receive, the delete once it ran), 1
 *   execution (rotateDuePolicy) and 2 rotation events (RotationStarted, RotationSucceeded);
 * - the app's own SecretNewVersionCreated: 1 Key Vault read, 2 Table transactions, 1 execution;
 * - a scan that finds nothing due: 1 Table transaction (the schedule index read). A scan with
 *   due entries reads the same; what it sends is in each rotation's Queue figure.
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
} as const;

/** Key Vault's SecretNewVersionCreated for each new version: published on the vault's system topic and delivered once to the app. */
export const KEY_VAULT_EVENT_OPERATIONS_PER_ROTATION = 2;
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

/** Consumers whose admin credential the rotation reads from the vault: one more read each. */
function adminReads(policy: RotationPolicy): number {
  return loginConsumersOf(policy).filter((consumer) => 'secretName' in consumer.admin).length;
}

/** A strategy with a revoke step announces CredentialRevoked once per rotation, besides RotationStarted and RotationSucceeded. */
function revokes(policy: RotationPolicy): boolean {
  return strategyFor(policy.strategy?.kind).steps.some((step) => step.name === 'revoked');
}

const n = (value: number) => round(value, 3);

export class CostReport {
  constructor(private readonly deps: { prices: CostSettings; scanSchedule: string }) {}

  compute(scope: GovernedScope, usage: CostUsage = {}): CostReportAnswer {
    const prices = this.deps.prices;
    const readsPerSecret = usage.applicationReadsPerSecretPerMonth ?? 0;
    const gb = prices.functionsInstanceMemoryMb / 1024;
    const vaults = scope.vaults.map((vaultUrl): VaultCost => {
      const policies = scope.policies.map((stored) => stored.policy).filter((policy) => policy.vaultUrl.toLowerCase() === vaultUrl);
      const rotations = policies.reduce((sum, policy) => sum + rotationsPerMonth(policy), 0);
      const extraReads = policies.reduce((sum, policy) => sum + rotationsPerMonth(policy) * adminReads(policy), 0);
      const applicationReads = policies.length * readsPerSecret;
      const revoking = policies.reduce((sum, policy) => sum + (revokes(policy) ? rotationsPerMonth(policy) : 0), 0);
      const executionsPerRotation = MEASURED.executionsPerRotation + MEASURED.executionsPerOwnWriteEvent;
      const executions = rotations * executionsPerRotation;
      const eventsPerRotation = MEASURED.rotationEventsPerRotation + KEY_VAULT_EVENT_OPERATIONS_PER_ROTATION;
      const lines = [
        line(
          'Key Vault operations',
          `${n(rotations)} rotations × (${MEASURED.keyVaultPerRotation} per rotation + ${MEASURED.keyVaultPerOwnWriteEvent} to confirm its own SecretNewVersionCreated)${extraReads > 0 ? ` + ${n(extraReads)} consumer admin-secret reads` : ''}${applicationReads > 0 ? ` + ${n(applicationReads)} application reads (${policies.length} ${policies.length === 1 ? 'secret' : 'secrets'} × ${readsPerSecret} a month, as given)` : ''}`,
          rotations * (MEASURED.keyVaultPerRotation + MEASURED.keyVaultPerOwnWriteEvent) + extraReads + applicationReads,
          'operations',
          prices.keyVaultPer10kOperations,
          10_000,
        ),
        line(
          'Functions executions',
          `${n(rotations)} rotations × (${MEASURED.executionsPerRotation} rotateDuePolicy, the rotation queue's message + ${MEASURED.executionsPerOwnWriteEvent} onKeyVaultEvent, its own SecretNewVersionCreated)`,
          executions,
          'executions',
          prices.functionsPerMillionExecutions,
          1_000_000,
        ),
        line('Functions memory', `${n(executions)} executions × ${BILLED_SECONDS_PER_EXECUTION} s billed × ${gb} GB`, executions * BILLED_SECONDS_PER_EXECUTION * gb, 'GB-s', prices.functionsPerGbSecond, 1),
        line(
          'Table transactions',
          `${n(rotations)} rotations × (${MEASURED.tablePerRotation} per rotation, measured for a vault-only one + ${MEASURED.tablePerOwnWriteEvent} per own-write event)`,
          rotations * (MEASURED.tablePerRotation + MEASURED.tablePerOwnWriteEvent),
          'transactions',
          prices.tablePer10kTransactions,
          10_000,
        ),
        line(
          'Queue transactions',
          `${n(rotations)} rotations × ${MEASURED.queuePerRotation} (the scan's send, the host's receive, the delete once rotated)`,
          rotations * MEASURED.queuePerRotation,
          'transactions',
          prices.queuePer10kOperations,
          10_000,
        ),
        line(
          'Event Grid operations',
          `${n(rotations)} rotations × (${MEASURED.rotationEventsPerRotation} rotation events published, RotationStarted and RotationSucceeded, + ${KEY_VAULT_EVENT_OPERATIONS_PER_ROTATION} for SecretNewVersionCreated, published and delivered once)${revoking > 0 ? ` + ${n(revoking)} CredentialRevoked published` : ''}`,
          rotations * eventsPerRotation + revoking,
          'operations',
          prices.eventGridPerMillionOperations,
          1_000_000,
        ),
      ];
      return { vault: vaultNameOf(vaultUrl), policies: policies.length, rotationsPerMonth: n(rotations), lines, monthlyCost: round(lines.reduce((sum, l) => sum + l.monthlyCost, 0)) };
    });

    const scans = executionsPerMonth(this.deps.scanSchedule);
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
        'A rotation with consumers runs more steps, each persisted, so it costs more Table transactions (and calls to its consumers) than the vault-only figure; a failed attempt adds its retry (another receive, an update of the message, a RotationFailed event).',
        `Host polling assumes one instance running all month, asking the empty queue every ${HOST_QUEUE_MAX_POLLING_SECONDS} s; an instance that scales in stops polling, and each instance scaled out for a burst polls while it runs.`,
        readsPerSecret > 0
          ? `Applications read each policy's secret ${readsPerSecret} times a month, as given (one Key Vault get each); replicas' reads are not counted.`
          : "Applications' own reads of their secrets are not counted: give their rate (readsPerSecretPerMonth on GET /api/reports/cost, --reads-per-secret-per-month on kvrot cost) to price them.",
        "Not counted: deliveries of rotation events to subscribers you add, SecretNearExpiry events, the scale controller's queue reads, Functions' free grant, the audit archive's blob writes, Application Insights ingestion, and storage capacity.",
      ],
    };
  }
}
