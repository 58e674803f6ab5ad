/**
 * npm run bench -- scale [--policies 100000 --due-percent 1 --secrets 100000 --vaults 10]
 * Issue 13's scale figures, each printed with the command that reproduces it:
 * - the scan at N stored policies with a share due: Table entities read per due policy, and the
 *   scan's time against a full read of every policy entity on the same Azurite, as a ratio;
 *   then the rotations it queued, run in this process, and what they read per due policy;
 * - the peak resident set of that scan, and of the inventory report over M secrets, each in a
 *   child process against a baseline child that composes the app and runs nothing.
 * Azurite and the Key Vault emulator run in processes of their own, so neither's memory counts.
 * The policies are written by the real SDK into Azurite's Table service with its key lookups made
 * logarithmic (seeding-azurite.ts: Azurite's own lookups are linear in a partition, so seeding
 * 100,000 took hours), which saves its store to a directory; the measured Azurite is an unchanged
 * one started over that directory.
 * Prints figures; asserts nothing.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAzureClientFactory, type AzureClientFactory } from '../../src/adapters/azure-clients.js';
import { EntitiesReadCounter, createTableAdapters } from '../../src/adapters/tables/index.js';
import { composeServices } from '../../src/composition.js';
import { silentLogger } from '../../src/core/logger.js';
import { MANAGED_BY_VALUE, MANAGED_TAGS, parsePolicy } from '../../src/core/policy/policy.js';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { localAppConfig, type LocalStandIns } from '../../src/local/local-app-config.js';
import { drainRotationQueue } from '../drain-rotation-queue.js';
import { seedOf, startEmulatorProcess } from '../reports/reports-bench.js';
import { benchPolicies, dueCount } from './bench-policies.js';
import { measurePeakMemory, type PeakMemory } from './peak-memory.js';
import { seedPolicies, type SeededPolicy } from './seed-policies.js';
import { startSeedingAzurite, TABLE_STORE_FILE } from './seeding-azurite.js';

export interface ScaleBenchOptions {
  policies: number;
  duePercent: number;
  secrets: number;
  /** The secrets are spread over this many vaults. */
  vaults: number;
  log: (line: string) => void;
}

const MIB = 2 ** 20;
/** Scan and full read, each this many times, and each memory child; the median is printed. */
const ROUNDS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function sum(counter: EntitiesReadCounter): number {
  return [...counter.entities.values()].reduce((a, b) => a + b, 0);
}

function byOperation(counter: EntitiesReadCounter): string {
  return [...counter.entities].map(([operation, n]) => `${operation} ${n}`).join(', ');
}

function printPeak(name: string, peak: PeakMemory, per: number, unit: string, command: string, log: (line: string) => void): void {
  const mib = (kib: number) => (kib / 1024).toFixed(1);
  const all = (answers: { maxRssKib: number }[]) => answers.map((answer) => mib(answer.maxRssKib)).join(', ');
  log(`  ${name}: peak RSS ${mib(peak.measuredMedianKib)} MiB against a baseline of ${mib(peak.baselineMedianKib)} MiB (medians of ${peak.measured.length}):`);
  log(`    ${(peak.differenceInBytes / MIB).toFixed(1)} MiB more, ${(peak.differenceInBytes / per).toFixed(0)} bytes per ${unit} over ${per}   ${command}`);
  log(`    (runs: ${all(peak.measured)} MiB, baselines ${all(peak.baselines)} MiB; it took ${peak.measured.map((answer) => answer.seconds.toFixed(1)).join(', ')} s)`);
}

export async function runScaleBench(options: ScaleBenchOptions): Promise<void> {
  const { log } = options;
  const command = `npm run bench -- scale --policies ${options.policies} --due-percent ${options.duePercent} --secrets ${options.secrets} --vaults ${options.vaults}`;
  // The scan's rotations write to a vault of their own, so that the inventory counts only the secrets seeded for it.
  const vaultNames = ['kv-scale-rotations', ...Array.from({ length: Math.max(1, options.vaults) }, (_, i) => `kv-scale-${String(i).padStart(2, '0')}`)];
  const emulator = await startEmulatorProcess(vaultNames);
  // The policies are seeded into a directory first (seedPolicyStore), which the measured Azurite then loads.
  const location = options.policies > 0 ? await mkdtemp(join(tmpdir(), 'scale-bench-azurite-')) : undefined;
  let azurite: RunningAzurite | undefined;
  try {
    // Seeding and the rotations are not what is measured: the app's Key Vault governor is opened up for them (the emulator does not throttle creates here).
    const unpaced = { keyVaultLimits: { createsPer10Seconds: 1_000_000_000, othersPer10Seconds: 1_000_000_000 } };
    const standInsOn = (azuriteConnectionString: string): LocalStandIns => ({ azuriteConnectionString, emulatorCaCertPath: emulator.caCertPath, emulatorHost: emulator.host });
    log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores, load ${loadavg().map((n) => n.toFixed(1)).join(' ')}; the Key Vault emulator and Azurite, each in its own process${location ? ' (Azurite over a directory: --location)' : ' (Azurite in memory)'}`);
    const seed = location ? await seedPolicyStore(options, location, standInsOn, emulator.vaults[0]!.url, unpaced) : undefined;
    const started = performance.now();
    azurite = await startAzurite(location ? { location } : {});
    if (location) log(`  an unchanged Azurite loaded that store and listened in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const standIns = standInsOn(azurite.connectionString);
    const clients = createAzureClientFactory(localAppConfig(standIns, unpaced));
    if (seed) await benchScanAtScale(options, seed, standIns, clients, unpaced, command);
    if (options.secrets > 0) await benchInventoryMemory(options, standIns, clients, emulator.vaults.slice(1), command);
  } finally {
    emulator.process.stdin?.end();
    await once(emulator.process, 'exit').catch(() => undefined);
    await azurite?.stop();
    if (location) await rm(location, { recursive: true, force: true });
  }
}

interface SeededStore {
  tablePrefix: string;
  due: number;
}

/**
 * Writes the N policies' rows with the real SDK (seedPolicies: transactions of 100 where rows share
 * a partition, a write per state) into the seeding Azurite (seeding-azurite.ts: Azurite's Table
 * service with its key lookups made logarithmic), which saves them to `location` when it stops.
 */
async function seedPolicyStore(options: ScaleBenchOptions, location: string, standInsOn: (connectionString: string) => LocalStandIns, vaultUrl: string, unpaced: object): Promise<SeededStore> {
  const { log } = options;
  const tablePrefix = `scale${randomBytes(3).toString('hex')}`;
  const now = new Date();
  const seeded = benchPolicies({ count: options.policies, duePercent: options.duePercent, vaultUrl, now });
  const due = dueCount(seeded, now);
  log('');
  log(`Scan at ${options.policies} stored policies, ${due} due (${options.duePercent}%):`);
  const started = performance.now();
  const seeding = await startSeedingAzurite(location);
  let seed: Awaited<ReturnType<typeof seedPolicies>>;
  try {
    const clients = createAzureClientFactory(localAppConfig(standInsOn(seeding.connectionString), unpaced));
    const tables = createTableAdapters(clients, { tablePrefix });
    await tables.ensureTables();
    seed = await seedPolicies(tables, clients.tableClient(tables.names.policies), seeded, { at: now, onProgress: log });
  } finally {
    await seeding.stop();
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const bytes = (await stat(join(location, TABLE_STORE_FILE))).size;
  log(`  seeded in ${totalSeconds.toFixed(1)} s (${(totalSeconds / 60).toFixed(1)} min) by the real SDK into Azurite's Table service with its key lookups made logarithmic (bench/scale/seeding-azurite.ts), saved to its store file:`);
  log(`    policies and their index entries ${seed.policiesSeconds.toFixed(1)} s, states ${seed.statesSeconds.toFixed(1)} s, schedule entries ${seed.scheduleSeconds.toFixed(1)} s, the rest (start, tables, save) ${(totalSeconds - seed.totalSeconds).toFixed(1)} s`);
  log(`    (${seed.transactions} transactions of up to 100 rows for ${options.policies * 3} policy, index and schedule rows; ${seed.singleWrites} single writes for the states, each its own partition)`);
  log(`    store file ${(bytes / MIB).toFixed(1)} MiB, ${(bytes / options.policies).toFixed(0)} bytes per policy (LokiJS reads and writes it as one string: V8's limit of 2^29 - 24 characters is about ${Math.floor((2 ** 29 - 24) / (bytes / options.policies) / 1000)},000 policies)`);
  return { tablePrefix, due };
}

async function benchScanAtScale(options: ScaleBenchOptions, seed: SeededStore, standIns: LocalStandIns, clients: AzureClientFactory, unpaced: object, command: string): Promise<void> {
  const { log } = options;
  const { tablePrefix, due } = seed;
  log(`  load average before measuring: ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);

  // Peak memory first: the children's scans send to a queue of their own and change nothing in the tables.
  const memoryQueue = `scale-memory-${randomBytes(3).toString('hex')}`;
  const scanPeak = await measurePeakMemory('scan', { standIns, tablePrefix, rotationQueueName: memoryQueue, governedVaultUrls: [] }, ROUNDS);

  const counter = new EntitiesReadCounter();
  const services = composeServices(localAppConfig(standIns, unpaced), { tablePrefix, logger: silentLogger, onEntitiesRead: counter.listener });
  await services.ready();
  const reader = createTableAdapters(clients, { tablePrefix, onEntitiesRead: counter.listener });
  const queue = services.clients.queueClient(services.config.rotationQueueName);
  const scanSeconds: number[] = [];
  const fullReadSeconds: number[] = [];
  let scanReads = 0;
  let fullReads = 0;
  let enqueued = 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) await queue.clearMessages(); // the last round's messages stay, for the rotations below
    counter.reset();
    let started = performance.now();
    enqueued = (await services.scan.run()).enqueued;
    scanSeconds.push((performance.now() - started) / 1000);
    scanReads = sum(counter);

    counter.reset();
    started = performance.now();
    let token: string | undefined;
    do {
      const page = await reader.policies.list({ pageSize: 1000, ...(token ? { continuationToken: token } : {}) });
      token = page.continuationToken;
    } while (token);
    fullReadSeconds.push((performance.now() - started) / 1000);
    fullReads = counter.entitiesFor('policies.list');
  }
  const scanS = median(scanSeconds);
  const fullS = median(fullReadSeconds);
  log(`  scan (reads the schedule index, sends ${enqueued} messages): ${scanReads} entities read, ${(scanReads / due).toFixed(2)} per due policy; ${scanS.toFixed(2)} s (median of ${ROUNDS}: ${scanSeconds.map((s) => s.toFixed(2)).join(', ')})   ${command}`);
  log(`  full read of the policies table (policies.list, pages of 1000): ${fullReads} entities, ${fullS.toFixed(2)} s (median of ${ROUNDS}: ${fullReadSeconds.map((s) => s.toFixed(2)).join(', ')})`);
  log(`  scan time / full read time: ${(scanS / fullS).toFixed(3)} (${(fullS / scanS).toFixed(0)}× faster)   ${command}`);

  counter.reset();
  const rotationsStarted = performance.now();
  const drained = await drainRotationQueue(services);
  const rotationSeconds = (performance.now() - rotationsStarted) / 1000;
  log(`  the queued rotations, run here as the host would (16 at once): ${drained.rotated} rotated, ${drained.failed + drained.threw} failed, ${drained.stale + drained.skipped + drained['in-progress']} other, ${rotationSeconds.toFixed(1)} s;`);
  log(`    ${sum(counter)} entities read, ${(sum(counter) / due).toFixed(2)} per due policy (${byOperation(counter)}); with the scan's, ${((sum(counter) + scanReads) / due).toFixed(2)} per due policy   ${command}`);
  printPeak('the scan in a process of its own', scanPeak, options.policies, 'stored policy', command, log);
  log(`    (each child's scan enqueued ${scanPeak.measured.map((answer) => (answer.outcome as { enqueued: number }).enqueued).join(', ')})`);
}

async function benchInventoryMemory(options: ScaleBenchOptions, standIns: LocalStandIns, clients: AzureClientFactory, vaults: { name: string; url: string }[], command: string): Promise<void> {
  const { log } = options;
  const tablePrefix = `inv${randomBytes(3).toString('hex')}`;
  const perVault = Math.ceil(options.secrets / vaults.length);
  const governedEvery = 100;
  const now = new Date();
  log('');
  log(`Inventory report over ${options.secrets} secrets in ${vaults.length} vaults, 1 in ${governedEvery} governed by a policy:`);
  const started = performance.now();
  const governed: SeededPolicy[] = [];
  let written = 0;
  for (const vault of vaults) {
    const client = clients.secretClient(vault.url);
    const count = Math.min(perVault, options.secrets - written);
    // The first request alone: a new client's first requests carry no body until Key Vault's authentication challenge is answered, and 48 at once race it.
    let next = 0;
    const write = async (i: number): Promise<void> => {
      const name = `s-${String(i).padStart(6, '0')}`;
      if (i % governedEvery !== 50) {
        await client.setSecret(name, 'bench-value', seedOf(i));
        return;
      }
      // A governed secret as a rotation leaves it: our tags on its version, and its policy's state saying so.
      const policy = parsePolicy({ id: `${vault.name}-${name}`, vaultUrl: vault.url, secretName: name, generator: { kind: 'random_password', length: 32 }, rotation: { every: '60d', validFor: '100d' }, environment: 'bench', owner: 'bench', contentType: 'text/plain' });
      const version = await client.setSecret(name, 'bench-value', { contentType: 'text/plain', expiresOn: new Date(now.getTime() + 100 * 86_400_000), tags: { [MANAGED_TAGS.managedBy]: MANAGED_BY_VALUE, [MANAGED_TAGS.policyId]: policy.id, [MANAGED_TAGS.rotationId]: `seed-${i}` } });
      governed.push({ policy, state: { policyId: policy.id, consecutiveFailures: 0, currentVersion: version.properties.version!, currentVersionCreatedOn: version.properties.createdOn!, lastRotatedAt: now, lastResult: 'succeeded', lastRotationId: `seed-${i}`, nextDueAt: new Date(now.getTime() + 60 * 86_400_000) } });
    };
    if (count > 0) await write(next++);
    await Promise.all(Array.from({ length: 48 }, async () => {
      while (next < count) await write(next++);
    }));
    written += count;
    log(`  secrets: ${written} of ${options.secrets}, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const secretsSeconds = (performance.now() - started) / 1000;
  const tables = createTableAdapters(clients, { tablePrefix });
  await tables.ensureTables();
  const seed = await seedPolicies(tables, clients.tableClient(tables.names.policies), governed, { at: now });
  log(`  seeded in ${(secretsSeconds + seed.totalSeconds).toFixed(1)} s: ${written} secrets by setSecret, 48 at once, ${secretsSeconds.toFixed(1)} s (the emulator has no bulk route); ${governed.length} policies ${seed.totalSeconds.toFixed(1)} s`);

  const peak = await measurePeakMemory('inventory', { standIns, tablePrefix, rotationQueueName: `scale-memory-${randomBytes(3).toString('hex')}`, governedVaultUrls: vaults.map((v) => v.url.toLowerCase()) }, ROUNDS);
  printPeak('the inventory report (first page and summary, GET /api/reports/inventory)', peak, written, 'secret', command, log);
  const summaries = peak.measured.map((answer) => (answer.outcome as { summary?: { secrets?: number; managed?: number } }).summary);
  log(`    (each summary counted ${summaries.map((summary) => `${summary?.secrets} secrets, ${summary?.managed} governed`).join('; ')})`);
}
