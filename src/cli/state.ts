/**
 * What kvrot remembers between runs, in .kvrot/state.json (beside where it runs; KVROT_STATE
 * names another file): per environment, the last apply (the Secretfile's hash and the change
 * requests it made, which `status` follows, and which `promote` holds against the source's smoke
 * test). Smoke tests are recorded by the API, not here. It holds no token and no value.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { CliUsageError } from './errors.js';
import { writeTextFile, type CliIo } from './io.js';
import { shown } from './output.js';

const applied = z.strictObject({
  at: z.string(),
  api: z.string(),
  file: z.string(),
  fileHash: z.string(),
  changeRequests: z.array(z.string()),
  /** promote: the environment whose smoke test this apply stood on. */
  promotedFrom: z.string().optional(),
});

export const stateSchema = z.strictObject({
  kvrotState: z.literal(1),
  environments: z.record(
    z.string(),
    // lastSmoke: what kvrot wrote before the API recorded smoke tests; read, dropped, never trusted.
    z.strictObject({ lastApply: applied.optional(), lastSmoke: z.unknown().optional() }).transform(({ lastApply }): { lastApply?: z.output<typeof applied> } => (lastApply ? { lastApply } : {})),
  ),
});

export type KvrotState = z.output<typeof stateSchema>;
export type EnvironmentState = KvrotState['environments'][string];

const MAX_STATE_BYTES = 1024 * 1024;

export function statePath(io: CliIo): string {
  return resolve(io.cwd, io.env['KVROT_STATE'] ?? '.kvrot/state.json');
}

export function readState(io: CliIo): KvrotState {
  const path = statePath(io);
  const read = io.readTextFile(path, MAX_STATE_BYTES);
  if (!('text' in read)) {
    if (read.reason === 'missing') return { kvrotState: 1, environments: {} };
    throw new CliUsageError(`cannot read ${shown(path)}: ${read.problem}`);
  }
  let parsed;
  try {
    parsed = stateSchema.safeParse(JSON.parse(read.text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) throw new CliUsageError(`${shown(path)} is not kvrot's state; move it away (kvrot starts a new one)`);
  return parsed.data;
}

/** Reads, changes one environment's entry, writes whole. */
export function updateState(io: CliIo, environment: string, change: (entry: EnvironmentState) => EnvironmentState): void {
  const state = readState(io);
  const entry = Object.hasOwn(state.environments, environment) ? state.environments[environment]! : {};
  state.environments[environment] = change(entry);
  (io.writeTextFile ?? writeTextFile)(statePath(io), `${JSON.stringify(state, null, 2)}\n`);
}

export function environmentState(io: CliIo, environment: string): EnvironmentState {
  const state = readState(io);
  return Object.hasOwn(state.environments, environment) ? state.environments[environment]! : {};
}
