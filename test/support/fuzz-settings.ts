/**
 * How many generated cases a fuzz suite runs and from which seed. CI runs a fixed
 * seed (FUZZ_SEED, default below) so a failure replays; `npm run fuzz` passes a
 * random seed, prints it, and raises the counts. Per surface: FUZZ_RUNS cases into
 * the core's parsers (no I/O), FUZZ_APP_RUNS into the app's handlers in process
 * (each may touch Azurite and the emulator), FUZZ_HTTP_RUNS over HTTP through the host.
 * The defaults keep test/fuzz within about a minute on two cores.
 */
import type { Parameters } from 'fast-check';

export const DEFAULT_FUZZ_SEED = 20_261_202;

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, got '${raw}'`);
  return value;
}

export function fuzzSeed(): number {
  const raw = process.env['FUZZ_SEED']?.trim();
  if (!raw) return DEFAULT_FUZZ_SEED;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`FUZZ_SEED must be a whole number, got '${raw}'`);
  return value | 0;
}

/** Cases per surface into the core's parsers. */
export function fuzzRuns(): number {
  return positiveInt('FUZZ_RUNS', 10_000);
}

/** Cases per surface into the app's handlers, in process. */
export function fuzzAppRuns(): number {
  return positiveInt('FUZZ_APP_RUNS', 200);
}

/** Cases per surface over HTTP through the local host. */
export function fuzzHttpRuns(): number {
  return positiveInt('FUZZ_HTTP_RUNS', 100);
}

/**
 * fast-check parameters for one property run `runs` times. Each property gets its own
 * seed derived from the run's, so adding a property does not change what the others generate.
 */
export function fuzzParameters<T>(property: string, runs: number): Parameters<T> {
  let hash = fuzzSeed();
  for (const char of property) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return { seed: hash, numRuns: Math.max(1, Math.round(runs)) };
}

/** The storms' long version (minutes) instead of CI's compressed one (seconds). */
export function longStorms(): boolean {
  return process.env['STORM_LONG'] === '1';
}

/** A test's time limit for `runs` cases at up to `perCaseInMs` each: npm run fuzz's counts must not time out. */
export function fuzzTimeoutInMs(runs: number, perCaseInMs = 50): number {
  return Math.max(600_000, runs * perCaseInMs);
}
