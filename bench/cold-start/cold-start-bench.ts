/**
 * Cold start: how long a fresh `node` process takes to import what the Functions host imports
 * (package.json `main`, the bundle), against a process that only imports the six packages the
 * app is built on. Whole processes, start to exit, so Node's own start-up and module resolution
 * count on both sides; each side runs the same number of times, in alternating order, with the
 * same environment (local.settings.sample.json's settings, which the function modules read when
 * they load), and the medians are compared.
 *
 * Outside the Functions worker @azure/functions prints its "test mode" warnings on every side
 * that imports it (all but the empty process); they are discarded the same way on each.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The plain SDK import issue 13 measures against. */
export const PLAIN_PACKAGES = ['@azure/functions', '@azure/identity', '@azure/keyvault-secrets', '@azure/data-tables', '@azure/eventgrid', 'zod'] as const;

export interface ColdStartOptions {
  /** The repository root (package.json, dist/). */
  root: string;
  runs: number;
  log: (line: string) => void;
}

interface Side {
  label: string;
  /** ESM source for `node --input-type=module -e`, run in root. */
  script: string;
}

export interface ColdStartFigures {
  runs: number;
  medians: { label: string; medianInMs: number }[];
  plainInMs: number;
  bundleInMs: number;
  unbundledInMs: number;
  emptyInMs: number;
}

/** Imports in the order given, one after another, as the host imports the modules `main` names. */
function importAll(specifiers: readonly string[]): string {
  return `for (const specifier of ${JSON.stringify(specifiers)}) await import(specifier);`;
}

/** The settings the function modules need to load (two read theirs at registration). */
function sampleSettings(root: string): Record<string, string> {
  const sample = JSON.parse(readFileSync(join(root, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };
  return Object.fromEntries(Object.entries(sample.Values).filter(([, value]) => value !== ''));
}

function runOnce(root: string, script: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 20_000) stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const elapsed = performance.now() - started;
      if (code === 0) resolve(elapsed);
      else reject(new Error(`node -e ${JSON.stringify(script.slice(0, 120))} exited with ${code}: ${stderr.split('\n').filter((l) => !l.startsWith('WARNING:')).join('\n').slice(0, 2000)}`));
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function kilobytes(path: string): string {
  return `${(statSync(path).size / 1024).toFixed(0)} KB`;
}

export async function runColdStartBench(options: ColdStartOptions): Promise<ColdStartFigures> {
  const { root, runs, log } = options;
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: string };
  const bundle = join(root, manifest.main ?? 'dist/bundle/index.mjs');
  const functionsDir = join(root, 'dist', 'src', 'functions');
  if (!existsSync(bundle) || !existsSync(functionsDir)) throw new Error(`cold-start: ${existsSync(bundle) ? functionsDir : bundle} is missing: run npm run build (npm run bench does)`);
  const unbundled = readdirSync(functionsDir).filter((name) => name.endsWith('.js')).sort().map((name) => pathToFileURL(join(functionsDir, name)).href);

  const sides: Side[] = [
    { label: 'node, importing nothing', script: '' },
    { label: `plain import of ${PLAIN_PACKAGES.join(', ')}`, script: importAll(PLAIN_PACKAGES) },
    { label: `deployed bundle (${manifest.main}, ${kilobytes(bundle)})`, script: importAll([pathToFileURL(bundle).href]) },
    { label: `unbundled dist/src/functions/*.js (${unbundled.length} modules), for reference`, script: importAll(unbundled) },
  ];
  const env = { ...process.env, ...sampleSettings(root) };
  const samples = sides.map(() => [] as number[]);
  // One warm-up round, not counted, so the first side measured does not pay for a cold file cache alone.
  for (const side of sides) await runOnce(root, side.script, env);
  for (let round = 0; round < runs; round++) {
    const order = sides.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) samples[i]!.push(await runOnce(root, sides[i]!.script, env));
  }

  const medians = sides.map((side, i) => ({ label: side.label, medianInMs: median(samples[i]!) }));
  const [empty, plain, bundled, reference] = medians.map((m) => m.medianInMs) as [number, number, number, number];
  log(`Cold start: whole \`node\` processes, start to exit, median of ${runs} runs each in alternating order; Node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)} at the end`);
  for (const [i, m] of medians.entries()) {
    const ratio = i >= 2 ? `   ${(m.medianInMs / plain).toFixed(2)}× the plain import` : '';
    log(`  ${m.medianInMs.toFixed(0).padStart(6)} ms  ${m.label}${ratio}`);
  }
  log(`  bundle / plain: ${(bundled / plain).toFixed(2)}× (goal 0.5× or less); without Node's own start-up (the empty process): ${((bundled - empty) / (plain - empty)).toFixed(2)}×`);
  log(`  npm run bench -- cold-start --runs ${runs}`);
  return { runs, medians, plainInMs: plain, bundleInMs: bundled, unbundledInMs: reference, emptyInMs: empty };
}
