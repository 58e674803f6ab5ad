/** Prints the measured unit costs beside the figures the cost report uses, naming any that went stale. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
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
  log('');
  await printConsumerUnitCostsApart(2, log);
}

/**
 * The consumer part in a process of its own (print-consumer-unit-costs.ts): the app's services are
 * built once a process, for the stack that built them first. Its lines are relayed as they come.
 */
export async function printConsumerUnitCostsApart(rotations: number, log: (line: string) => void): Promise<void> {
  const script = join(import.meta.dirname, `print-consumer-unit-costs${import.meta.filename.endsWith('.ts') ? '.ts' : '.js'}`);
  const child = spawn(process.execPath, [script, String(rotations)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let rest = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) log(line);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (rest) log(rest);
  if (code !== 0) log(`  the consumer measurement exited with ${code}`);
}

