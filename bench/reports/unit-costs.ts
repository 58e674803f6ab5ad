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
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appServices } from '../../src/composition.js';
import type { Logger, LogProperties } from '../../src/core/logger.js';
import { startAzurite } from '../../src/local/azurite.js';
import { EventGridTopicAdminClient, localEventGridTopicSettings, startEventGridTopic } from '../../src/local/event-grid-topic/index.js';
import { startFunctionsHost } from '../../src/local/functions-host/index.js';
import { createCertificateAuthority, EmulatorAdminClient, SECRET_NEW_VERSION_CREATED, startKeyVaultEmulator } from '../../src/local/keyvault-emulator/index.js';
import { secretEvent } from '../../src/local/keyvault-emulator/events.js';
import type { MEASURED } from '../../src/core/reports/cost/cost-report.js';
import { useBenchAppSettings } from '../app-settings.js';
import { startStorageCounter, type StorageRequest } from './storage-counter.js';

export interface QueueTransactions {
  send: number;
  receive: number;
  delete: number;
  update: number;
}

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

/** src/functions next to this file's tree: TypeScript under vitest, JavaScript under dist/. */
function functionModules(): string[] {
  const directory = join(import.meta.dirname, '..', '..', 'src', 'functions');
  return readdirSync(directory)
    .filter((file) => /\.(ts|js)$/.test(file) && !file.endsWith('.d.ts'))
    .sort()
    .map((file) => join(directory, file));
}

/** Where host.json is (the repository root, above dist/ when compiled). */
function appDirectory(): string {
  let directory = import.meta.dirname;
  while (!existsSync(join(directory, 'host.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('host.json not found above bench/reports');
    directory = parent;
  }
  return directory;
}

function queueTransactions(requests: readonly StorageRequest[]): QueueTransactions {
  const messages = requests.filter((r) => /\/messages(\/[^/]+)?$/.test(r.path));
  return {
    send: messages.filter((r) => r.method === 'POST').length,
    receive: messages.filter((r) => r.method === 'GET' && r.gotMessage === true).length,
    delete: messages.filter((r) => r.method === 'DELETE').length,
    update: messages.filter((r) => r.method === 'PUT').length,
  };
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** The measurement in the cost report's terms (its MEASURED constants). */
export function asCostFigures(units: UnitCosts): Record<keyof typeof MEASURED, number> {
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

/** Each figure the cost report uses that differs from what was measured, named, e.g. "tablePerRotation: the report uses 18, measured 19". */
export function staleFigures(units: UnitCosts, used: Readonly<Record<keyof typeof MEASURED, number>>): string[] {
  const measured = asCostFigures(units);
  return (Object.keys(used) as (keyof typeof MEASURED)[]).filter((name) => measured[name] !== used[name]).map((name) => `${name}: the report uses ${used[name]}, measured ${measured[name]}`);
}

function divided<T extends object>(counts: T, by: number): T {
  return Object.fromEntries(Object.entries(counts).map(([key, value]) => [key, (value as number) / by])) as T;
}

export async function measureUnitCosts(rotations: number): Promise<UnitCosts> {
  const azurite = await startAzurite();
  const certificateAuthority = await createCertificateAuthority();
  const emulator = await startKeyVaultEmulator({ vaults: [VAULT], certificateAuthority, throttling: { enabled: false } });
  const topic = await startEventGridTopic({ certificateAuthority });
  const tables = await startStorageCounter(azurite.connectionString, 'Table');
  const queues = await startStorageCounter(tables.connectionString, 'Queue');
  const vault = emulator.vaults[0]!;
  const admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  const topicAdmin = new EventGridTopicAdminClient(topic.adminUrl, topic.caCertPem);

  const restoreSettings = useBenchAppSettings(queues.connectionString, emulator, localEventGridTopicSettings(topic));

  // The app logs JSON lines to the console: errors are kept, the rest is not printed.
  const errors: string[] = [];
  const original = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  console.log = console.info = console.warn = () => {};
  console.error = (...args: unknown[]) => void errors.push(args.map(String).join(' ').slice(0, 500));

  const executions = new Map<string, number>();
  const counting = (event: string, properties?: LogProperties) => {
    const name = properties?.['functionName'];
    if (event.startsWith('Executed ') && typeof name === 'string') executions.set(name, (executions.get(name) ?? 0) + 1);
  };
  const logger: Logger = { info: counting, warn: () => {}, error: (event, properties) => (counting(event, properties), errors.push(event.slice(0, 500))) };
  const host = await startFunctionsHost({ modules: functionModules(), port: 0, runTimers: false, logger, appDirectory: appDirectory() });

  const keyVaultTotal = async () => Object.values((await admin.countsFor(VAULT)).operations).reduce((a, b) => a + b, 0);
  const scan = async () => {
    await host.invoke('scanDuePolicies');
    await host.queuesIdle();
  };
  let keyVaultBefore = 0;
  let eventsBefore = 0;
  const start = async () => {
    tables.reset();
    queues.reset();
    executions.clear();
    keyVaultBefore = await keyVaultTotal();
    eventsBefore = (await topicAdmin.counts()).events;
  };
  const emptyPolls: number[] = [];
  const finish = async () => {
    emptyPolls.push(queues.requests.filter((r) => r.gotMessage === false).length);
    return {
      keyVault: (await keyVaultTotal()) - keyVaultBefore,
      table: tables.requests.length,
      // The scan's listing of the schedule index: the only reads of that table (a rotation writes and deletes its entries).
      scanReads: tables.requests.filter((r) => r.method === 'GET' && /^\/[a-z0-9]*schedule\(/i.test(r.path)).length,
      queue: queueTransactions(queues.requests),
      executions: Object.fromEntries(executions),
      rotationEvents: (await topicAdmin.counts()).events - eventsBefore,
    };
  };

  try {
    const services = appServices();
    await services.ready();
    await services.admin.put(POLICY_ID, { id: POLICY_ID, vaultUrl: vault.url, secretName: POLICY_ID, generator: { kind: 'random_password', length: 32 }, rotation: { every: '30d', validFor: '365d' }, contentType: 'text/plain', environment: 'bench', owner: 'bench' }, 'bench');
    // Warm-up: the policy's first rotation creates the secret, and each client meets its first challenge.
    await scan();

    await start();
    await scan();
    const idle = await finish();

    await start();
    for (let i = 0; i < rotations; i++) {
      await admin.advanceClock(EVERY_MS + 60_000);
      await scan();
    }
    const scheduled = await finish();

    const versions: string[] = [];
    for await (const properties of services.clients.secretClient(vault.url).listPropertiesOfSecretVersions(POLICY_ID)) versions.push(properties.version!);
    const created = versions.slice(-rotations);
    const webhook = host.functions.find((f) => f.trigger === 'eventGridTrigger')!.url;
    await start();
    for (const version of created) {
      const event = secretEvent(SECRET_NEW_VERSION_CREATED, vault, { name: POLICY_ID, versions: [] }, { version, value: '', enabled: true, created: 0, updated: 0 }, emulator.clock.now());
      const answer = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' }, body: JSON.stringify([event]) });
      if (!answer.ok) throw new Error(`the host answered ${answer.status} to a SecretNewVersionCreated delivery`);
    }
    const events = await finish();

    const scans = { scanDuePolicies: rotations };
    return {
      rotations,
      rotation: {
        keyVault: scheduled.keyVault / rotations,
        // The scan's read of the schedule index is the scan's line, not the rotation's.
        table: (scheduled.table - scheduled.scanReads) / rotations,
        queue: divided(scheduled.queue, rotations),
        executions: divided(Object.fromEntries(Object.entries(scheduled.executions).map(([name, n]) => [name, n - (scans[name as keyof typeof scans] ?? 0)])), rotations),
        rotationEvents: scheduled.rotationEvents / rotations,
      },
      ownWriteEvent: { keyVault: events.keyVault / created.length, table: events.table / created.length, executions: divided(events.executions, created.length) },
      idleScan: { table: idle.table, queue: idle.queue, executions: idle.executions },
      emptyPolls: emptyPolls.reduce((a, b) => a + b, 0),
      errors,
    };
  } finally {
    await host.stop();
    Object.assign(console, original);
    restoreSettings();
    await Promise.all([queues.stop(), tables.stop()]);
    await Promise.all([emulator.stop(), topic.stop(), azurite.stop()]);
  }
}
