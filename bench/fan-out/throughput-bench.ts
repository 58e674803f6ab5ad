/**
 * Sustained rotations per second per vault through the fan-out, on the local stack with the
 * emulator's real throttling (300 creates and 4,000 other operations per vault per 10 s): N due
 * policies per vault are seeded, the timer's scan sends them to the rotation queue, and the host
 * rotates them. Optionally every Key Vault call of those vaults waits `latencyInMs` first (the
 * emulator's fault API), closer to a real vault. Counted: each vault's rotations and the time
 * until its last, failed rotations, 429s, versions per secret and poison messages.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parsePolicy } from '../../src/core/policy/policy.js';
import type { DueEntry } from '../../src/core/ports.js';
import { BENCH_VAULTS, type FanOutStack } from './stack.js';

export interface ThroughputFigures {
  vaults: number;
  latencyInMs: number;
  rotationsPerVault: number;
  /** Each vault's rotations over the time from the scan until its last one. */
  perVaultPerSecond: number[];
  totalPerSecond: number;
  seconds: number;
  failed: number;
  /** Secrets without exactly one version. */
  versionMismatches: number;
  throttled: number;
  poisoned: number;
  /** The machine's 1-minute load average when the run ended (other work shares these cores). */
  loadAverage: number;
  /** CPU cores busy on average while rotating: Azurite's process, and this one (host, app, emulator). */
  azuriteCores: number;
  appCores: number;
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

export async function benchThroughput(stack: FanOutStack, vaultCount: number, latencyInMs: number, rotationsPerVault: number): Promise<ThroughputFigures> {
  const vaults = stack.emulator.vaults.filter((v) => BENCH_VAULTS.slice(0, vaultCount).includes(v.name));
  // A fresh start: empty vaults, empty throttle windows, no faults, empty tables.
  await stack.admin.reset();
  await stack.emptyTables();
  if (latencyInMs > 0) for (const vault of vaults) await stack.admin.injectFault({ vault: vault.name, latencyInMs, count: 1_000_000_000 });
  const run = randomBytes(3).toString('hex');
  const dueAt = new Date(stack.emulator.clock.now().getTime() - 60_000);
  // Ids that interleave the vaults, so the scan (which lists by due time, then id) sends them in turns.
  const policies = Array.from({ length: rotationsPerVault }).flatMap((_, i) =>
    vaults.map((vault, v) =>
      parsePolicy({
        id: `t${run}-${String(i).padStart(6, '0')}-${v}`,
        vaultUrl: vault.url,
        secretName: `t${run}-${i}`,
        generator: { kind: 'random_password', length: 24 },
        rotation: { every: '90d', validFor: '120d' },
        environment: 'bench',
        owner: 'bench',
      }),
    ),
  );
  await inParallel(policies, 32, async (policy) => {
    await stack.tables.policies.put(policy);
    await stack.tables.states.save({ policyId: policy.id, consecutiveFailures: 0, nextDueAt: dueAt }, undefined);
  });
  const entries: DueEntry[] = policies.map((p) => ({ policyId: p.id, dueAt }));
  for (let i = 0; i < entries.length; i += 1000) await stack.tables.schedule.addMany(entries.slice(i, i + 1000));
  const poisonBefore = await poisonCount(stack);

  // Act: the timer's scan, then the host's queue poller; each vault's end is when its last create landed
  const started = performance.now();
  const cpuBefore = stack.cpuSeconds();
  const finishedAt = new Map<string, number>();
  await stack.host.invoke('scanDuePolicies');
  while (finishedAt.size < vaults.length) {
    const counts = await stack.admin.counts();
    for (const vault of vaults) {
      if (!finishedAt.has(vault.name) && (counts[vault.name]?.operations.setSecret ?? 0) >= rotationsPerVault) finishedAt.set(vault.name, performance.now());
    }
    if (performance.now() - started > 20 * 60_000) throw new Error('the rotations did not finish within 20 minutes');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (Math.max(...finishedAt.values()) - started) / 1000;
  const cpuAfter = stack.cpuSeconds();
  await stack.host.queuesIdle(10 * 60_000);

  // Check: every policy rotated once, without a failure
  let failed = 0;
  await inParallel(policies, 32, async (policy) => {
    const state = (await stack.tables.states.get(policy.id))?.state;
    if (!state?.currentVersion || state.consecutiveFailures > 0 || state.active) failed++;
  });
  const counts = await stack.admin.counts();
  const creates = vaults.reduce((sum, v) => sum + (counts[v.name]?.operations.setSecret ?? 0), 0);
  return {
    vaults: vaultCount,
    latencyInMs,
    rotationsPerVault,
    perVaultPerSecond: vaults.map((v) => rotationsPerVault / ((finishedAt.get(v.name)! - started) / 1000)),
    totalPerSecond: policies.length / seconds,
    seconds,
    failed,
    versionMismatches: Math.abs(creates - policies.length),
    throttled: vaults.reduce((sum, v) => sum + (counts[v.name]?.throttled ?? 0), 0),
    poisoned: (await poisonCount(stack)) - poisonBefore,
    loadAverage: loadavg()[0]!,
    azuriteCores: (cpuAfter.azurite - cpuBefore.azurite) / seconds,
    appCores: (cpuAfter.app - cpuBefore.app) / seconds,
  };
}

async function poisonCount(stack: FanOutStack): Promise<number> {
  const queue = stack.clients.queueClient(`${stack.config.rotationQueueName}-poison`);
  if (!(await queue.exists())) return 0;
  return (await queue.getProperties()).approximateMessagesCount ?? 0;
}
