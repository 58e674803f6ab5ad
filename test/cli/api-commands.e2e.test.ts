/**
 * kvrot's API commands end to end against the local stack (the app in the local host, the
 * identity provider, Azurite, the Key Vault emulator), run in process through main with captured
 * output, and a few as a child process through bin/kvrot.js. Three environments on one stack,
 * told apart by their policies' ids and environment: dev (not protected), staging and production
 * (two approvals). Every --json output is parsed with its documented schema; no output ever holds
 * a secret value or a template's fixed value.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  applyReportSchema,
  approveReportSchema,
  auditReportSchema,
  costCommandReportSchema,
  driftReportSchema,
  historyReportSchema,
  planReportSchema,
  promoteReportSchema,
  rejectReportSchema,
  reportReportSchema,
  rotateReportSchema,
  smokeReportSchema,
  statusReportSchema,
} from '../../src/cli/commands/api-reports.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { stateSchema } from '../../src/cli/state.js';
import { oidFor } from '../../src/local/identity-provider/token-request.js';
import { startTestApp, type RunningTestApp } from '../functions/app-e2e-support.js';
import { runBinAsync, runInProcess, type Run } from './cli-harness.js';

let t: RunningTestApp;
let dir = '';
const outputs: string[] = [];
/** The fixed value of a template field: configuration, but never to be printed. */
const FIXED = 'orders-db.internal.example';

const SECRETFILE = (vault: string, every = '30d') => `version: '1.0'
variables:
  prefix: dev
  vault: ${vault}
metadata:
  owner: team-orders
environments:
  default: dev
  profiles:
    dev: { var_files: [vars/dev.yml] }
    staging: { var_files: [vars/staging.yml] }
    production: { var_files: [vars/production.yml] }
templates:
  db:
    description: the orders database connection
    fields:
      host: { description: host, generator: { kind: static, config: { default: ${FIXED} } } }
      password: { description: password, generator: { kind: random_password, config: { length: 32 } } }
    targets:
      - provider: azure
        kind: key_vault
        config: { vault_url: '{{var.vault}}', secret_name: '{{var.prefix}}-orders-db' }
secrets:
  - name: orders_api_key
    kind: random_string
    rotation_period: ${every}
    config: { length: 40 }
    targets:
      - provider: azure
        kind: key_vault
        config: { vault_url: '{{var.vault}}', secret_name: '{{var.prefix}}-orders-api-key' }
      - provider: aws
        kind: ssm_parameter
        config: { name: /orders/api-key }
    x-kvrot: { id: '{{var.prefix}}-orders-api-key' }
  - name: orders_db
    kind: templates.db
    rotation_period: 30d
    x-kvrot: { id: '{{var.prefix}}-orders-db' }
`;

function write(name: string, text: string): void {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

async function kvrot(argv: string[], options: { env?: Record<string, string>; fetch?: typeof fetch; cwd?: string } = {}): Promise<Run> {
  const run = await runInProcess(argv, { cwd: options.cwd ?? dir, env: { NO_COLOR: '1', ...options.env }, ...(options.fetch ? { fetch: options.fetch } : {}) });
  outputs.push(run.stdout, run.stderr);
  expect(run.stderr + run.stdout, argv.join(' ')).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m);
  return run;
}

/** Runs a --json command, checks its exit code and parses its output with the documented schema. */
async function json<S extends z.ZodType>(schema: S, argv: string[], code: number = EXIT.ok, options: { env?: Record<string, string>; cwd?: string } = {}): Promise<z.output<S>> {
  const run = await kvrot([...argv, '--json'], options);
  expect({ argv: argv.join(' '), code: run.code, stderr: run.stderr }).toEqual({ argv: argv.join(' '), code, stderr: code === EXIT.ok ? '' : expect.any(String) });
  return schema.parse(JSON.parse(run.stdout));
}

/** The stack as a deployment from before a route: its /api/openapi.json does not list the path. */
function withoutRoute(path: string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!String(input).endsWith('/api/openapi.json')) return response;
    const document = (await response.json()) as { paths: Record<string, unknown> };
    delete document.paths[path];
    return new Response(JSON.stringify(document), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

async function pendingIds(policyPrefix: string, count: number): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const answer = await t.call('GET', '/change-requests?status=pending');
    const ids = (answer.json.items as { id: string; policyId: string }[]).filter((r) => r.policyId.startsWith(policyPrefix)).map((r) => r.id);
    if (ids.length >= count) return ids;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${count} pending change requests for ${policyPrefix}`);
}

beforeAll(async () => {
  t = await startTestApp();
  dir = mkdtempSync(join(tmpdir(), 'kvrot-e2e-'));
  const app = t.vault('kv-app-local').url;
  write('Secretfile.yml', SECRETFILE(app));
  write('vars/dev.yml', 'prefix: dev\n');
  write('vars/staging.yml', 'prefix: stg\n');
  write('vars/production.yml', `prefix: prod\nvault: ${t.vault('kv-shared-local').url}\n`);
  const local = { api: t.app.summary.api, identityProvider: t.app.summary.identityProvider };
  write('kvrot.config.json', JSON.stringify({ environments: { dev: local, staging: local, production: local, nowhere: { api: 'http://127.0.0.1:9/api', identityProvider: t.app.summary.identityProvider }, noidp: { api: t.app.summary.api, identityProvider: 'http://127.0.0.1:9' }, azure: { api: 'https://kv-rotation.example.azurewebsites.net', audience: 'api://kv-rotation' } } }));
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('plan and apply', () => {
  it('plans and applies to dev at once, then has nothing to do', async () => {
    const plan = await json(planReportSchema, ['plan', '-e', 'dev', '--as', 'wendy']);
    expect(plan.changes.map((c) => `${c.action} ${c.policyId}`)).toEqual(['create dev-orders-api-key', 'create dev-orders-db']);
    expect(plan.summary).toEqual({ create: 2, replace: 0, delete: 0, unchanged: 0 });
    // The plan states the validFor default kvrot chose, and the target it skips.
    expect(plan.changes[0]).toMatchObject({ rotation: { every: '30d', validFor: '67d', validForDefault: true, neverRotated: false }, notes: [expect.stringMatching(/^validFor 67d = every 30d \+ Key Vault's 30-day near-expiry window \+ 7 days/)] });
    expect(plan.skipped).toMatchObject([{ path: 'secrets[0].targets[1]', secret: 'orders_api_key', provider: 'aws', kind: 'ssm_parameter' }]);
    expect(plan.warnings).toEqual([]);
    const human = await kvrot(['plan', '-e', 'dev', '--as', 'wendy']);
    expect(human.stdout).toMatch(/ create +dev-orders-api-key +dev +\S+ +dev-orders-api-key +30d +67d\*\n/);
    expect(human.stdout).toContain("* not in the file: every + 30 days (Key Vault's near-expiry window) + 7 days");
    expect(human.stdout).toContain('Skipped targets (1)');

    const applied = await json(applyReportSchema, ['apply', '-e', 'dev', '--as', 'wendy']);
    expect(applied.results.map((r) => [r.policyId, r.outcome, r.status])).toEqual([
      ['dev-orders-api-key', 'applied', 201],
      ['dev-orders-db', 'applied', 201],
    ]);
    expect((await t.call('GET', '/policies/dev-orders-db')).json.policy.generator.fields.host).toEqual({ static: FIXED });

    const again = await json(planReportSchema, ['plan', '-e', 'dev', '--as', 'wendy']);
    expect(again.summary).toEqual({ create: 0, replace: 0, delete: 0, unchanged: 2 });
  });

  it('shows a replace with the fields that change, never their values, and --prune deletes what the file no longer makes', async () => {
    write('Secretfile.yml', SECRETFILE(t.vault('kv-app-local').url, '20d'));
    await t.call('PUT', '/policies/dev-stray', { id: 'dev-stray', vaultUrl: t.vault().url, secretName: 'dev-stray', generator: { kind: 'uuid' }, rotation: { every: '30d', validFor: '67d' }, environment: 'dev', owner: 'x' });
    const plan = await json(planReportSchema, ['plan', '-e', 'dev', '--as', 'wendy']);
    expect(plan.changes.find((c) => c.policyId === 'dev-orders-api-key')).toMatchObject({ action: 'replace', changedFields: ['rotation.every', 'rotation.validFor'] });
    expect(plan.untracked).toEqual(['dev-stray']);

    const applied = await json(applyReportSchema, ['apply', '-e', 'dev', '--prune', '--as', 'wendy']);
    expect(applied.results.map((r) => `${r.action} ${r.policyId} ${r.outcome}`)).toEqual(['replace dev-orders-api-key applied', 'unchanged dev-orders-db unchanged', 'delete dev-stray applied']);
    expect((await t.call('GET', '/policies/dev-stray')).status).toBe(404);
    write('Secretfile.yml', SECRETFILE(t.vault('kv-app-local').url));
    await json(applyReportSchema, ['apply', '-e', 'dev', '--as', 'wendy']);
  });

  it('apply --wait follows staging\'s change requests until two other people approved them', async () => {
    const waiting = kvrot(['apply', '-e', 'staging', '--wait', '--json', '--as', 'wendy']);
    const ids = await pendingIds('stg-', 2);
    const first = await json(approveReportSchema, ['approve', ...ids, '-e', 'staging', '--as', 'alice', '--comment', 'checked']);
    expect(first.requests.map((r) => [r.status, r.approvals])).toEqual([
      ['pending', 1],
      ['pending', 1],
    ]);
    const second = await json(approveReportSchema, ['approve', ...ids, '-e', 'staging', '--as', 'bob']);
    expect(second.requests.map((r) => [r.status, r.result])).toEqual([
      ['executed', 'policy created'],
      ['executed', 'policy created'],
    ]);
    const run = await waiting;
    expect(run.code).toBe(EXIT.ok);
    const applied = applyReportSchema.parse(JSON.parse(run.stdout));
    expect(applied.waited).toBe(true);
    expect(applied.results.map((r) => [r.outcome, r.changeRequestStatus])).toEqual([
      ['change-request', 'executed'],
      ['change-request', 'executed'],
    ]);
  });

  it('refuses a file validate fails, sending nothing', async () => {
    write('bad/Secretfile.yml', 'secrets:\n  - name: x\n    kind: random_password\n    config: { length: 4 }\n    targets: [{ provider: azure, kind: key_vault, config: { vault_url: https://kv-app-local.vault.azure.net } }]\n');
    const run = await kvrot(['plan', '-e', 'dev', '-f', 'bad/Secretfile.yml', '--as', 'wendy']);
    expect(run.code).toBe(EXIT.validation);
    expect(run.stderr).toContain('does not pass validation, so nothing was sent to the API');
    expect(run.stderr).toContain('kvrot validate -f bad/Secretfile.yml');
  });
});

describe('approvals, status and the promotion gate', () => {
  it('refuses to promote before staging was smoke-tested', async () => {
    const run = await kvrot(['promote', '--from', 'staging', '--to', 'production', '--as', 'wendy']);
    expect(run.code).toBe(EXIT.validation);
    expect(run.stderr).toContain(`staging has no smoke test recorded at ${new URL(t.app.summary.api).origin}`);
  });

  it('records a failed smoke test, and refuses to promote on it', async () => {
    const smoke = await json(smokeReportSchema, ['smoke', '-e', 'staging', '-f', 'Secretfile.yml', '--policy', 'no-such-policy', '--as', 'ci'], EXIT.remote);
    expect(smoke.checks.map((c) => [c.check, c.passed])).toEqual([
      ['health', true],
      ['the environment holds what the file says', true],
      ['dry run of no-such-policy', false],
    ]);
    const run = await kvrot(['promote', '--from', 'staging', '--to', 'production', '--as', 'wendy']);
    expect(run.code).toBe(EXIT.validation);
    expect(run.stderr).toMatch(/staging's last smoke test, at .*, failed/);
  });

  it('refuses to promote on a smoke test run without -f, which says nothing of the file', async () => {
    const smoke = await json(smokeReportSchema, ['smoke', '-e', 'staging', '--policy', 'stg-orders-api-key', '--as', 'ci']);
    expect(smoke).toMatchObject({ ok: true, file: null, fileHash: null });
    const run = await kvrot(['promote', '--from', 'staging', '--to', 'production', '--as', 'wendy']);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: EXIT.validation, stdout: '' });
    expect(run.stderr).toMatch(/staging's last smoke test, at .*, was run without a Secretfile, so it says nothing of this one/);
  });

  it('smoke-tests staging with the file, and refuses to promote a file changed since', async () => {
    const smoke = await json(smokeReportSchema, ['smoke', '-e', 'staging', '-f', 'Secretfile.yml', '--as', 'ci']);
    expect(smoke.checks.map((c) => c.check)).toEqual(['health', 'the environment holds what the file says', 'dry run of stg-orders-api-key', 'dry run of stg-orders-db']);
    const latest = await t.call('GET', '/environments/staging/smoke-tests/latest');
    expect(latest.json).toMatchObject({ at: smoke.recordedAt, passed: true, fileHash: smoke.fileHash, policies: ['stg-orders-api-key', 'stg-orders-db'], by: { oid: oidFor(t.app.identityProvider.tenantId, 'ci') } });

    const production = readFileSync(join(dir, 'vars/production.yml'), 'utf8');
    write('vars/production.yml', `${production}# edited after staging's smoke test\n`);
    const changed = await kvrot(['promote', '--from', 'staging', '--to', 'production', '--as', 'wendy']);
    expect(changed.code).toBe(EXIT.validation);
    expect(changed.stderr).toContain("changed since staging's last smoke test");
    write('vars/production.yml', production);
  });

  it('promotes from another working directory, whose .kvrot never saw the smoke test, through production\'s approvals; the requester cannot approve, status shows them executed', async () => {
    // Another job of the pipeline: the same files, no .kvrot of its own.
    const elsewhere = mkdtempSync(join(tmpdir(), 'kvrot-e2e-promote-'));
    for (const name of ['Secretfile.yml', 'vars/dev.yml', 'vars/staging.yml', 'vars/production.yml', 'kvrot.config.json']) {
      mkdirSync(dirname(join(elsewhere, name)), { recursive: true });
      writeFileSync(join(elsewhere, name), readFileSync(join(dir, name)));
    }
    // Refusal twin: the gate there is the API's record, so a file that differs from the one smoke-tested is refused there too.
    writeFileSync(join(elsewhere, 'vars/production.yml'), `${readFileSync(join(dir, 'vars/production.yml'), 'utf8')}# differs\n`);
    const refused = await kvrot(['promote', '--from', 'staging', '--to', 'production', '--as', 'wendy'], { cwd: elsewhere });
    expect({ code: refused.code, stdout: refused.stdout }).toEqual({ code: EXIT.validation, stdout: '' });
    expect(refused.stderr).toContain("changed since staging's last smoke test");
    writeFileSync(join(elsewhere, 'vars/production.yml'), readFileSync(join(dir, 'vars/production.yml')));

    const promoted = await json(promoteReportSchema, ['promote', '--from', 'staging', '--to', 'production', '--as', 'wendy'], EXIT.ok, { cwd: elsewhere });
    expect(promoted.from).toBe('staging');
    const latest = await t.call('GET', '/environments/staging/smoke-tests/latest');
    expect(promoted.smoke).toEqual({ at: latest.json.at, fileHash: latest.json.fileHash, api: new URL(t.app.summary.api).origin });
    const state = stateSchema.parse(JSON.parse(readFileSync(join(elsewhere, '.kvrot/state.json'), 'utf8')));
    expect(Object.keys(state.environments)).toEqual(['production']);
    expect(state.environments['production']!.lastApply).toMatchObject({ promotedFrom: 'staging', fileHash: latest.json.fileHash });
    expect(promoted.results.map((r) => [r.policyId, r.outcome, r.changeRequestStatus])).toEqual([
      ['prod-orders-api-key', 'change-request', 'pending'],
      ['prod-orders-db', 'change-request', 'pending'],
    ]);
    const ids = promoted.results.map((r) => r.changeRequestId!);

    const own = await kvrot(['approve', ids[0]!, '-e', 'production', '--as', 'wendy']);
    expect(own.code).toBe(EXIT.auth);
    expect(own.stderr).toContain('403');

    await json(approveReportSchema, ['approve', ...ids, '-e', 'production', '--as', 'alice']);
    await json(approveReportSchema, ['approve', ...ids, '-e', 'production', '--as', 'bob']);
    const status = await json(statusReportSchema, ['status', '-e', 'production', '--as', 'reader'], EXIT.ok, { cwd: elsewhere });
    expect(status.changeRequests.filter((r) => ids.includes(r.id)).map((r) => r.status)).toEqual(['executed', 'executed']);
    expect(status.policies.map((p) => p.id)).toEqual(expect.arrayContaining(['prod-orders-api-key', 'prod-orders-db']));
  });

  it('refuses to promote once staging was applied again after its smoke test', async () => {
    write('Secretfile.yml', SECRETFILE(t.vault('kv-app-local').url, '20d'));
    await json(applyReportSchema, ['apply', '-e', 'staging', '--as', 'wendy']);
    write('Secretfile.yml', SECRETFILE(t.vault('kv-app-local').url));
    const run = await kvrot(['promote', '--from', 'staging', '--to', 'production', '--as', 'wendy']);
    expect(run.code).toBe(EXIT.validation);
    expect(run.stderr).toMatch(/staging was applied again at .*, after its last smoke test/);
  });

  it('rejects a change request, and status of one policy shows its pending ones', async () => {
    const rotate = await json(rotateReportSchema, ['rotate', 'prod-orders-api-key', '-e', 'production', '--reason', 'to be rejected', '--as', 'olivia']);
    expect(rotate.outcome).toBe('change-request');
    const status = await json(statusReportSchema, ['status', 'prod-orders-api-key', '-e', 'production', '--as', 'reader']);
    expect(status.policy?.policy['id']).toBe('prod-orders-api-key');
    expect(status.changeRequests.map((r) => r.id)).toContain(rotate.changeRequestId);
    const rejected = await json(rejectReportSchema, ['reject', rotate.changeRequestId!, '-e', 'production', '--as', 'carol', '--reason', 'not today']);
    expect(rejected.requests[0]!.status).toBe('rejected');
  });
});

describe('rotate, drift, history, audit, reports, cost', () => {
  it('rotates dev at once; a dry run writes nothing', async () => {
    const plan = await json(rotateReportSchema, ['rotate', 'dev-orders-api-key', '-e', 'dev', '--reason', 'look first', '--dry-run', '--as', 'olivia']);
    expect(plan).toMatchObject({ outcome: 'planned', plan: { wouldRotate: true, policyId: 'dev-orders-api-key' } });
    for (const id of ['dev-orders-api-key', 'dev-orders-db']) {
      const rotated = await json(rotateReportSchema, ['rotate', id, '-e', 'dev', '--reason', 'first version', '--as', 'olivia']);
      expect(rotated).toMatchObject({ outcome: 'rotated', rotation: { status: 'succeeded' } });
    }
  });

  it('drift: none, then exit 4 after an out-of-band change, then none after a rotation', async () => {
    expect(await json(driftReportSchema, ['drift', '-e', 'dev', '--as', 'reader'])).toMatchObject({ drift: false, fileVsApi: [], apiVsVaults: [] });

    await t.secrets(t.vault('kv-app-local').url).setSecret('dev-orders-api-key', 'set-by-hand-out-of-band');
    const drifted = await json(driftReportSchema, ['drift', '-e', 'dev', '--as', 'reader'], EXIT.drift);
    expect(drifted.fileVsApi).toEqual([]);
    expect(drifted.apiVsVaults?.map((f) => `${f.rule} ${f.object}`)).toEqual(['drift.not-written-by-us kv-app-local/dev-orders-api-key']);

    // As a user runs it, in a child process.
    const child = await runBinAsync(['drift', '-e', 'dev'], { cwd: dir, env: { KVROT_AS: 'reader', NO_COLOR: '1' } });
    expect(child.code).toBe(EXIT.drift);
    expect(child.stdout).toContain('drift.not-written-by-us');
    outputs.push(child.stdout, child.stderr);

    await json(rotateReportSchema, ['rotate', 'dev-orders-api-key', '-e', 'dev', '--reason', 'replace the hand-set value', '--as', 'olivia']);
    expect((await json(driftReportSchema, ['drift', '-e', 'dev', '--as', 'reader'])).drift).toBe(false);
  });

  it('drift: exit 4 when the file differs from the API, with the fields that differ; in step again once the file is', async () => {
    write('Secretfile.yml', SECRETFILE(t.vault('kv-app-local').url, '20d'));
    const drifted = await json(driftReportSchema, ['drift', '-e', 'dev', '--as', 'reader'], EXIT.drift);
    expect(drifted.drift).toBe(true);
    expect(drifted.fileVsApi.map((c) => [c.action, c.policyId, c.changedFields])).toEqual([['replace', 'dev-orders-api-key', ['rotation.every', 'rotation.validFor']]]);
    expect(drifted.apiVsVaults).toEqual([]);
    const human = await kvrot(['drift', '-e', 'dev', '--as', 'reader']);
    expect(human.code).toBe(EXIT.drift);
    expect(human.stdout).toContain('The file against the API: 1 difference');
    expect(human.stdout).toMatch(/differs +dev-orders-api-key +rotation\.every, rotation\.validFor/);

    write('Secretfile.yml', SECRETFILE(t.vault('kv-app-local').url));
    expect(await json(driftReportSchema, ['drift', '-e', 'dev', '--as', 'reader'])).toMatchObject({ drift: false, fileVsApi: [] });
  });

  it('drift on a deployment with no drift report compares the file with the API only, and says so', async () => {
    const withoutDrift = withoutRoute('/api/reports/drift');
    const inStep = await kvrot(['drift', '-e', 'dev', '--as', 'reader', '--json'], { fetch: withoutDrift });
    expect(inStep.code).toBe(EXIT.ok);
    expect(driftReportSchema.parse(JSON.parse(inStep.stdout))).toMatchObject({ drift: false, fileVsApi: [], apiVsVaults: null });
    const human = await kvrot(['drift', '-e', 'dev', '--as', 'reader'], { fetch: withoutDrift });
    expect(human.stdout).toContain('The API against the vaults: this deployment has no drift report (not compared)');

    write('Secretfile.yml', SECRETFILE(t.vault('kv-app-local').url, '20d'));
    const drifted = await kvrot(['drift', '-e', 'dev', '--as', 'reader', '--json'], { fetch: withoutDrift });
    write('Secretfile.yml', SECRETFILE(t.vault('kv-app-local').url));
    expect(drifted.code).toBe(EXIT.drift);
    expect(driftReportSchema.parse(JSON.parse(drifted.stdout))).toMatchObject({ drift: true, fileVsApi: [{ policyId: 'dev-orders-api-key' }], apiVsVaults: null });
  });

  it('history and audit list what happened, newest first', async () => {
    const history = await json(historyReportSchema, ['history', 'dev-orders-api-key', '-e', 'dev', '--as', 'reader']);
    expect(history.records.map((r) => r.action).slice(0, 3)).toEqual(['rotation.succeeded', 'secret.out-of-band-change', 'rotation.succeeded']);

    const mine = await json(auditReportSchema, ['audit', '-e', 'dev', '--since', '1h', '--actor', 'me', '--as', 'wendy', '--roles', 'Audit.Read']);
    expect(mine.records.length).toBeGreaterThan(0);
    expect(new Set(mine.records.map((r) => r.actor))).toEqual(new Set(['wendy']));
    expect(mine.records[0]!.actorId).toBe(oidFor(t.app.identityProvider.tenantId, 'wendy'));

    const limited = await json(auditReportSchema, ['audit', '-e', 'dev', '--since', '1h', '--policy', 'dev-orders-api-key', '--limit', '2', '--as', 'auditor']);
    expect(limited.records).toHaveLength(2);
    expect(limited.more).toBe(true);
  });

  it.each(['inventory', 'compliance', 'access', 'drift', 'cost'])('report %s answers the deployment\'s report', async (kind) => {
    const report = await json(reportReportSchema, ['report', kind, '-e', 'dev', '--as', kind === 'access' ? 'auditor' : 'reader']);
    expect(report).toMatchObject({ report: kind, available: true });
    expect(report.data).not.toBeNull();
  });

  it('report access prints each vault with its assignments, PIM activations, eligible and deny assignments, as the API counts them', async () => {
    const report = await json(reportReportSchema, ['report', 'access', '-e', 'dev', '--as', 'auditor']);
    const vaults = (report.data as { vaults: { vault: string; assignments: { activeAs?: string }[]; eligible: unknown[]; denyAssignments: unknown[] }[] }).vaults;
    // npm start's ARM seed makes an example user eligible on the first vault.
    expect(vaults.some((vault) => vault.eligible.length > 0)).toBe(true);

    const run = await kvrot(['report', 'access', '-e', 'dev', '--as', 'auditor']);

    expect(run.code, run.stderr).toBe(EXIT.ok);
    const lines = run.stdout.split('\n');
    expect(lines.some((line) => /^\s*VAULT\s+ASSIGNMENTS\s+PIM-ACTIVATED\s+ELIGIBLE\s+DENY$/.test(line))).toBe(true);
    for (const vault of vaults) {
      const activated = vault.assignments.filter((a) => a.activeAs === 'activation').length;
      const row = new RegExp(`^\\s*${vault.vault}\\s+${vault.assignments.length}\\s+${activated}\\s+${vault.eligible.length}\\s+${vault.denyAssignments.length}$`);
      expect(lines.filter((line) => row.test(line)), vault.vault).toHaveLength(1);
    }
  });

  it('report says so when the deployment has no such report, by its own OpenAPI document', async () => {
    const withoutAccess = withoutRoute('/api/reports/access');
    const run = await kvrot(['report', 'access', '-e', 'dev', '--as', 'auditor'], { fetch: withoutAccess });
    expect(run.code).toBe(EXIT.remote);
    expect(run.stderr).toContain('this deployment has no such report: GET /api/reports/access is not in');
    const asJson = await kvrot(['report', 'access', '-e', 'dev', '--as', 'auditor', '--json'], { fetch: withoutAccess });
    expect(reportReportSchema.parse(JSON.parse(asJson.stdout))).toMatchObject({ available: false, data: null, ok: false });
  });

  it('cost estimates offline, before anything is deployed', async () => {
    const cost = await json(costCommandReportSchema, ['cost', '-e', 'production']);
    expect(cost.policies).toBe(2);
    expect(cost.estimate.vaults.map((v) => v.vault)).toEqual(['kv-shared-local']);
    expect(cost.estimate.totalMonthlyCost).toBeGreaterThan(0);
  });

  it('plan as a child process through bin/kvrot.js prints the documented --json', async () => {
    const child = await runBinAsync(['plan', '-e', 'dev', '--as', 'wendy', '--json'], { cwd: dir });
    outputs.push(child.stdout, child.stderr);
    expect(child.code).toBe(EXIT.ok);
    expect(planReportSchema.parse(JSON.parse(child.stdout)).summary).toEqual({ create: 0, replace: 0, delete: 0, unchanged: 2 });
  });
});

describe('failures end in the documented exit codes, with a message', () => {
  it.each([
    ['no --as where tokens come from the local identity provider', ['plan', '-e', 'dev'], EXIT.usage, 'say who you are with --as'],
    ['an environment the configuration does not name', ['plan', '-e', 'qa', '--as', 'wendy'], EXIT.usage, 'no environment "qa"'],
    ['no configuration', ['plan', '-e', 'dev', '--as', 'wendy', '--config', 'missing.json'], EXIT.usage, 'cannot read the configuration'],
    ['--as against Azure', ['plan', '-e', 'azure', '--as', 'wendy'], EXIT.usage, 'DefaultAzureCredential'],
    ['an unknown role', ['plan', '-e', 'dev', '--as', 'wendy', '--roles', 'Root'], EXIT.usage, 'is not an app role'],
    ['a role the route does not allow (403)', ['rotate', 'dev-orders-api-key', '-e', 'dev', '--reason', 'x', '--as', 'reader', '--roles', 'Rotation.Read'], EXIT.auth, 'Rotation.Operate'],
    ['an identity provider nobody answers', ['status', '-e', 'noidp', '--as', 'reader'], EXIT.auth, 'could not get a token from the local identity provider'],
    ['an API nobody answers', ['status', '-e', 'nowhere', '--as', 'reader'], EXIT.remote, 'could not reach the API'],
    ['a policy that does not exist (404)', ['rotate', 'no-such-policy', '-e', 'dev', '--reason', 'x', '--as', 'olivia'], EXIT.validation, 'NotFound'],
    ['an unknown report', ['report', 'secrets', '-e', 'dev', '--as', 'reader'], EXIT.usage, 'the reports are inventory'],
    ['a bad --since', ['audit', '-e', 'dev', '--since', 'yesterday', '--as', 'auditor'], EXIT.usage, '--since takes'],
  ])('%s', async (_what, argv, code, message) => {
    const run = await kvrot(argv);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: '' });
    expect(run.stderr).toContain(message);
  });

  it('an apply refused half way says which change failed and attempts no more', async () => {
    write('Secretfile.yml', SECRETFILE(t.vault('kv-app-local').url, '25d'));
    const applied = await json(applyReportSchema, ['apply', '-e', 'dev', '--as', 'wendy', '--roles', 'Rotation.Read'], EXIT.auth);
    expect(applied.results.map((r) => r.outcome)).toEqual(['failed', 'unchanged']);
    expect(applied.results[0]!.error).toContain('403');
    write('Secretfile.yml', SECRETFILE(t.vault('kv-app-local').url));
  });
});

describe('secrets', () => {
  it('no output held a secret value or a template field\'s fixed value', async () => {
    const values = ['set-by-hand-out-of-band', FIXED];
    for (const name of ['dev-orders-api-key', 'dev-orders-db']) values.push((await t.secrets(t.vault('kv-app-local').url).getSecret(name)).value!);
    const db = JSON.parse(values.at(-1)!) as { password: string };
    values.push(db.password);
    for (const output of outputs) for (const value of values) expect(output).not.toContain(value);
  });
});
