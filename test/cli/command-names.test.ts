/**
 * How commands and the environment are spelled: `-e, --environment` on every command that names
 * one (SecretZero's global option), and the runbook's names `policy-check`, `drift-detect` and
 * `cost-estimate` as aliases that run the same command. Offline: a fake fetch is the API.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { COMMANDS } from '../../src/cli/main.js';
import { CORPUS, runInProcess } from './cli-harness.js';

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvrot-names-'));
  writeFileSync(join(dir, 'kvrot.config.json'), JSON.stringify({ environments: { dev: { api: 'http://127.0.0.1:7071/api', identityProvider: 'http://127.0.0.1:7072', profile: null } } }));
  writeFileSync(
    join(dir, 'Secretfile.yml'),
    'x-kvrot: {environment: dev, owner: team-a}\nsecrets:\n  - name: api-key\n    kind: random_password\n    rotation_period: 30d\n    targets: [{provider: azure, kind: key_vault, config: {vault_url: "https://kv-app.vault.azure.net"}}]\n',
  );
});

/** The identity provider answers a token; the API has no policies, and a document without the drift report. */
const api: typeof fetch = async (input) => {
  const url = new URL(String(input));
  if (url.port === '7072') return Response.json({ access_token: 'a.eyJvaWQiOiIxIn0.c', token_type: 'Bearer', expires_in: 3600 });
  if (url.pathname === '/api/openapi.json') return Response.json({ paths: {} });
  return Response.json({ items: [] });
};

const run = (argv: string[], cwd = dir) => runInProcess(argv, { cwd, env: { NO_COLOR: '1' }, fetch: api });

function program(): Command {
  const built = new Command();
  for (const command of COMMANDS) command.register(built, { io: undefined as never, run: async () => undefined });
  return built;
}

describe('-e, --environment', () => {
  it('is how every command but promote names its environment, with --env as the runbook spells it', () => {
    // Act
    const spelled = program().commands.map((command) => [command.name(), command.options.filter((option) => option.short === '-e' || option.long?.startsWith('--env')).map((option) => option.flags)]);

    // Assert
    expect(spelled).toEqual(COMMANDS.map(({ name }) => [name, name === 'promote' ? [] : ['-e, --environment <name>', '--env <name>']]));
  });

  it('names the environment of an API command, as --env does; none, or two that differ, is a usage error (exit 2)', async () => {
    // Act
    const long = await run(['status', '--environment', 'dev', '--as', 'reader', '--json']);
    const short = await run(['status', '-e', 'dev', '--as', 'reader', '--json']);
    const runbook = await run(['status', '--env', 'dev', '--as', 'reader', '--json']);
    const agreeing = await run(['status', '-e', 'dev', '--env', 'dev', '--as', 'reader', '--json']);
    const none = await run(['status', '--as', 'reader']);
    const differing = await run(['status', '-e', 'dev', '--env', 'production', '--as', 'reader']);

    // Assert
    expect(long.code).toBe(EXIT.ok);
    expect(JSON.parse(long.stdout)).toMatchObject({ command: 'status', environment: 'dev' });
    expect(short.stdout).toBe(long.stdout);
    expect(runbook).toEqual(long);
    expect(agreeing).toEqual(long);
    expect(none).toEqual({ code: EXIT.usage, stdout: '', stderr: "error: required option '-e, --environment <name>' not specified\n(add --help for usage)\n" });
    expect(differing.code).toBe(EXIT.usage);
    expect(differing.stderr).toContain("-e/--environment 'dev' and --env 'production' name different environments");
  });

  it('selects the profile of an offline command as -e does', async () => {
    const short = await run(['validate', '-f', 'features.yml', '-e', 'production', '--json'], CORPUS);
    const runbook = await run(['validate', '-f', 'features.yml', '--env', 'production', '--json'], CORPUS);
    expect(JSON.parse(short.stdout)).toMatchObject({ environment: 'production' });
    expect(runbook).toEqual(short);
  });
});

describe("the runbook's names", () => {
  it.each([
    ['policy-check', 'validate', ['-f', 'features.yml', '-e', 'production', '--json'], CORPUS, EXIT.validation],
    ['cost-estimate', 'cost', ['--json'], '', EXIT.ok],
    ['drift-detect', 'drift', ['-e', 'dev', '--as', 'reader', '--json'], '', EXIT.drift],
  ])('%s runs %s: the same output and exit code', async (alias, name, rest, cwd, code) => {
    // Act
    const aliased = await run([alias, ...rest], cwd || dir);
    const named = await run([name, ...rest], cwd || dir);

    // Assert
    expect(named.code).toBe(code);
    expect(aliased).toEqual(named);
  });

  it('are in --help, and an unknown name is still a usage error', async () => {
    // Act
    const help = await run(['--help']);
    const unknown = await run(['policy-chek']);

    // Assert
    expect(help.stdout).toContain('validate|policy-check [options]');
    expect(help.stdout).toContain('drift|drift-detect [options]');
    expect(help.stdout).toContain('cost|cost-estimate [options]');
    expect(unknown.code).toBe(EXIT.usage);
  });
});

describe('kvrot cost --reads-per-secret-per-month', () => {
  const keyVaultLine = (stdout: string) => (JSON.parse(stdout) as { estimate: { vaults: { lines: { item: string; quantity: number; formula: string }[] }[] } }).estimate.vaults[0]!.lines.find((line) => line.item === 'Key Vault operations')!;

  it("prices the applications' reads it is given as Key Vault gets, and refuses a rate that is not a whole number (exit 2)", async () => {
    // Act
    const without = await run(['cost', '--json']);
    const given = await run(['cost', '--reads-per-secret-per-month', '720', '--json']);
    const refused = await Promise.all(['1.5', '-1', 'lots', '1000000001'].map((rate) => run(['cost', '--reads-per-secret-per-month', rate])));

    // Assert
    expect(without.code).toBe(EXIT.ok);
    expect(given.code).toBe(EXIT.ok);
    expect(keyVaultLine(given.stdout).quantity).toBeCloseTo(keyVaultLine(without.stdout).quantity + 720, 3);
    expect(keyVaultLine(given.stdout).formula).toContain('720 application reads (1 secret × 720 a month, as given)');
    for (const answer of refused) {
      expect(answer.code).toBe(EXIT.usage);
      expect(answer.stderr).toContain("option '--reads-per-secret-per-month <n>'");
    }
  });
});
