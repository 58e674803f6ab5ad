/** Prints the measured unit costs beside the figures the cost report uses, naming any that went stale. */
import { MEASURED } from '../../src/core/reports/cost/cost-report.js';
import { asCostFigures, measureUnitCosts, staleFigures, VAULT_ONLY_FIGURES } from './unit-costs.js';

export async function printUnitCosts(rotations: number, log: (line: string) => void): Promise<void> {
  log(`Unit costs the cost report uses, measured through the local host (bench/reports/unit-costs.ts; ${rotations} scheduled rotations):`);
  const units = await measureUnitCosts(rotations);
  const measured = asCostFigures(units);
  log(`  ${'figure'.padEnd(28)} ${'measured'.padStart(9)} ${'report'.padStart(7)}`);
  for (const name of VAULT_ONLY_FIGURES) log(`  ${name.padEnd(28)} ${String(measured[name]).padStart(9)} ${String(MEASURED[name]).padStart(7)}`);
  const q = units.rotation.queue;
  log(`  queue per rotation: ${q.send} send, ${q.receive} receive, ${q.delete} delete, ${q.update} update; ${units.emptyPolls} polls of the empty queue meanwhile (priced as host polling)`);
  const stale = staleFigures(measured, MEASURED);
  log(stale.length === 0 ? '  every figure the report uses equals the measurement' : `  STALE: ${stale.join('; ')}`);
  if (units.errors.length > 0) log(`  the app logged ${units.errors.length} error(s) while measured: ${units.errors[0]}`);
}
