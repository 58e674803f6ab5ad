/** The fan-out benches, run and printed, each figure with the command that reproduces it. */
import { cpus, loadavg } from 'node:os';
import { benchEventLatency } from './event-latency-bench.js';
import { startFanOutStack } from './stack.js';
import { benchThroughput } from './throughput-bench.js';

export interface FanOutOptions {
  vaults: number[];
  latenciesInMs: number[];
  rotationsPerVault: number;
  events: number;
  eventRatePerSecond: number;
}

export async function runFanOutBenches(options: FanOutOptions, log: (line: string) => void): Promise<void> {
  const stack = await startFanOutStack();
  try {
    log(`Fan-out through the rotation queue: Node ${process.version}, ${cpus().length} cores; Azurite in memory; Key Vault emulator with its real throttling (300 creates, 4,000 others per vault per 10 s); the local functions host polling the queue with host.json's settings`);
    log('');
    log('Sustained rotations per second per vault (timer scan -> queue -> rotateDuePolicy):');
    log(`  ${'vaults'.padStart(6)} ${'latency'.padStart(8)} ${'per vault/s'.padStart(22)} ${'total/s'.padStart(8)} ${'seconds'.padStart(8)} ${'failed'.padStart(7)} ${'versions off'.padStart(13)} ${'429s'.padStart(6)} ${'poison'.padStart(7)} ${'CPU azurite/app'.padStart(16)} ${'load'.padStart(5)}`);
    for (const latencyInMs of options.latenciesInMs) {
      for (const vaults of options.vaults) {
        const f = await benchThroughput(stack, vaults, latencyInMs, options.rotationsPerVault);
        const perVault = f.perVaultPerSecond.map((r) => r.toFixed(1)).join(' ');
        log(
          `  ${String(f.vaults).padStart(6)} ${`${f.latencyInMs} ms`.padStart(8)} ${perVault.padStart(22)} ${f.totalPerSecond.toFixed(1).padStart(8)} ${f.seconds.toFixed(1).padStart(8)} ${String(f.failed).padStart(7)} ${String(f.versionMismatches).padStart(13)} ${String(f.throttled).padStart(6)} ${String(f.poisoned).padStart(7)} ${`${f.azuriteCores.toFixed(2)}/${f.appCores.toFixed(2)}`.padStart(16)} ${f.loadAverage.toFixed(1).padStart(5)}` +
            `   npm run bench -- fan-out --fan-out-vaults ${vaults} --fan-out-latencies ${latencyInMs} --fan-out-rotations ${options.rotationsPerVault} --events 0`,
        );
      }
    }
    log(`  (${options.rotationsPerVault} due policies per vault; per vault/s is each vault's rotations over the time from the scan to its last one;`);
    log('   CPU is cores busy on average while rotating: Azurite\'s one process, and the process running the host, the app and the emulator;');
    log('   load is the machine\'s 1-minute load average at the end: other work shares its cores)');
    if (options.events > 0) {
      log('');
      log('SecretNearExpiry to new version, through Event Grid delivery to the host:');
      const e = await benchEventLatency(stack, options.events, options.eventRatePerSecond);
      log(
        `  (load ${loadavg()[0]!.toFixed(1)}) ${e.events} events at ${e.ratePerSecond}/s: p50 ${e.p50InMs.toFixed(0)} ms, p99 ${e.p99InMs.toFixed(0)} ms, max ${e.maxInMs.toFixed(0)} ms; ${e.rotated} rotated, ${e.missing} without a new version` +
          `   npm run bench -- fan-out --fan-out-vaults 0 --events ${options.events} --event-rate ${options.eventRatePerSecond}`,
      );
    }
  } finally {
    await stack.stop();
  }
}
