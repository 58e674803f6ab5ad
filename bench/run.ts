/**
 * npm run bench [-- --sizes 1000,10000,30000 --rotations 50 --full-seed-limit 10000]
 * npm run bench -- zero-lockout [--rotations 1000 --kinds postgresql,mariadb,redis --seed N --grace 1s --kill-rate 0.5 --probe-interval 10]
 * Prints figures; asserts nothing. Runs on Azurite and the Key Vault emulator
 * (throttling off, so the figures are the app's and not the emulated limit's).
 */
import { parseArgs } from 'node:util';
import { startAzurite } from '../src/local/azurite.js';
import { localAppConfig } from '../src/local/local-app-config.js';
import { EmulatorAdminClient, startKeyVaultEmulator } from '../src/local/keyvault-emulator/index.js';
import { benchRotationCost } from './rotation-cost-bench.js';
import { benchScan } from './scan-bench.js';
import { printZeroLockout } from './zero-lockout/print.js';
import { measureZeroLockout } from './zero-lockout/measure.js';
import { PROBED_KINDS, type ProbedKind } from './zero-lockout/prober.js';

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
  },
});
const log = (line: string) => console.log(line);
const bench = positionals[0];
if (bench !== undefined && bench !== 'zero-lockout') {
  console.error(`unknown bench '${bench}': run without one for the rotation-cost and scan benches, or name zero-lockout`);
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
} else {
  await runDefaultBenches();
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
