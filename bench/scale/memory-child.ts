/**
 * One operation of the app in a process of its own, so that its peak resident set is the
 * operation's and the app's alone (Azurite and the Key Vault emulator run in other processes).
 * 'baseline' imports, composes and readies the app exactly as the others do, then stops: the
 * difference between an operation's peak and the baseline's is what the operation cost.
 * Takes a MemoryChildRequest as JSON in argv[2]; prints one MemoryChildAnswer as JSON.
 */
import { readFileSync } from 'node:fs';
import { composeServices } from '../../src/composition.js';
import { silentLogger } from '../../src/core/logger.js';
import { localAppConfig, type LocalStandIns } from '../../src/local/local-app-config.js';

export type MeasuredOperation = 'baseline' | 'scan' | 'inventory';

export interface MemoryChildRequest {
  operation: MeasuredOperation;
  standIns: LocalStandIns;
  tablePrefix: string;
  rotationQueueName: string;
  governedVaultUrls: string[];
}

export interface MemoryChildAnswer {
  operation: MeasuredOperation;
  /** VmHWM of /proc/self/status (Linux; maxRSS elsewhere), in KiB: this process image's peak resident set. */
  maxRssKib: number;
  heapUsedMib: number;
  seconds: number;
  /** What the operation reported (the scan's counts, the inventory's summary), to show it did its work. */
  outcome: unknown;
}

const request = JSON.parse(process.argv[2] ?? '') as MemoryChildRequest;
// Every child loads the SDKs up front, so an SDK that the app imports lazily counts in the baseline too.
await Promise.all([import('@azure/data-tables'), import('@azure/storage-queue'), import('@azure/keyvault-secrets')]);
const config = localAppConfig(request.standIns, { governedVaultUrls: request.governedVaultUrls, rotationQueueName: request.rotationQueueName });
const services = composeServices(config, { tablePrefix: request.tablePrefix, logger: silentLogger });
await services.ready();

const started = performance.now();
let outcome: unknown = null;
if (request.operation === 'scan') outcome = await services.scan.run();
if (request.operation === 'inventory') {
  // What GET /api/reports/inventory answers by default: the first page, with the summary's pass over every secret.
  const page = await services.reports.inventory({ pageSize: 100, summary: true });
  outcome = { items: page.items.length, summary: page.summary };
}
/**
 * This process image's own peak resident set. On Linux, getrusage's maxRSS (process.resourceUsage())
 * carries over exec the peak of the process this one was spawned from: a parent that had held
 * 400 MiB spawned a child whose maxRSS read 404 MiB and whose VmHWM read 39 MiB (Node 20), and at
 * 100,000 policies every child, baseline and scan alike, read the bench process's 344.7 MiB.
 * /proc/self/status's VmHWM is this image's alone.
 */
function ownPeakRssKib(): number {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((entry) => entry.startsWith('VmHWM:'));
    if (line) return Number(line.replace(/\D+/g, ''));
  } catch {
    // not Linux: getrusage's figure, with the caveat above
  }
  return process.resourceUsage().maxRSS;
}

const answer: MemoryChildAnswer = {
  operation: request.operation,
  maxRssKib: ownPeakRssKib(),
  heapUsedMib: process.memoryUsage().heapUsed / 2 ** 20,
  seconds: (performance.now() - started) / 1000,
  outcome,
};
process.stdout.write(`${JSON.stringify(answer)}\n`);
process.exit(0);
