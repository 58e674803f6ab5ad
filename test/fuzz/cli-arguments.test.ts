/**
 * Generated command lines for every kvrot command, against generated answers of the API and the
 * identity provider (a fake fetch: statuses, bodies that are valid, empty, not JSON or of another
 * shape, redirects, dropped connections). Every run ends in one of the documented exit codes
 * with a message, never a stack trace or an "unexpected error", and never waits on a clock:
 * time is virtual, so --wait's polling runs out at once.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { COMMANDS } from '../../src/cli/main.js';
import { runInProcess } from '../cli/cli-harness.js';
import { fuzzAppRuns, fuzzParameters, fuzzTimeoutInMs } from '../support/fuzz-settings.js';
import { hostileString } from './arbitraries.js';
import { holds } from './harness.js';
import { PropertyBroken } from './properties.js';

const RUNS = Math.max(100, fuzzAppRuns());
const CODES: readonly number[] = Object.values(EXIT);
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvrot-fuzz-'));
  mkdirSync(join(dir, 'vars'));
  writeFileSync(
    join(dir, 'Secretfile.yml'),
    `version: '1.0'
metadata:
  owner: team-fuzz
environments:
  default: dev
  profiles:
    dev: { var_files: [vars/dev.yml] }
    staging: { var_files: [vars/dev.yml] }
    production: { var_files: [vars/dev.yml] }
secrets:
  - name: api_key
    kind: random_string
    rotation_period: 30d
    config: { length: 40 }
    targets: [{ provider: azure, kind: key_vault, config: { vault_url: 'https://kv-app.vault.azure.net', secret_name: api-key } }]
`,
  );
  writeFileSync(join(dir, 'vars/dev.yml'), 'x: 1\n');
  const local = { api: 'http://127.0.0.1:7071/api', identityProvider: 'http://127.0.0.1:7072' };
  writeFileSync(join(dir, 'kvrot.config.json'), JSON.stringify({ environments: { dev: local, staging: local, production: local } }));
});

/** What the fake server answers: a status and a body, or no answer at all. */
const answer = fc.oneof(
  fc.constant({ drop: true as const }),
  fc.record({
    status: fc.constantFrom(200, 201, 202, 204, 302, 400, 401, 403, 404, 409, 412, 422, 429, 500, 502, 503),
    body: fc.oneof(
      fc.constant(''),
      fc.constant('not json'),
      fc.constant('{}'),
      fc.constant('{"items":[]}'),
      fc.constant('{"access_token":"a.eyJvaWQiOiJ4In0.c","token_type":"Bearer"}'),
      fc.constant('{"error":{"code":"ValidationFailed","message":"no","details":[{"path":"x","message":"bad"}]}}'),
      fc.constant('{"paths":{}}'),
      fc.constant('{"status":"ok","checks":{"tableStorage":"ok","rotationQueue":"ok"}}'),
      fc.constant('{"dryRun":true,"policyId":"api-key","wouldRotate":true,"reason":"x","value":"LEAKED-VALUE-7f3a"}'),
      fc.json({ maxDepth: 3 }),
    ),
  }),
);

/**
 * The identity provider answers a token unless told not to (so most runs reach the API); the API
 * answers the generated answers in turn.
 */
function fakeFetch(answers: readonly (typeof answer extends fc.Arbitrary<infer A> ? A : never)[], identityProviderFails: boolean): typeof fetch {
  let call = 0;
  return async (input) => {
    if (new URL(String(input)).port === '7072' && !identityProviderFails) return Response.json({ access_token: 'a.eyJvaWQiOiJ4In0.c', token_type: 'Bearer', expires_in: 3600 });
    const next = answers[call++ % answers.length]!;
    if ('drop' in next) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
    return new Response(next.status === 204 ? null : next.body, { status: next.status, headers: { 'content-type': 'application/json', ...(next.status === 302 ? { location: 'https://elsewhere.example' } : {}) } });
  };
}

const value = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('dev', 'staging', 'production', 'nope', 'api-key', 'Secretfile.yml', 'missing.yml', '1h', '30m', 'me', 'wendy', 'Rotation.Read', 'high', '0', '5', '-1', '720', '1.5', '1000000001', '', '2026-01-01T00:00:00Z') },
  { weight: 1, arbitrary: hostileString('dev').filter((text) => text.length < 500 && !text.includes('\u0000')) },
);
const FLAGS = ['-e', '--environment', '--env', '-f', '--file', '--as', '--roles', '--json', '--prune', '--wait', '--wait-timeout', '--reason', '--dry-run', '--comment', '--since', '--until', '--actor', '--action', '--policy', '--vault', '--secret', '--result', '--limit', '--min-severity', '--from', '--to', '--timeout-ms', '--var-file', '--strict', '--config', '--idempotency-key', '--reads-per-secret-per-month', '--help', '--bogus'];

/** What each command takes before its options, as a person would type it. */
const POSITIONAL: Record<string, fc.Arbitrary<string[]>> = {
  rotate: value.map((v) => [v]),
  history: value.map((v) => [v]),
  status: fc.array(value, { maxLength: 1 }),
  approve: fc.array(fc.oneof(fc.uuid(), value), { minLength: 1, maxLength: 2 }),
  reject: fc.array(fc.oneof(fc.uuid(), value), { minLength: 1, maxLength: 2 }),
  report: fc.oneof(fc.constantFrom('inventory', 'compliance', 'access', 'drift', 'cost'), value).map((v) => [v]),
};

/** Each command's own options, read from the program as main builds it: switches, and options taking a value. */
function registered(name: string): Command {
  const program = new Command();
  for (const command of COMMANDS) command.register(program, { io: undefined as never, run: async () => undefined });
  return program.commands.find((command) => command.name() === name)!;
}

/** The environment an API command requires is given by the line itself; validate's and cost's optional profile is generated. */
function optionsOf(name: string): { switches: string[]; valued: string[] } {
  const options = registered(name).options.filter((option) => !(option.long === '--environment' && option.mandatory) && !['--as', '--from', '--to', '--reason', '--config', '--file'].includes(option.long!));
  return { switches: options.filter((option) => !option.required && !option.optional).map((option) => option.long!), valued: options.filter((option) => option.required || option.optional).map((option) => option.long!) };
}

/** Mostly lines a person would type (so commands get as far as the API), some junk. */
const commandLine = fc.constantFrom(...COMMANDS.map((command) => command.name)).chain((name) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record({
          env: fc.constantFrom('dev', 'staging', 'production'),
          as: fc.constantFrom('wendy', 'alice'),
          positional: POSITIONAL[name] ?? fc.constant<string[]>([]),
          switches: fc.subarray(optionsOf(name).switches, { maxLength: Math.min(2, optionsOf(name).switches.length) }),
          options: optionsOf(name).valued.length > 0 ? fc.array(fc.tuple(fc.constantFrom(...optionsOf(name).valued), value), { maxLength: 1 }) : fc.constant<[string, string][]>([]),
        })
        .map(({ env, as, positional, switches, options }) => {
          const target = name === 'promote' ? ['--from', 'staging', '--to', env] : name === 'validate' || name === 'cost' ? [] : ['-e', env];
          const required = name === 'rotate' ? ['--reason', 'fuzz'] : [];
          const auth = name === 'validate' || name === 'cost' ? [] : ['--as', as];
          return [name, ...positional, ...target, ...required, ...auth, ...switches, ...options.flat()];
        }),
    },
    // Junk after the command's name or one of its aliases (policy-check, drift-detect, cost-estimate).
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(name, ...registered(name).aliases()), fc.array(fc.oneof(fc.constantFrom(...FLAGS), value), { maxLength: 6 })).map(([called, rest]) => [called, ...rest]) },
  ),
);

describe('generated command lines for every kvrot command, against generated answers', () => {
  it(
    `end in a documented exit code with a message, never a stack trace: ${RUNS} cases`,
    async () => {
      await holds(
        fc.asyncProperty(commandLine, fc.array(answer, { minLength: 1, maxLength: 6 }), fc.nat(9), async (argv, answers, roll) => {
          let clock = Date.UTC(2026, 11, 1);
          const run = await runInProcess(argv, {
            cwd: dir,
            env: { NO_COLOR: '1', KVROT_STATE: join(dir, `state-${Math.random().toString(36).slice(2)}.json`) },
            fetch: fakeFetch(answers, roll === 0),
            now: () => new Date(clock),
            sleep: async (ms) => void (clock += ms),
          });
          const output = run.stderr + run.stdout;
          if (!CODES.includes(run.code)) throw new PropertyBroken(`exit ${run.code} for ${JSON.stringify(argv)}`);
          if (/\n\s+at .+:\d+:\d+\)?$/m.test(output)) throw new PropertyBroken(`a stack trace for ${JSON.stringify(argv)}: ${run.stderr.slice(0, 400)}`);
          if (run.stderr.includes('unexpected error')) throw new PropertyBroken(`an unexpected error for ${JSON.stringify(argv)}: ${run.stderr.slice(0, 400)}`);
          if (run.code !== 0 && output.trim() === '') throw new PropertyBroken(`exit ${run.code} without a message for ${JSON.stringify(argv)}`);
          if (output.includes('LEAKED-VALUE-7f3a')) throw new PropertyBroken(`printed a value the API should never have sent: ${JSON.stringify(argv)}`);
        }),
        fuzzParameters('kvrot argv against generated answers', RUNS),
      );
    },
    fuzzTimeoutInMs(RUNS, 300),
  );
});
