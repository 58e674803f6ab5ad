import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateReportSchema } from '../../src/cli/commands/validate-report.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { MAX_SOURCE_BYTES } from '../../src/core/secretfile/index.js';
import { ROOT, runBin, runInProcess } from './cli-harness.js';

const ANSI = /\u001b\[/;

describe('kvrot as a user runs it (a child process)', () => {
  it('npx kvrot --help works from the repository, with no build step', () => {
    // Act
    const run = runBin(['--help'], { cwd: ROOT, command: ['npx', '--no-install', 'kvrot'] });

    // Assert
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain('Usage: kvrot [options] [command]');
    expect(run.stdout).toContain('validate|policy-check [options]');
    expect(run.stdout).toContain('Exit codes: 0 ok, 1 validation, 2 usage, 3 auth, 4 drift, 5 remote failure');
  });

  it('validate prints the policies, skipped targets, findings and a verdict as tables, and exits 1 on a high finding', () => {
    // Act
    // APP_PREFIX comes from production's var file; the environment variable of that name is never read.
    const run = runBin(['validate', '-f', 'features.yml', '-e', 'production'], { env: { APP_PREFIX: 'from-the-shell' } });

    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT.validation);
    expect(run.stdout).not.toMatch(ANSI);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('features.yml (environment production; var files vars/production.szvar)');
    // The webhook signing key goes to two vaults: one policy, with the DR vault as its keyvault-replica consumer;
    // the template's password field goes to a target of its own: a replica of that field of the template's policy.
    expect(lines).toContain('Policies (6)');
    expect(lines.find((line) => line.trimStart().startsWith('ID '))).toMatch(/^ {2}ID +VAULT +SECRET +GENERATOR +EVERY +VALID FOR$/);
    expect(lines.find((line) => line.trimStart().startsWith('payments-db-password '))).toMatch(/^ {2}payments-db-password +https:\/\/kv-payments-prod\.vault\.azure\.net +pay-db-password +random_password +30d +67d\*$/);
    expect(run.stdout).not.toContain('from-the-shell');
    expect(lines.find((line) => line.trimStart().startsWith('bootstrap-token '))).toMatch(/random_string +never +-$/);
    expect(lines).toContain('Skipped targets (5) kvrot serves Azure Key Vault only; SecretZero keeps these');
    expect(run.stdout).toContain('high  secretzero.access.denied-target  payments_db_password  features.yml:66:15');
    // Our policy rules, with their defaults: production is protected, so a version may be valid 90 days at most.
    expect(run.stdout).toContain('medium  policy.maximum-validity  webhook-signing-key  features.yml:74:5');
    expect(lines.at(-2)).toBe('invalid: high-severity findings: 6 policies, 5 skipped targets, 8 findings, 2 warnings');
  });

  it('validate --json prints one document of the documented shape, with the same content', () => {
    // Act
    const run = runBin(['validate', '-f', 'features.yml', '--json']);

    // Assert
    expect(run.stderr).toBe('');
    const report = validateReportSchema.parse(JSON.parse(run.stdout));
    expect(report).toMatchObject({ command: 'validate', ok: false, file: 'features.yml', environment: 'staging', varFiles: ['vars/staging.szvar'] });
    expect(report.summary).toEqual({ policies: 6, skipped: 5, findings: 8, warnings: 2, errors: 0 });
    // The template's password field has a target of its own: a replica of that field, not a policy rotated apart.
    expect(report.policies.find(({ policy }) => policy.id === 'payments-db-credentials')!.policy['consumers']).toEqual([
      { kind: 'keyvault-replica', name: 'password-kv-payments-staging', vaultUrl: 'https://kv-payments-staging.vault.azure.net', secretName: 'payments-db-password-only', field: 'password' },
    ]);
    expect(report.findings.map(({ rule, object }) => `${rule}:${object}`)).toEqual([
      'secretzero.access.denied-target:payments_db_password',
      'policy.maximum-active-days:bootstrap-token',
      'policy.maximum-validity:bootstrap-token',
      'policy.maximum-validity:webhook-signing-key',
      'secretzero.rotation.max-age:partner_api_key',
      'secretzero.rotation.max-age:partner_api_key',
      'secretzero.rotation.period-required:bootstrap_token',
      'secretzero.rotation.period-required:bootstrap_token',
    ]);
    expect(report.policies.map(({ policy }) => policy.id)).toContain('orders-db');
    expect(report.policies.find(({ policy }) => policy.id === 'orders-db')!.policy['consumers']).toMatchObject([{ kind: 'postgresql', port: 5432 }]);
    expect(run.code).toBe(EXIT.validation);
  });

  it('never prints a static value: a template field is [redacted], a static secret shows none', () => {
    // Act
    const human = runBin(['validate', '-f', 'features.yml']);
    const json = runBin(['validate', '-f', 'features.yml', '--json']);

    // Assert
    for (const output of [human.stdout, json.stdout]) {
      expect(output).not.toContain('payments-northeurope');
      expect(output).not.toContain('payments_app');
      expect(output).not.toContain('PARTNER_API_KEY');
    }
    const report = validateReportSchema.parse(JSON.parse(json.stdout));
    expect(report.policies.find(({ policy }) => policy.id === 'payments-db-credentials')!.policy.generator).toMatchObject({
      fields: { host: { static: '[redacted]' }, port: { static: '[redacted]' }, username: { static: '[redacted]' }, password: { kind: 'random_password' } },
    });
  });

  it('validate of a file with errors exits 1 and names file:line:column and path', () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'kvrot-'));
    writeFileSync(join(dir, 'Secretfile.yml'), 'x-kvrot: {environment: e, owner: o}\nsecrets:\n  - name: app-key\n    kind: random_password\n    config: {length: 4}\n    targets: [{provider: azure, kind: key_vault, config: {vault_url: "https://kv-app.vault.azure.net"}}]\n');

    // Act
    const run = runBin(['validate'], { cwd: dir });

    // Assert
    expect(run.code).toBe(EXIT.validation);
    expect(run.stdout).toContain("error Secretfile.yml:5:22: secrets[0].config.length: must be at least 8: shorter secrets are too easy to guess [policy 'app-key', generator.length]");
    expect(run.stdout.split('\n').at(-2)).toBe('invalid: 1 error: 0 policies, 0 skipped targets, 0 findings, 0 warnings');
  });

  it('a valid file exits 0', () => {
    const run = runBin(['validate', '-f', 'secretzero-docs/rotation-strategy.yml', '--json'], {});
    const report = validateReportSchema.parse(JSON.parse(run.stdout));
    // The documented example has no owner or environment: every policy needs both.
    expect(report.errors.map((error) => error.path)).toEqual(['secrets[0]']);
    expect(run.code).toBe(EXIT.validation);
    const dir = mkdtempSync(join(tmpdir(), 'kvrot-'));
    writeFileSync(join(dir, 'Secretfile.yml'), 'x-kvrot: {environment: e, owner: o}\nsecrets:\n  - name: app-key\n    kind: random_password\n    rotation_period: 30d\n    targets: [{provider: azure, kind: key_vault, config: {vault_url: "https://kv-app.vault.azure.net"}}]\n');
    const valid = runBin(['validate'], { cwd: dir });
    expect(valid.code).toBe(EXIT.ok);
    expect(valid.stdout.split('\n').at(-2)).toBe('valid: 1 policy, 0 skipped targets, 0 findings, 0 warnings');
  });
});

describe('kvrot validate in process', () => {
  it('colours a terminal, and not with NO_COLOR', async () => {
    const coloured = await runInProcess(['validate', '-f', 'features.yml'], { tty: true });
    const plain = await runInProcess(['validate', '-f', 'features.yml'], { tty: true, env: { NO_COLOR: '1' } });
    expect(coloured.stdout).toMatch(ANSI);
    expect(plain.stdout).not.toMatch(ANSI);
    expect(plain.stdout).toBe(coloured.stdout.replace(/\u001b\[[0-9;]*m/g, ''));
  });

  it.each([
    [['validate', '-f', 'nowhere.yml'], EXIT.usage, 'kvrot: cannot read nowhere.yml: no such file\n'],
    [['validate', '-f', '.'], EXIT.usage, 'kvrot: cannot read .: it is a directory\n'],
    [['validate', '--var-file', 'missing.szvar', '-f', 'features.yml'], EXIT.usage, 'kvrot: cannot read missing.szvar: no such file\n'],
    [['validate', '--frobnicate'], EXIT.usage, "error: unknown option '--frobnicate'\n(add --help for usage)\n"],
    [['validate', '-e'], EXIT.usage, "error: option '-e, --environment <name>' argument missing\n(add --help for usage)\n"],
    [['frobnicate'], EXIT.usage, "error: unknown command 'frobnicate'\n(add --help for usage)\n"],
  ])('%j exits %i with a message', async (argv, code, stderr) => {
    const run = await runInProcess(argv);
    expect(run).toEqual({ code, stdout: '', stderr });
  });

  it('kvrot with no command shows the help on stderr and exits 2', async () => {
    const run = await runInProcess([]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('Usage: kvrot [options] [command]');
  });

  it('refuses a file over 1 MiB unread, as a problem of that file', async () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'kvrot-'));
    writeFileSync(join(dir, 'big.yml'), `# ${'x'.repeat(MAX_SOURCE_BYTES)}\n`);

    // Act
    const run = await runInProcess(['validate', '-f', 'big.yml', '--json'], { cwd: dir });

    // Assert
    expect(run.code).toBe(EXIT.validation);
    expect(validateReportSchema.parse(JSON.parse(run.stdout)).errors).toEqual([
      { file: 'big.yml', line: 1, column: 1, path: '', message: `it has ${MAX_SOURCE_BYTES + 3} bytes, more than the ${MAX_SOURCE_BYTES} (1 MiB) allowed: it is refused unread` },
    ]);
  });

  it('--strict turns skipped targets into errors', async () => {
    const run = await runInProcess(['validate', '-f', 'features.yml', '--strict', '--json']);
    const report = validateReportSchema.parse(JSON.parse(run.stdout));
    expect(report.errors.map((error) => error.path)).toEqual([
      'secrets[0].targets[1].kind',
      'secrets[0].targets[2].kind',
      'secrets[3].targets[1].kind',
      'secrets[3].targets[2].kind',
      'secrets[3].targets[3].kind',
    ]);
  });
});

describe("our policy rules in validate (the policy-check), with their defaults", () => {
  it('fails a short password in a protected environment, and passes it elsewhere', async () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'kvrot-'));
    const file = (environment: string) =>
      `x-kvrot: {environment: ${environment}, owner: o}\nsecrets:\n  - name: app-key\n    kind: random_password\n    rotation_period: 30d\n    config: {length: 16}\n    targets: [{provider: azure, kind: key_vault, config: {vault_url: "https://kv-app.vault.azure.net"}}]\n`;
    writeFileSync(join(dir, 'prod.yml'), file('production'));
    writeFileSync(join(dir, 'dev.yml'), file('dev'));

    // Act
    const production = await runInProcess(['validate', '-f', 'prod.yml', '--json'], { cwd: dir });
    const dev = await runInProcess(['validate', '-f', 'dev.yml', '--json'], { cwd: dir });

    // Assert
    expect(production.code).toBe(EXIT.validation);
    expect(validateReportSchema.parse(JSON.parse(production.stdout)).findings).toMatchObject([
      { rule: 'policy.password-length', severity: 'high', object: 'app-key', kind: 'policy', file: 'prod.yml', line: 3, column: 5, path: 'secrets[0]' },
    ]);
    expect(dev.code).toBe(EXIT.ok);
    expect(validateReportSchema.parse(JSON.parse(dev.stdout)).findings).toEqual([]);
  });
});
