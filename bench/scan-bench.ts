/**
 * The timer's scan at N stored policies with 1% due, and the rotations it sends to the queue
 * (run here as the host would run them): how long it all takes and how many Table entities it
 * reads, by operation. Policies are seeded through the Table adapters' own writes; the due ones
 * really rotate against the Key Vault emulator.
 */
import { randomBytes } from 'node:crypto';
import { EntitiesReadCounter, createTableAdapters } from '../src/adapters/tables/index.js';
import { createAzureClientFactory } from '../src/adapters/azure-clients.js';
import type { AppConfig } from '../src/config.js';
import { composeServices } from '../src/composition.js';
import { silentLogger } from '../src/core/logger.js';
import { parsePolicy } from '../src/core/policy/policy.js';
import type { DueEntry } from '../src/core/ports.js';
import { drainRotationQueue } from './drain-rotation-queue.js';

export interface ScanFigures {
  stored: number;
  /** false: index entries for all, policy and state rows for the due ones only. */
  fullSeed: boolean;
  due: number;
  seedSeconds: number;
  scanSeconds: number;
  rotated: number;
  failed: number;
  skipped: number;
  inProgress: number;
  staleEntriesRemoved: number;
  entitiesRead: Record<string, number>;
  totalEntitiesRead: number;
}

async function inBatches<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

/**
 * Up to `fullSeedLimit` policies, every policy gets its policy, state and index rows. Above it,
 * every policy gets its index entry (all the scan reads) and only the due ones get policy and
 * state rows: Azurite's in-memory tables scan linearly on each point read, so a full 100,000-row
 * seed takes hours there, while the scan never reads a row of a policy that is not due.
 */
export async function benchScan(config: AppConfig, vaultUrl: string, stored: number, fullSeedLimit: number, log: (line: string) => void): Promise<ScanFigures> {
  const tablePrefix = `bench${randomBytes(3).toString('hex')}`;
  const clients = createAzureClientFactory(config);
  const seeding = createTableAdapters(clients, { tablePrefix });
  await seeding.ensureTables();
  const now = Date.now();
  const dueEvery = 100;
  const ids = Array.from({ length: stored }, (_, i) => i);
  const seedStarted = performance.now();
  const entries: DueEntry[] = [];
  let seeded = 0;
  const fullSeed = stored <= fullSeedLimit;
  for (const i of ids) {
    if (fullSeed || i % dueEvery === 0) continue;
    entries.push({ policyId: `bench-${i}`, dueAt: new Date(now + (1 + (i % 80)) * 86_400_000) });
  }
  await inBatches(fullSeed ? ids : ids.filter((i) => i % dueEvery === 0), 32, async (i) => {
    const id = `bench-${i}`;
    const due = i % dueEvery === 0;
    const dueAt = new Date(due ? now - 60_000 : now + (1 + (i % 80)) * 86_400_000);
    const policy = parsePolicy({
      id,
      vaultUrl,
      secretName: `${tablePrefix}-${i}`,
      generator: { kind: 'random_password', length: 24 },
      rotation: { every: '90d', validFor: '120d' },
      environment: 'bench',
      owner: 'bench',
    });
    await seeding.policies.put(policy);
    await seeding.states.save({ policyId: id, consecutiveFailures: 0, nextDueAt: dueAt }, undefined);
    entries.push({ policyId: id, dueAt });
    if (++seeded % 5000 === 0) log(`  seeded ${seeded} policies with their rows`);
  });
  for (let i = 0; i < entries.length; i += 1000) await seeding.schedule.addMany(entries.slice(i, i + 1000));
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const counter = new EntitiesReadCounter();
  const services = composeServices(config, { tablePrefix, logger: silentLogger, onEntitiesRead: counter.listener });
  await services.ready();
  const scanStarted = performance.now();
  // The scan sends each due policy to the rotation queue; its messages are rotated here as the host would.
  await services.scan.run();
  const drained = await drainRotationQueue(services);
  const scanSeconds = (performance.now() - scanStarted) / 1000;
  const entitiesRead = Object.fromEntries(counter.entities);
  return {
    stored,
    fullSeed,
    due: Math.ceil(stored / dueEvery),
    seedSeconds,
    scanSeconds,
    rotated: drained.rotated,
    failed: drained.failed + drained.threw,
    skipped: drained.skipped + drained['waiting-for-drain'],
    inProgress: drained['in-progress'],
    staleEntriesRemoved: drained.stale,
    entitiesRead,
    totalEntitiesRead: [...counter.entities.values()].reduce((a, b) => a + b, 0),
  };
}
