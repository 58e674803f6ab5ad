/**
 * What `plan` states beside its changes, offline (a fake fetch is the API, with no policies):
 * the rotation each policy gets and the validFor default kvrot chose, how a secret in several
 * vaults was placed, and the file's skipped targets and warnings, in the tables and in --json.
 * Colours on a terminal, none with NO_COLOR.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { planReportSchema } from '../../src/cli/commands/api-reports.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runInProcess } from './cli-harness.js';

let dir = '';

const HEAD = 'x-kvrot: {environment: dev, owner: team-a}\nsecrets:\n';
const KV = (vault: string, name: string) => `{provider: azure, kind: key_vault, config: {vault_url: "https://${vault}.vault.azure.net", secret_name: ${name}}}`;

/** Every case the plan states: a default validFor, a chosen one, one_time, two vaults, a target kvrot skips. */
const EVERYTHING = `${HEAD}  - name: api-key
    kind: random_password
    rotation_period: 30d
    targets: [${KV('kv-app', 'api-key')}, {provider: aws, kind: ssm_parameter, config: {name: /app/api-key}}]
  - name: db-password
    kind: random_password
    rotation_period: 30d
    targets: [${KV('kv-app', 'db-password')}]
    x-kvrot: {validFor: 45d}
  - name: bootstrap
    kind: random_string
    one_time: true
    targets: [${KV('kv-app', 'bootstrap')}]
  - name: signing-key
    kind: random_string
    rotation_period: 3m
    targets: [${KV('kv-app', 'signing-key')}, ${KV('kv-dr', 'signing-key')}]
`;

/** Its twin: the file states nothing beside its one policy. */
const PLAIN = `${HEAD}  - name: db-password
    kind: random_password
    rotation_period: 30d
    targets: [${KV('kv-app', 'db-password')}]
    x-kvrot: {validFor: 45d}
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvrot-plan-'));
  writeFileSync(join(dir, 'kvrot.config.json'), JSON.stringify({ environments: { dev: { api: 'http://127.0.0.1:7071/api', identityProvider: 'http://127.0.0.1:7072', profile: null } } }));
  writeFileSync(join(dir, 'everything.yml'), EVERYTHING);
  writeFileSync(join(dir, 'plain.yml'), PLAIN);
});

const api: typeof fetch = async (input) => {
  const url = new URL(String(input));
  if (url.port === '7072') return Response.json({ access_token: 'a.eyJvaWQiOiIxIn0.c', token_type: 'Bearer', expires_in: 3600 });
  return Response.json({ items: [] });
};

const plan = (file: string, options: { json?: boolean; tty?: boolean; env?: Record<string, string> } = {}) =>
  runInProcess(['plan', '-e', 'dev', '-f', file, '--as', 'wendy', ...(options.json ? ['--json'] : [])], { cwd: dir, env: options.env ?? { NO_COLOR: '1' }, tty: options.tty ?? false, fetch: api });

describe('plan states what the Secretfile decided, beside the changes', () => {
  it('--json: each change\'s rotation and notes, the skipped targets and the warnings', async () => {
    // Act
    const run = await plan('everything.yml', { json: true });

    // Assert
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: EXIT.ok, stderr: '' });
    const report = planReportSchema.parse(JSON.parse(run.stdout));
    expect(report.changes.map((change) => [change.action, change.policyId, change.rotation])).toEqual([
      ['create', 'api-key', { every: '30d', validFor: '67d', validForDefault: true, neverRotated: false }],
      ['create', 'db-password', { every: '30d', validFor: '45d', validForDefault: false, neverRotated: false }],
      ['create', 'bootstrap', { every: '36000d', validFor: '36500d', validForDefault: true, neverRotated: true }],
      ['create', 'signing-key', { every: '90d', validFor: '127d', validForDefault: true, neverRotated: false }],
    ]);
    const notes = Object.fromEntries(report.changes.map((change) => [change.policyId, change.notes]));
    expect(notes['api-key']).toEqual([expect.stringMatching(/^validFor 67d = every 30d \+ Key Vault's 30-day near-expiry window \+ 7 days/)]);
    expect(notes['db-password']).toEqual([]);
    expect(notes['bootstrap']).toEqual([expect.stringMatching(/^one_time: created when missing and never rotated/)]);
    expect(report.skipped).toMatchObject([{ path: 'secrets[0].targets[1]', secret: 'api-key', provider: 'aws', kind: 'ssm_parameter', line: 6 }]);
    // Two vaults: one policy rotating the first, the second its keyvault-replica consumer.
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatchObject({ file: 'everything.yml', path: 'secrets[3].targets' });
    expect(report.warnings[0]!.message).toMatch(/^secret 'signing-key' goes to 2 vaults: policy signing-key rotates it in the first and copies each version to the other 1 as keyvault-replica consumers/);
  });

  it('--json of a file that decides nothing: no notes, skipped targets or warnings', async () => {
    // Act
    const report = planReportSchema.parse(JSON.parse((await plan('plain.yml', { json: true })).stdout));

    // Assert
    expect(report.changes).toMatchObject([{ policyId: 'db-password', rotation: { validFor: '45d', validForDefault: false }, notes: [] }]);
    expect({ skipped: report.skipped, warnings: report.warnings }).toEqual({ skipped: [], warnings: [] });
  });

  it('the tables: EVERY and VALID FOR (* the default, and why), notes, skipped targets, warnings', async () => {
    // Act
    const run = await plan('everything.yml');

    // Assert
    expect(run.code).toBe(EXIT.ok);
    const lines = run.stdout.split('\n');
    expect(lines.find((line) => line.trimStart().startsWith('ACTION'))).toMatch(/^ {2}ACTION +POLICY +ENVIRONMENT +VAULT +SECRET +EVERY +VALID FOR +CHANGED FIELDS$/);
    expect(lines.find((line) => line.includes(' api-key '))).toMatch(/^ {2}create +api-key +dev +https:\/\/kv-app\.vault\.azure\.net +api-key +30d +67d\*$/);
    expect(lines.find((line) => line.includes(' db-password '))).toMatch(/ 30d +45d$/);
    expect(lines.find((line) => line.includes(' bootstrap '))).toMatch(/ never +-$/);
    expect(lines).toContain("  * not in the file: every + 30 days (Key Vault's near-expiry window) + 7 days; set x-kvrot.validFor to choose");
    expect(lines).toContain('Notes');
    expect(run.stdout).toContain('  bootstrap: one_time: created when missing and never rotated');
    expect(lines).toContain('Skipped targets (1) kvrot serves Azure Key Vault only; SecretZero keeps these');
    expect(lines).toContain('Warnings (1)');
    expect(run.stdout).toMatch(/ {2}warning everything\.yml:\d+:\d+: secrets\[3\]\.targets: secret 'signing-key' goes to 2 vaults: policy signing-key rotates it in the first/);
    expect(lines.at(-2)).toBe('4 to create, 0 to replace, 0 to delete, 0 unchanged');
  });

  it('the tables of a file that decides nothing have none of those sections', async () => {
    // Act
    const run = await plan('plain.yml');

    // Assert
    expect(run.code).toBe(EXIT.ok);
    for (const absent of ['* not in the file', 'Notes', 'Skipped targets', 'Warnings']) expect(run.stdout).not.toContain(absent);
    expect(run.stdout).toMatch(/ 30d +45d\n/);
  });
});

describe('colour on an API command', () => {
  const ANSI = /\u001b\[[0-9;]*m/g;

  it('colours plan on a terminal, and not with NO_COLOR; not when piped', async () => {
    // Act
    const coloured = await plan('everything.yml', { tty: true, env: {} });
    const noColor = await plan('everything.yml', { tty: true, env: { NO_COLOR: '1' } });
    const piped = await plan('everything.yml', { tty: false, env: {} });

    // Assert
    expect(coloured.stdout).toMatch(ANSI);
    expect(noColor.stdout).not.toMatch(ANSI);
    expect(piped.stdout).not.toMatch(ANSI);
    expect(noColor.stdout).toBe(coloured.stdout.replace(ANSI, ''));
    expect(piped.stdout).toBe(noColor.stdout);
  });
});
