/**
 * Prints what rotations with consumers cost, measured (consumer-unit-costs.ts), beside the figures
 * the cost report uses, and whether the report's model explains each case. Run as its own process
 * by print-unit-costs.ts (the app's services are built once a process, and the vault-only
 * measurement built them for its own stack); `node dist/bench/reports/print-consumer-unit-costs.js [rotations]`.
 */
import { CONSUMER_FIGURES, MEASURED } from '../../src/core/reports/cost/cost-report.js';
import { CHECK_CASES, FITTED_CASES, fitConsumerFigures, measureConsumerUnitCosts, unexplained, wholeRotation } from './consumer-unit-costs.js';
import { staleFigures } from './unit-costs.js';

export async function printConsumerUnitCosts(rotations: number, log: (line: string) => void): Promise<void> {
  log(`Unit costs of rotations with consumers, measured through the local host (bench/reports/consumer-unit-costs.ts; ${rotations} scheduled rotations a case):`);
  const { results, errors } = await measureConsumerUnitCosts([...FITTED_CASES, ...CHECK_CASES], rotations);
  log(`  ${'case'.padEnd(22)} ${'steps'.padStart(5)} ${'KV own'.padStart(6)} ${'KV rep'.padStart(6)} ${'Table'.padStart(6)} ${'Queue'.padStart(5)} ${'exec'.padStart(4)} ${'events'.padStart(6)} ${'topic'.padStart(5)}  (per rotation, its events and drain checks included)`);
  for (const result of results) {
    const w = wholeRotation(result);
    const fitted = FITTED_CASES.includes(result.case) ? 'fitted' : 'checked';
    log(
      `  ${result.case.name.padEnd(22)} ${String(result.steps.length - 2).padStart(5)} ${String(w.keyVault.primary).padStart(6)} ${String(w.keyVault.replicas).padStart(6)} ${String(w.table).padStart(6)} ${String(w.queue).padStart(5)} ${String(w.executions).padStart(4)} ${String(w.rotationEvents).padStart(6)} ${String(w.followerEvents).padStart(5)}  ${fitted}`,
    );
  }
  const figures = fitConsumerFigures(results, MEASURED);
  log(`  ${'figure'.padEnd(32)} ${'measured'.padStart(9)} ${'report'.padStart(7)}`);
  for (const name of CONSUMER_FIGURES) log(`  ${name.padEnd(32)} ${String(figures[name]).padStart(9)} ${String(MEASURED[name]).padStart(7)}`);
  const stale = staleFigures(figures, MEASURED);
  log(stale.length === 0 ? '  every consumer figure the report uses equals the measurement' : `  STALE: ${stale.join('; ')}`);
  const problems = unexplained(results, MEASURED);
  log(problems.length === 0 ? "  the report's model explains every case, the checked ones included" : `  UNEXPLAINED: ${problems.join('; ')}`);
  if (errors.length > 0) log(`  the app logged ${errors.length} error(s) while measured: ${errors[0]}`);
}

if (process.argv[1] === import.meta.filename) {
  await printConsumerUnitCosts(Number(process.argv[2] ?? '2'), (line) => console.log(line));
  process.exit(0);
}
