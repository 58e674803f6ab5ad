/**
 * Generated Secretfiles into readSecretfile, and generated command lines into kvrot validate.
 * Every text must either make policies (each passing parsePolicy again) or problems naming
 * file, line, column and path; nothing else is thrown, nothing hangs (alias bombs included),
 * no static value is repeated. Every command line ends in 0, 1 or 2 with a message, never a
 * stack trace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { stringify } from 'yaml';
import { consumerKinds } from '../../src/composition.js';
import { parsePolicy } from '../../src/core/policy/policy.js';
import { readSecretfile, type SecretfileResult } from '../../src/core/secretfile/index.js';
import { runInProcess } from '../cli/cli-harness.js';
import { CORPUS } from '../core/secretfile/secretfile-mother.js';
import { fuzzAppRuns, fuzzParameters, fuzzRuns, fuzzTimeoutInMs } from '../support/fuzz-settings.js';
import { hostileString } from './arbitraries.js';
import { holds } from './harness.js';
import { PropertyBroken } from './properties.js';

/** A Secretfile case costs a YAML parse and a schema per secret: a tenth of the parser cases. */
const RUNS = Math.max(50, Math.round(fuzzRuns() / 10));
const CLI_RUNS = Math.max(50, Math.round(fuzzAppRuns() / 2));
/** A static value the generators plant; it must never come back in a message. */
const PLANTED = 'PLANTED-STATIC-VALUE-7f3a';
/** A case may be slow on a loaded machine, never this slow: that would be a hang or an expansion. */
const CASE_BUDGET_MS = 5_000;

const corpusFiles = ['features.yml', ...['basic', 'multi-environment', 'managed-identity', 'templates', 'multi-region', 'microservices', 'rotation-strategy', 'complete-production'].map((name) => `secretzero-docs/${name}.yml`)];
const corpus = corpusFiles.map((name) => readFileSync(join(CORPUS, name), 'utf8').replace(/DefaultEndpointsProtocol=[^\n]*/, PLANTED));

const YAML_PIECES = [': ', '- ', '&a ', '*a', '<<: *a', '{', '}', '[', ']', '"', "'", '|', '>', '#', '!!binary ', '!tag ', '---\n', '...\n', '\t', '\n', '  ', '${', '{{', '}}', 'var.', 'x-kvrot:', 'templates.', 'key_vault', '%YAML 1.2\n', '? ', '\u0000', '\ufeff', '\u202e'];

/** A corpus file with a few edits: text spliced in, lines dropped or repeated, a byte cut out. */
const mutatedCorpus = fc
  .tuple(
    fc.constantFrom(...corpus),
    fc.array(
      fc.oneof(
        fc.tuple(fc.constant('insert' as const), fc.nat(), fc.oneof(fc.constantFrom(...YAML_PIECES), hostileString('payments'))),
        fc.tuple(fc.constant('drop-line' as const), fc.nat(), fc.constant('')),
        fc.tuple(fc.constant('repeat-line' as const), fc.nat(), fc.constant('')),
        fc.tuple(fc.constant('cut' as const), fc.nat(), fc.constant('')),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([text, edits]) => {
    let result = text;
    for (const [kind, at, piece] of edits) {
      if (kind === 'insert') {
        const index = at % (result.length + 1);
        result = result.slice(0, index) + piece + result.slice(index);
      } else if (kind === 'cut') {
        const index = at % Math.max(1, result.length);
        result = result.slice(0, index) + result.slice(index + 1);
      } else {
        const lines = result.split('\n');
        const index = at % lines.length;
        lines.splice(index, kind === 'drop-line' ? 1 : 0, ...(kind === 'repeat-line' ? [lines[index]!] : []));
        result = lines.join('\n');
      }
    }
    return result;
  });

/** A Secretfile-shaped structure with hostile names, variables and values, written as YAML. */
const hostileStructure = fc
  .record({
    name: hostileString('app-key'),
    variable: hostileString('payments'),
    kind: fc.oneof(fc.constantFrom('random_password', 'random_string', 'static', 'script', 'templates.t', 'templates.__proto__', 'uuid'), hostileString('random_password')),
    period: fc.oneof(fc.constantFrom('90d', '3m', '1y', '0d', '12h', '99999999999999999999d', ''), hostileString('30d')),
    vault: fc.oneof(fc.constant('https://kv-app.vault.azure.net'), fc.constant('https://{{var.v}}.vault.azure.net'), fc.constant('${V:-kv-app}'), hostileString('https://kv-app.vault.azure.net')),
    secretName: fc.option(hostileString('app-key'), { nil: undefined }),
    length: fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.constant('32'), fc.constant(null)),
    key: fc.constantFrom('__proto__', 'constructor', 'toString', 'x-kvrot', 'variables', 'a.b'),
  })
  .map((c) =>
    stringify({
      variables: { v: c.variable, [c.key]: c.variable },
      'x-kvrot': { environment: 'production', owner: 'team' },
      templates: { t: { description: 'd', fields: { host: { description: 'h', generator: { kind: 'static', config: { default: PLANTED } } }, pw: { description: 'p', generator: { kind: 'random_password', config: { length: c.length } } } } } },
      secrets: [
        {
          name: c.name,
          kind: c.kind,
          rotation_period: c.period,
          config: { length: c.length, default: PLANTED, [c.key]: c.variable },
          targets: [{ provider: 'azure', kind: 'key_vault', config: { vault_url: c.vault, ...(c.secretName !== undefined ? { secret_name: c.secretName } : {}) } }, { provider: 'aws', kind: c.key, config: {} }],
        },
      ],
    }),
  );

/** Anchors reused at every level: small texts that expand exponentially if anything expanded them. */
const aliasBomb = fc.tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 })).map(([depth, width]) => {
  const lines = ['variables:', '  l0: &l0 [lol]'];
  for (let level = 1; level <= depth; level += 1) lines.push(`  l${level}: &l${level} [${Array(width).fill(`*l${level - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\nsecrets: []\n`;
});

const anyYaml = fc.jsonValue({ maxDepth: 6 }).map((value) => stringify(value));

const secretfileText = fc.oneof(
  { weight: 5, arbitrary: mutatedCorpus },
  { weight: 3, arbitrary: hostileStructure },
  { weight: 1, arbitrary: aliasBomb },
  { weight: 1, arbitrary: anyYaml },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) },
);

function checkResult(result: SecretfileResult): void {
  for (const item of [...result.problems, ...result.warnings, ...result.skipped, ...result.findings]) {
    if (typeof item.file !== 'string' || item.file === '') throw new PropertyBroken('a message without a file');
    if (!Number.isInteger(item.line) || item.line < 1 || !Number.isInteger(item.column) || item.column < 1) throw new PropertyBroken(`a message at line ${item.line}, column ${item.column}`);
    if (typeof item.path !== 'string') throw new PropertyBroken('a message without a path');
  }
  for (const item of [...result.problems, ...result.warnings]) {
    if (item.message.length === 0 || item.message.length > 1100) throw new PropertyBroken(`a message of ${item.message.length} characters`);
  }
  const said = JSON.stringify([result.problems, result.warnings, result.findings, result.skipped, result.policies.map(({ notes }) => notes)]);
  if (said.includes(PLANTED)) throw new PropertyBroken('a static value came back in a message');
  for (const { policy } of result.policies) {
    const again = parsePolicy(JSON.parse(JSON.stringify(policy)), consumerKinds);
    if (JSON.stringify(again) !== JSON.stringify(policy)) throw new PropertyBroken(`policy ${policy.id} does not survive parsePolicy again`);
  }
}

describe('generated Secretfiles', () => {
  it(
    `make policies or located problems, never a throw or a hang: ${RUNS} cases`,
    async () => {
      await holds(
        fc.property(secretfileText, fc.option(fc.constantFrom('staging', 'production', 'nope'), { nil: undefined }), fc.boolean(), (text, environment, strict) => {
          const started = Date.now();
          let result: SecretfileResult;
          try {
            result = readSecretfile({
              file: { name: 'Secretfile.yml', text },
              ...(environment ? { environment } : {}),
              strict,
              consumerKinds,
              loadVarFile: (path) => (path.startsWith('vars/') ? { name: path, text: 'region: x\n' } : { problem: 'no such file' }),
            });
          } catch (error) {
            throw new PropertyBroken(`threw ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 300)}` : typeof error}`);
          }
          const elapsed = Date.now() - started;
          if (elapsed > CASE_BUDGET_MS) throw new PropertyBroken(`took ${elapsed} ms`);
          checkResult(result);
        }),
        fuzzParameters('secretfile text', RUNS),
      );
    },
    fuzzTimeoutInMs(RUNS, 100),
  );
});

const FILES = ['features.yml', 'secretzero-docs/basic.yml', 'nowhere.yml', '.', '/dev/null', '/dev/zero', 'vars/staging.szvar'];
const argument = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('-f', '--file', '-e', '--environment', '--var-file', '--strict', '--json', '--help', '-h', '--', '-', '--file=', '-fe') },
  { weight: 3, arbitrary: fc.constantFrom(...FILES) },
  { weight: 2, arbitrary: fc.constantFrom('staging', 'production', 'nope', '') },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
);

const hostileArgument = hostileString('features.yml').filter((text) => text.length < 2_000 && !text.includes('\u0000'));
/** Mostly well-formed command lines (so files are read and validated), some shuffled junk. */
const commandLine = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        file: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('features.yml', 'secretzero-docs/microservices.yml', 'secretzero-docs/complete-production.yml') },
          { weight: 1, arbitrary: fc.constantFrom(...FILES) },
          { weight: 1, arbitrary: hostileArgument },
        ),
        environment: fc.option(fc.oneof(fc.constantFrom('staging', 'production', 'nope'), hostileArgument), { nil: undefined }),
        varFiles: fc.array(fc.constantFrom('vars/staging.szvar', 'vars/production.szvar', 'features.yml', 'nowhere'), { maxLength: 2 }),
        strict: fc.boolean(),
        json: fc.boolean(),
      })
      .map(({ file, environment, varFiles, strict, json }) => [
        '-f',
        file,
        ...(environment !== undefined ? ['-e', environment] : []),
        ...varFiles.flatMap((varFile) => ['--var-file', varFile]),
        ...(strict ? ['--strict'] : []),
        ...(json ? ['--json'] : []),
      ]),
  },
  { weight: 1, arbitrary: fc.array(argument, { maxLength: 6 }) },
);

describe('generated command lines for kvrot validate', () => {
  it(
    `end in 0, 1 or 2 with a message, never a stack trace: ${CLI_RUNS} cases`,
    async () => {
      await holds(
        fc.asyncProperty(commandLine, async (argv) => {
          const run = await runInProcess(['validate', ...argv], { env: { NO_COLOR: '1' } });
          if (![0, 1, 2].includes(run.code)) throw new PropertyBroken(`exit ${run.code}`);
          if (/\n\s+at .+:\d+:\d+\)?$/m.test(run.stderr + run.stdout)) throw new PropertyBroken(`a stack trace: ${run.stderr.slice(0, 300)}`);
          if (run.stderr.includes('unexpected error')) throw new PropertyBroken(`an unexpected error: ${run.stderr.slice(0, 300)}`);
          if (run.code === 2 && run.stderr.trim() === '') throw new PropertyBroken('exit 2 without a message');
          if (run.code !== 0 && run.stdout.trim() === '' && run.stderr.trim() === '') throw new PropertyBroken(`exit ${run.code} without a message`);
          if (run.stdout.includes(PLANTED) || run.stdout.includes('payments-northeurope')) throw new PropertyBroken('a static value was printed');
        }),
        fuzzParameters('validate argv', CLI_RUNS),
      );
    },
    fuzzTimeoutInMs(CLI_RUNS, 200),
  );
});
