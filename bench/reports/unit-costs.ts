/**
 * What the app's own work costs per unit, measured on the local stack as it runs in Azure: the
 * functions host running src/functions (timer, rotation queue poller, Event Grid webhook) on
 * Azurite, the Key Vault emulator and an Event Grid topic stand-in for the rotation events.
 * The cost report's MEASURED figures are these; test/functions/cost-unit-figures.e2e.test.ts
 * runs this and asserts they are equal, so the report cannot silently go stale.
 *
 * Where each count comes from:
 * - Key Vault operations: the emulator's counts (its admin API), every operation of the vault.
 * - Table and Queue transactions: counting proxies in front of Azurite's Table and Queue
 *   endpoints (storage-counter.ts); the app's adapters and the host's queue poller both reach
 *   Azurite through them, and each request is one billable transaction. Queue transactions are
 *   the message operations (send, receive, delete, update); the host's polls of an empty queue
 *   are counted apart (the cost report prices them as the host's polling, not per rotation), and
 *   queue metadata reads (the test-only wait for an idle queue) are left out.
 * - Functions executions: the host's "Executed '<function>'" log lines, by function.
 * - Rotation events: the events the topic stand-in accepted.
 *
 * Three measurements, as the cost report splits its lines:
 * - a scheduled rotation: the emulator's clock moves past `every`, the timer runs the scan, the
 *   scan sends the due policy to the rotation queue and rotateDuePolicy rotates it (the vault's
 *   event subscription is off here, so its SecretNewVersionCreated is measured apart);
 * - the app's own SecretNewVersionCreated for each of those versions, delivered to the host's
 *   Event Grid webhook as Event Grid delivers it (the emulator's own event shape);
 * - a scan that finds nothing due.
 */
import type { MEASURED, MeasuredFigures } from '../../src/core/reports/cost/cost-report.js';
import { startCountingStack, type QueueTransactions } from './counting-stack.js';

export type { QueueTransactions } from './counting-stack.js';

export interface UnitCosts {
  /** Scheduled rotations measured (after one warm-up rotation that created the secret). */
  rotations: number;
  /** Per scheduled rotation, the scan's execution and its schedule read excluded (they are idleScan's). */
  rotation: { keyVault: number; table: number; queue: QueueTransactions; executions: Record<string, number>; rotationEvents: number };
  /** Per SecretNewVersionCreated the app receives for a version it wrote. */
  ownWriteEvent: { keyVault: number; table: number; executions: Record<string, number> };
  /** A scan that finds nothing due. */
  idleScan: { table: number; queue: QueueTransactions; executions: Record<string, number> };
  /** GETs of the empty rotation queue by the host's poller during the whole measurement: not a rotation's. */
  emptyPolls: number;
  /** Errors the app or the host logged: a measurement with any is not one. */
  errors: string[];
}

const VAULT = 'kv-unit-costs';
const POLICY_ID = 'unit-cost';
const EVERY_MS = 30 * 86_400_000;

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** The figures this bench measures: a vault-only rotation, its own event, an idle scan. */
export const VAULT_ONLY_FIGURES = [
  'keyVaultPerRotation',
  'tablePerRotation',
  'queuePerRotation',
  'executionsPerRotation',
  'rotationEventsPerRotation',
  'keyVaultPerOwnWriteEvent',
  'tablePerOwnWriteEvent',
  'executionsPerOwnWriteEvent',
  'tablePerIdleScan',
] as const satisfies readonly (keyof typeof MEASURED)[];

export type VaultOnlyFigures = Pick<MeasuredFigures, (typeof VAULT_ONLY_FIGURES)[number]>;

/** The measurement in the cost report's terms (its MEASURED constants). */
export function asCostFigures(units: UnitCosts): VaultOnlyFigures {
  return {
    keyVaultPerRotation: units.rotation.keyVault,
    tablePerRotation: units.rotation.table,
    queuePerRotation: sum({ ...units.rotation.queue }),
    executionsPerRotation: sum(units.rotation.executions),
    rotationEventsPerRotation: units.rotation.rotationEvents,
    keyVaultPerOwnWriteEvent: units.ownWriteEvent.keyVault,
    tablePerOwnWriteEvent: units.ownWriteEvent.table,
    executionsPerOwnWriteEvent: sum(units.ownWriteEvent.executions),
    tablePerIdleScan: units.idleScan.table,
  };
}

/**
 * Each figure the cost report uses that differs from what was measured, named, e.g. "tablePerRotation:
 * the report uses 18, measured 19". Only the figures given as measured are compared: this bench
 * measures the vault-only ones, consumer-unit-costs.ts the others.
 */
export function staleFigures(measured: Partial<MeasuredFigures>, used: MeasuredFigures): string[] {
  return (Object.keys(used) as (keyof MeasuredFigures)[])
    .filter((name) => measured[name] !== undefined && measured[name] !== used[name])
    .map((name) => `${name}: the report uses ${used[name]}, measured ${measured[name]}`);
}

function divided<T extends object>(counts: T, by: number): T {
  return Object.fromEntries(Object.entries(counts).map(([key, value]) => [key, (value as number) / by])) as T;
}

export async function measureUnitCosts(rotations: number): Promise<UnitCosts> {
  const stack = await startCountingStack({ vaults: [VAULT] });
  try {
    const { services, admin } = stack;
    const vaultUrl = stack.vaultUrl(VAULT);
    await services.admin.put(POLICY_ID, { id: POLICY_ID, vaultUrl, secretName: POLICY_ID, generator: { kind: 'random_password', length: 32 }, rotation: { every: '30d', validFor: '365d' }, contentType: 'text/plain', environment: 'bench', owner: 'bench' }, 'bench');
    // Warm-up: the policy's first rotation creates the secret, and each client meets its first challenge.
    await stack.scan();

    await stack.start();
    await stack.scan();
    const idle = await stack.finish();

    await stack.start();
    for (let i = 0; i < rotations; i++) {
      await admin.advanceClock(EVERY_MS + 60_000);
      await stack.scan();
    }
    const scheduled = await stack.finish();

    const versions: string[] = [];
    for await (const properties of services.clients.secretClient(vaultUrl).listPropertiesOfSecretVersions(POLICY_ID)) versions.push(properties.version!);
    const created = versions.slice(-rotations);
    await stack.start();
    for (const version of created) await stack.deliverNewVersion(VAULT, POLICY_ID, version);
    const events = await stack.finish();

    const scans = { scanDuePolicies: rotations };
    return {
      rotations,
      rotation: {
        keyVault: scheduled.keyVault[VAULT]! / rotations,
        // The scan's read of the schedule index is the scan's line, not the rotation's.
        table: (scheduled.table - scheduled.scanReads) / rotations,
        queue: divided(scheduled.queue, rotations),
        executions: divided(Object.fromEntries(Object.entries(scheduled.executions).map(([name, n]) => [name, n - (scans[name as keyof typeof scans] ?? 0)])), rotations),
        rotationEvents: scheduled.rotationEvents / rotations,
      },
      ownWriteEvent: { keyVault: events.keyVault[VAULT]! / created.length, table: events.table / created.length, executions: divided(events.executions, created.length) },
      idleScan: { table: idle.table, queue: idle.queue, executions: idle.executions },
      emptyPolls: idle.emptyPolls + scheduled.emptyPolls + events.emptyPolls,
      errors: stack.errors,
    };
  } finally {
    await stack.stop();
  }
}
