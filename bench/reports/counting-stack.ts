/**
 * The app as deployed, on the local stack, with everything billable counted: the functions host
 * running src/functions, Azurite behind counting proxies for its Table and Queue endpoints, the
 * Key Vault emulator (its operation counts, per vault) and Event Grid topic stand-ins (the
 * rotation events topic, and any follower topics, each with its event count). The unit-cost
 * benches (unit-costs.ts, consumer-unit-costs.ts) measure through it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appServices, type AppServices } from '../../src/composition.js';
import type { Logger, LogProperties } from '../../src/core/logger.js';
import { startAzurite } from '../../src/local/azurite.js';
import { EventGridTopicAdminClient, localEventGridTopicSettings, startEventGridTopic, type RunningEventGridTopic } from '../../src/local/event-grid-topic/index.js';
import { startFunctionsHost, type RunningFunctionsHost } from '../../src/local/functions-host/index.js';
import { createCertificateAuthority, EmulatorAdminClient, SECRET_NEW_VERSION_CREATED, startKeyVaultEmulator, type RunningKeyVaultEmulator } from '../../src/local/keyvault-emulator/index.js';
import { secretEvent } from '../../src/local/keyvault-emulator/events.js';
import { useBenchAppSettings } from '../app-settings.js';
import { startStorageCounter, type StorageRequest } from './storage-counter.js';

export interface QueueTransactions {
  send: number;
  receive: number;
  delete: number;
  update: number;
}

/** What one phase of a measurement touched. */
export interface PhaseCounts {
  /** Key Vault operations, per vault name. */
  keyVault: Record<string, number>;
  table: number;
  /** The scan's listing of the schedule index: the only reads of that table (a rotation writes and deletes its entries). */
  scanReads: number;
  queue: QueueTransactions;
  executions: Record<string, number>;
  /** Events the rotation events topic accepted. */
  rotationEvents: number;
  /** Events each follower topic accepted, by topic name. */
  followerEvents: Record<string, number>;
  /** Polls that found the rotation queue empty: the host's, not a rotation's. */
  emptyPolls: number;
}

export interface CountingStackOptions {
  vaults: readonly string[];
  /** Names of Event Grid topics to start besides the rotation events topic, for event-grid-topic followers. */
  followerTopics?: readonly string[];
}

export interface CountingStack {
  emulator: RunningKeyVaultEmulator;
  admin: EmulatorAdminClient;
  services: AppServices;
  host: RunningFunctionsHost;
  followerTopics: Record<string, RunningEventGridTopic>;
  vaultUrl(name: string): string;
  /** Runs the timer's scan and waits until the host's queue poller ran every message it sent. */
  scan(): Promise<void>;
  /** Delivers the version's SecretNewVersionCreated to the host's Event Grid webhook, as Event Grid does. */
  deliverNewVersion(vault: string, secretName: string, version: string): Promise<void>;
  /** Counts from here... */
  start(): Promise<void>;
  /** ...to here. */
  finish(): Promise<PhaseCounts>;
  /** Errors the app or the host logged: a measurement with any is not one. */
  errors: string[];
  stop(): Promise<void>;
}

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

export async function startCountingStack(options: CountingStackOptions): Promise<CountingStack> {
  const azurite = await startAzurite();
  const certificateAuthority = await createCertificateAuthority();
  const emulator = await startKeyVaultEmulator({ vaults: [...options.vaults], certificateAuthority, throttling: { enabled: false } });
  const topic = await startEventGridTopic({ certificateAuthority });
  const followerTopics: Record<string, RunningEventGridTopic> = {};
  for (const name of options.followerTopics ?? []) followerTopics[name] = await startEventGridTopic({ certificateAuthority, topicName: name });
  const tables = await startStorageCounter(azurite.connectionString, 'Table');
  const queues = await startStorageCounter(tables.connectionString, 'Queue');
  const admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
  const topicAdmin = new EventGridTopicAdminClient(topic.adminUrl, topic.caCertPem);
  const followerAdmins = Object.entries(followerTopics).map(([name, running]) => [name, new EventGridTopicAdminClient(running.adminUrl, running.caCertPem)] as const);

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
  const services = appServices();
  await services.ready();

  const vaultUrl = (name: string) => emulator.vaults.find((v) => v.name === name)!.url;
  const keyVaultCounts = async (): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const name of options.vaults) counts[name] = Object.values((await admin.countsFor(name)).operations).reduce((a, b) => a + b, 0);
    return counts;
  };
  const followerCounts = async (): Promise<Record<string, number>> => Object.fromEntries(await Promise.all(followerAdmins.map(async ([name, client]) => [name, (await client.counts()).events] as const)));
  let keyVaultBefore: Record<string, number> = {};
  let eventsBefore = 0;
  let followersBefore: Record<string, number> = {};

  return {
    emulator,
    admin,
    services,
    host,
    followerTopics,
    vaultUrl,
    errors,
    async scan() {
      await host.invoke('scanDuePolicies');
      await host.queuesIdle();
    },
    async deliverNewVersion(vault, secretName, version) {
      const event = secretEvent(SECRET_NEW_VERSION_CREATED, emulator.vaults.find((v) => v.name === vault)!, { name: secretName, versions: [] }, { version, value: '', enabled: true, created: 0, updated: 0 }, emulator.clock.now());
      const webhook = host.functions.find((f) => f.trigger === 'eventGridTrigger')!.url;
      const answer = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' }, body: JSON.stringify([event]) });
      if (!answer.ok) throw new Error(`the host answered ${answer.status} to a SecretNewVersionCreated delivery`);
    },
    async start() {
      tables.reset();
      queues.reset();
      executions.clear();
      keyVaultBefore = await keyVaultCounts();
      eventsBefore = (await topicAdmin.counts()).events;
      followersBefore = await followerCounts();
    },
    async finish() {
      const keyVaultAfter = await keyVaultCounts();
      const followersAfter = await followerCounts();
      return {
        keyVault: Object.fromEntries(Object.entries(keyVaultAfter).map(([name, n]) => [name, n - (keyVaultBefore[name] ?? 0)])),
        table: tables.requests.length,
        scanReads: tables.requests.filter((r) => r.method === 'GET' && /^\/[a-z0-9]*schedule\(/i.test(r.path)).length,
        queue: queueTransactions(queues.requests),
        executions: Object.fromEntries(executions),
        rotationEvents: (await topicAdmin.counts()).events - eventsBefore,
        followerEvents: Object.fromEntries(Object.entries(followersAfter).map(([name, n]) => [name, n - (followersBefore[name] ?? 0)])),
        emptyPolls: queues.requests.filter((r) => r.gotMessage === false).length,
      };
    },
    async stop() {
      await host.stop();
      Object.assign(console, original);
      restoreSettings();
      await Promise.all([queues.stop(), tables.stop()]);
      await Promise.all([emulator.stop(), topic.stop(), ...Object.values(followerTopics).map((t) => t.stop()), azurite.stop()]);
    },
  };
}
