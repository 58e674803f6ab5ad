/**
 * npm run bench [-- --sizes 1000,10000,30000 --rotations 50 --full-seed-limit 10000]
 * npm run bench -- zero-lockout [--rotations 1000 --kinds postgresql,mariadb,redis --seed N --grace 1s --kill-rate 0.5 --probe-interval 10]
 * npm run bench -- reports [--vaults 2 --secrets 2000 | --large (10 × 10,000)] [--limit 1000]
 *   (the default run includes the reports' part at 2 × 2,000, about 25 s: Key Vault operations and peak heap per report;
 *   `-- reports` also measures the cost report's unit costs through the local host, which loads the app's function
 *   modules into this process, so the default run, whose fan-out benches load the deployed bundle, leaves it out)
 * npm run bench -- fan-out [--fan-out-vaults 1,2,4 --fan-out-latencies 0,40 --fan-out-rotations 200 --events 500 --event-rate 10]
 *   (the default run ends with the fan-out benches at these sizes; issue 13's full size is --fan-out-rotations 900)
 * npm run bench -- scale [--policies 100000 --due-percent 1 --secrets 100000 --vaults 10]
 *   (not in the default run: on Azurite, 20,000 policies seed in about 20 minutes and 100,000 in hours; 100,000 secrets in about 7; --secrets 0 or --policies 0 skips a part)
 * npm run bench -- cold-start [--runs 9]
 *   (fresh node processes importing the deployed bundle, the six SDK packages and the unbundled modules; no stand-ins;
 *   also the last part of the default run)
 * Prints figures; asserts nothing. Runs on Azurite and the Key Vault emulator
 * (throttling off, so the figures are the app's and not the emulated limit's).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startAzurite } from '../src/local/azurite.js';
import { localAppConfig } from '../src/local/local-app-config.js';
import { EmulatorAdminClient, startKeyVaultEmulator } from '../src/local/keyvault-emulator/index.js';
import { benchRotationCost } from './rotation-cost-bench.js';
import { benchScan } from './scan-bench.js';
import { printZeroLockout } from './zero-lockout/print.js';
import { measureZeroLockout } from './zero-lockout/measure.js';
import { PROBED_KINDS, type ProbedKind } from './zero-lockout/prober.js';
import { runReportsBench } from './reports/reports-bench.js';
import { printUnitCosts } from './reports/print-unit-costs.js';
import { runFanOutBenches, type FanOutOptions } from './fan-out/print.js';
import { runColdStartBench } from './cold-start/cold-start-bench.js';
import { runScaleBench } from './scale/scale-bench.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: 'string', default: '1000,10000,30000' },
    rotations: { type: 'string' },
    'full-seed-limit': { type: 'string', default: '10000' },
    kinds: { type: 'string', default: PROBED_KINDS.join(',') },
    seed: { type: 'string' },
    grace: { type: 'string', default: '1s' },
    'kill-rate': { type: 'string', default: '0.5' },
    'probe-interval': { type: 'string', default: '10' },
    'fan-out-vaults': { type: 'string', default: '1,2,4' },
    'fan-out-latencies': { type: 'string', default: '0,40' },
    'fan-out-rotations': { type: 'string', default: '200' },
    events: { type: 'string', default: '500' },
    'event-rate': { type: 'string', default: '10' },
    vaults: { type: 'string' },
    secrets: { type: 'string' },
    large: { type: 'boolean', default: false },
    limit: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '9' },
    policies: { type: 'string', default: '100000' },
    'due-percent': { type: 'string', default: '1' },
  },
});
const log = (line: string) => console.log(line);
const bench = positionals[0];
if (bench !== undefined && bench !== 'zero-lockout' && bench !== 'fan-out' && bench !== 'reports' && bench !== 'cold-start' && bench !== 'scale') {
  console.error(`unknown bench '${bench}': run without one for the rotation-cost, scan, reports, fan-out and cold-start benches, or name zero-lockout, cold-start, fan-out, reports or scale`);
  process.exit(2);
}

if (bench === 'zero-lockout') {
  const kinds = values.kinds.split(',').map((kind) => {
    if (!(PROBED_KINDS as readonly string[]).includes(kind)) throw new Error(`--kinds: '${kind}' is not one of ${PROBED_KINDS.join(', ')}`);
    return kind as ProbedKind;
  });
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const rotations = Number(values.rotations ?? '1000');
  log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores; zero-lockout: ${rotations} rotations per kind (${kinds.join(', ')}), seed ${seed}; replay with --seed ${seed}`);
  const figures = await measureZeroLockout({ rotations, kinds, seed, grace: values.grace, killRate: Number(values['kill-rate']), probeIntervalInMs: Number(values['probe-interval']), onProgress: log });
  printZeroLockout(figures, log);
} else if (bench === 'reports') {
  log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
  await runReportsBench({
    vaults: Number(values.vaults ?? (values.large ? '10' : '2')),
    secretsPerVault: Number(values.secrets ?? (values.large ? '10000' : '2000')),
    limit: Number(values.limit),
    log,
  });
  log('');
  await printUnitCosts(20, log);
} else if (bench === 'fan-out') {
  await runFanOutBenches(fanOutOptions(), log);
} else if (bench === 'cold-start') {
  await runColdStart();
} else if (bench === 'scale') {
  await runScaleBench({
    policies: Number(values.policies),
    duePercent: Number(values['due-percent']),
    secrets: Number(values.secrets ?? '100000'),
    vaults: Number(values.vaults ?? '10'),
    log,
  });
} else {
  await runDefaultBenches();
  log('');
  await runReportsBench({ vaults: 2, secretsPerVault: 2000, limit: Number(values.limit), log });
  log('');
  await runFanOutBenches(fanOutOptions(), log);
  log('');
  await runColdStart();
}

async function runColdStart(): Promise<void> {
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: '${values.runs}' is not a whole number of 1 or more`);
  await runColdStartBench({ root: join(import.meta.dirname, '..', '..'), runs, log });
}

function fanOutOptions(): FanOutOptions {
  const numbers = (flag: string, text: string): number[] =>
    text.split(',').map((item) => {
      const n = Number(item);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag}: '${item}' is not a whole number`);
      return n;
    });
  const vaults = numbers('fan-out-vaults', values['fan-out-vaults']).filter((n) => n > 0);
  if (vaults.some((n) => n > 4)) throw new Error('--fan-out-vaults: the bench stack has 4 vaults');
  return {
    vaults,
    latenciesInMs: numbers('fan-out-latencies', values['fan-out-latencies']),
    rotationsPerVault: numbers('fan-out-rotations', values['fan-out-rotations'])[0]!,
    events: numbers('events', values.events)[0]!,
    eventRatePerSecond: Math.max(1, numbers('event-rate', values['event-rate'])[0]!),
  };
}

async function runDefaultBenches(): Promise<void> {
  const sizes = values.sizes.split(',').map(Number);
  const rotations = Number(values.rotations ?? '50');
  const fullSeedLimit = Number(values['full-seed-limit']);

  const [azurite, emulator] = await Promise.all([startAzurite(), startKeyVaultEmulator({ throttling: { enabled: false } })]);
  try {
    const config = localAppConfig({ azuriteConnectionString: azurite.connectionString, emulatorCaCertPath: emulator.caCertPath, emulatorHost: emulator.host });
    const vault = emulator.vaults[0]!;
    const admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);

    log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores; Azurite in memory; Key Vault emulator with throttling off`);
    log('');
    log('Key Vault operations per generated rotation (emulator counts):');
    const cost = await benchRotationCost(config, vault, admin, rotations);
    for (const [operation, perRotation] of Object.entries(cost.perRotation)) log(`  ${operation.padEnd(32)} ${perRotation.toFixed(2)}`);
    log(`  ${'time per rotation (ms)'.padEnd(32)} ${cost.millisecondsPerRotation.toFixed(1)}   (${cost.rotations} rotations, sequential)`);
    log('');
    log('Due scan, 1% of stored policies due:');
    log(`  ${'stored'.padStart(8)} ${'due'.padStart(6)} ${'scan s'.padStart(8)} ${'rotated'.padStart(8)} ${'failed'.padStart(7)} ${'other'.padStart(7)} ${'entities read'.padStart(14)}   by operation        (seeding s)`);
    for (const stored of sizes) {
      const f = await benchScan(config, vault.url, stored, fullSeedLimit, log);
      const byOperation = Object.entries(f.entitiesRead).map(([op, n]) => `${op}=${n}`).join(' ');
      log(`  ${String(f.stored).padStart(8)} ${String(f.due).padStart(6)} ${f.scanSeconds.toFixed(2).padStart(8)} ${String(f.rotated).padStart(8)} ${String(f.failed).padStart(7)} ${String(f.skipped + f.inProgress + f.staleEntriesRemoved).padStart(7)} ${String(f.totalEntitiesRead).padStart(14)}   ${byOperation}   (${f.seedSeconds.toFixed(0)}${f.fullSeed ? '' : ', index-only seed'})`);
    }
    log('');
    log(`Seeds above ${fullSeedLimit} policies write every index entry (all the scan reads) but policy and state rows`);
    log('for the due ones only: Azurite scans its in-memory tables linearly, so a full seed of that size takes hours.');
  } finally {
    await Promise.all([azurite.stop(), emulator.stop()]);
  }
}
