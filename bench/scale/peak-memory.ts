/** Runs an operation and its baseline in child processes (memory-child.ts) and compares their peaks. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { MeasuredOperation, MemoryChildAnswer, MemoryChildRequest } from './memory-child.js';

export interface PeakMemory {
  /** One answer per run, in the order they ran. */
  baselines: MemoryChildAnswer[];
  measured: MemoryChildAnswer[];
  /** The median of the measured peaks minus the median of the baselines', in KiB. */
  baselineMedianKib: number;
  measuredMedianKib: number;
  differenceInBytes: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function runChild(request: MemoryChildRequest): Promise<MemoryChildAnswer> {
  const script = fileURLToPath(new URL('./memory-child.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script, JSON.stringify(request)], { maxBuffer: 16 * 2 ** 20 });
  const answer = JSON.parse(stdout.trim().split('\n').pop() ?? '') as MemoryChildAnswer;
  if (answer.operation !== request.operation) throw new Error(`the memory child answered for '${answer.operation}', not '${request.operation}'`);
  return answer;
}

/**
 * A baseline, then the operation, `runs` times over, one child at a time (never at once: they
 * would share the cores). A process's peak varies by a few MiB from run to run, hence medians.
 */
export async function measurePeakMemory(operation: Exclude<MeasuredOperation, 'baseline'>, request: Omit<MemoryChildRequest, 'operation'>, runs: number): Promise<PeakMemory> {
  const baselines: MemoryChildAnswer[] = [];
  const measured: MemoryChildAnswer[] = [];
  for (let run = 0; run < runs; run++) {
    baselines.push(await runChild({ ...request, operation: 'baseline' }));
    measured.push(await runChild({ ...request, operation }));
  }
  const baselineMedianKib = median(baselines.map((answer) => answer.maxRssKib));
  const measuredMedianKib = median(measured.map((answer) => answer.maxRssKib));
  return { baselines, measured, baselineMedianKib, measuredMedianKib, differenceInBytes: (measuredMedianKib - baselineMedianKib) * 1024 };
}
