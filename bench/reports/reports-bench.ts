/**
 * npm run bench -- reports [--vaults 2 --secrets 2000] [--large] [--limit 1000]
 * Seeds N vaults × M secrets (a mix that gives every report work: no expiry, expired, near
 * expiry, no content type, tagged as ours without a policy, and 1% governed by policies that
 * were rotated), then runs the inventory, compliance and drift reports' first page with its
 * summary (a full pass over every vault) as the app composes them, and prints the Key Vault
 * operations each cost per vault (the emulator's counts), whether any was throttled (the
 * emulator enforces Key Vault's 4,000 per vault per 10 s), and the peak heap. Asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { composeServices, type AppServices } from '../../src/composition.js';
import { createAzureClientFactory } from '../../src/adapters/azure-clients.js';
import { silentLogger } from '../../src/core/logger.js';
import { startAzurite } from '../../src/local/azurite.js';
import { EmulatorAdminClient, type VaultCounts } from '../../src/local/keyvault-emulator/index.js';
import { localAppConfig } from '../../src/local/local-app-config.js';

export interface ReportsBenchOptions {
  vaults: number;
  secretsPerVault: number;
  /** REPORTS_KEY_VAULT_OPERATIONS_PER_10_SECONDS. */
  limit: number;
  log: (line: string) => void;
}

export interface EmulatorChild {
  process: ChildProcess;
  vaults: { name: string; url: string }[];
  host: string;
  caCertPath: string;
  caCertPem: string;
  adminUrl: string;
}

export async function startEmulatorProcess(vaultNames: string[]): Promise<EmulatorChild> {
  const script = fileURLToPath(new URL('./emulator-process.js', import.meta.url));
  const child = spawn(process.execPath, [script, vaultNames.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  return { process: child, ...(JSON.parse(line) as Omit<EmulatorChild, 'process'>) };
}

const DAY = 86_400_000;

/** The i-th secret of a vault: mostly clean, with a share of each kind of finding. */
export function seedOf(i: number): { expiresOn?: Date; contentType?: string; tags?: Record<string, string> } {
  const now = Date.now();
  const kind = i % 100;
  if (kind < 10) return { contentType: 'text/plain' };
  if (kind < 15) return { expiresOn: new Date(now - 2 * DAY), contentType: 'text/plain' };
  if (kind < 20) return { expiresOn: new Date(now + 10 * DAY), contentType: 'text/plain' };
  if (kind < 30) return { expiresOn: new Date(now + 100 * DAY) };
  if (kind < 32) return { expiresOn: new Date(now + 100 * DAY), contentType: 'text/plain', tags: { 'managed-by': 'kv-rotation', 'rotation-policy-id': 'gone' } };
  return { expiresOn: new Date(now + 100 * DAY), contentType: 'text/plain' };
}

async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

function totalsOf(before: Record<string, VaultCounts>, after: Record<string, VaultCounts>, vaults: string[]) {
  const per: Record<string, { list: number; versions: number; gets: number; other: number; throttled: number }> = {};
  for (const vault of vaults) {
    const a = after[vault]!;
    const b = before[vault]!;
    const delta = (op: keyof VaultCounts['operations']) => a.operations[op] - b.operations[op];
    const all = Object.keys(a.operations).reduce((sum, op) => sum + delta(op as keyof VaultCounts['operations']), 0);
    per[vault] = {
      list: delta('listPropertiesOfSecrets'),
      versions: delta('listPropertiesOfSecretVersions'),
      gets: delta('getSecret'),
      other: all - delta('listPropertiesOfSecrets') - delta('listPropertiesOfSecretVersions') - delta('getSecret'),
      throttled: a.throttled - b.throttled,
    };
  }
  return per;
}

/** Runs `work` while sampling the heap every 10 ms; the peak above the heap when it started. */
async function withPeakHeap<T>(work: () => Promise<T>): Promise<{ result: T; baselineMb: number; peakMb: number; rssPeakMb: number; seconds: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  let rssPeak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.heapUsed);
    rssPeak = Math.max(rssPeak, usage.rss);
  }, 10);
  const started = performance.now();
  try {
    const result = await work();
    return { result, baselineMb: baseline / 2 ** 20, peakMb: peak / 2 ** 20, rssPeakMb: rssPeak / 2 ** 20, seconds: (performance.now() - started) / 1000 };
  } finally {
    clearInterval(timer);
  }
}

export async function runReportsBench(options: ReportsBenchOptions): Promise<void> {
  const { log } = options;
  const names = Array.from({ length: options.vaults }, (_, i) => `kv-bench-${String(i).padStart(2, '0')}`);
  const [azurite, emulator] = await Promise.all([startAzurite(), startEmulatorProcess(names)]);
  try {
    const admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
    const standIns = { azuriteConnectionString: azurite.connectionString, emulatorCaCertPath: emulator.caCertPath, emulatorHost: emulator.host };
    const base = localAppConfig(standIns);
    const config = localAppConfig(standIns, { governedVaultUrls: emulator.vaults.map((v) => v.url.toLowerCase()), reports: { ...base.reports, keyVaultOperationsPer10Seconds: options.limit } });
    const services: AppServices = composeServices(config, { tablePrefix: `rb${Date.now().toString(36)}`, logger: silentLogger });
    await services.ready();

    log(`Reports bench: ${options.vaults} vaults × ${options.secretsPerVault} secrets, the reports' limit ${options.limit} Key Vault operations per vault per 10 s (Key Vault's: 4,000)`);
    const seedStarted = performance.now();
    // Seeding is not what is measured: its clients are not paced to Key Vault's 300 creates per 10 s (the emulator does not throttle creates here).
    const clients = createAzureClientFactory({ ...config, keyVaultLimits: { createsPer10Seconds: 1_000_000_000, othersPer10Seconds: 1_000_000_000 } });
    const managedEvery = 100;
    for (const vault of emulator.vaults) {
      const client = clients.secretClient(vault.url);
      const indexes = Array.from({ length: options.secretsPerVault }, (_, i) => i);
      await inParallel(indexes, 48, async (i) => {
        const name = `s-${String(i).padStart(6, '0')}`;
        if (i % managedEvery === 50) {
          const id = `${vault.name}-${name}`.slice(0, 63);
          await services.admin.put(id, { id, vaultUrl: vault.url, secretName: name, generator: { kind: 'random_password', length: 32 }, rotation: { every: '60d', validFor: '100d' }, environment: 'bench', owner: 'bench', contentType: 'text/plain' }, 'bench');
          await services.engine.rotate(id, { kind: 'http', actor: 'bench', reason: 'seed' });
          return;
        }
        await client.setSecret(name, 'bench-value', seedOf(i));
      });
    }
    log(`  seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s (${Math.floor(options.secretsPerVault / managedEvery)} policies per vault, rotated once)`);
    log('');
    log(`  ${'report (first page + summary)'.padEnd(32)} ${'s'.padStart(7)} ${'list /secrets'.padStart(14)} ${'list versions'.padStart(14)} ${'get'.padStart(5)} ${'429s'.padStart(5)} ${'heap MB: start'.padStart(15)} ${'peak'.padStart(7)} ${'rss peak'.padStart(9)}`);
    const vaultNames = emulator.vaults.map((v) => v.name);
    const runs: [string, () => Promise<unknown>][] = [
      ['inventory', () => services.reports.inventory({ pageSize: 100, summary: true })],
      ['compliance', () => services.reports.compliance({ pageSize: 100, summary: true })],
      ['drift', () => services.reports.drift({ pageSize: 100, summary: true })],
    ];
    const allBefore = await admin.counts();
    for (const [name, run] of runs) {
      const before = await admin.counts();
      const measured = await withPeakHeap(run);
      const per = totalsOf(before, await admin.counts(), vaultNames);
      const sum = (key: 'list' | 'versions' | 'gets' | 'throttled') => Object.values(per).reduce((s, v) => s + v[key], 0);
      log(`  ${name.padEnd(32)} ${measured.seconds.toFixed(1).padStart(7)} ${String(sum('list')).padStart(14)} ${String(sum('versions')).padStart(14)} ${String(sum('gets')).padStart(5)} ${String(sum('throttled')).padStart(5)} ${measured.baselineMb.toFixed(1).padStart(15)} ${measured.peakMb.toFixed(1).padStart(7)} ${measured.rssPeakMb.toFixed(0).padStart(9)}`);
    }
    const per = totalsOf(allBefore, await admin.counts(), vaultNames);
    const first = per[vaultNames[0]!]!;
    const pages = Math.ceil(options.secretsPerVault / 25);
    log('');
    log(`  ${vaultNames[0]}, the three reports together: ${first.list} list calls (${pages} Key Vault pages of 25 per pass; each summary is one pass, and each first page reads a few more),`);
    log(`  ${first.versions} version listings (drift's existence check, one per policy), ${first.gets} gets (no value is ever read); ${Object.values(per).reduce((s, v) => s + v.throttled, 0)} throttled in all vaults`);
    log('');
  } finally {
    emulator.process.stdin?.end();
    await once(emulator.process, 'exit').catch(() => undefined);
    await azurite.stop();
  }
}
