/**
 * `kvrot smoke` against the local stack (the app in the local host, the identity provider,
 * Azurite, the Key Vault emulator), as a pipeline runs it right after a deploy: one policy named
 * with --policy, no Secretfile, an identity holding Rotation.Operate alone; the API records each
 * one. The promotion gate's smoke tests with -f are in test/cli/api-commands.e2e.test.ts.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeReportSchema } from '../../src/cli/commands/api-reports.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { oidFor } from '../../src/local/identity-provider/token-request.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { startTestApp, versionsOf, type RunningTestApp } from '../functions/app-e2e-support.js';
import { runBinAsync, runInProcess, type Run } from './cli-harness.js';

let t: RunningTestApp;
let dir = '';
const POLICY = 'smoke-checked';
/** What every token the local identity provider issues starts with (a JWT's header). */
const TOKEN_START = 'eyJ';

beforeAll(async () => {
  t = await startTestApp();
  dir = mkdtempSync(join(tmpdir(), 'kvrot-smoke-e2e-'));
  writeFileSync(join(dir, 'kvrot.config.json'), JSON.stringify({ environments: { staging: { api: t.app.summary.api, identityProvider: t.app.summary.identityProvider } } }));
  const created = await t.call('PUT', `/policies/${POLICY}`, aPolicyJson({ id: POLICY, secretName: POLICY, vaultUrl: t.vault().url }));
  expect(created.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

function kvrot(argv: string[]): Promise<Run> {
  return runInProcess(argv, { cwd: dir, env: { NO_COLOR: '1' } });
}

describe('kvrot smoke --policy against the local host', () => {
  it('passes on a healthy app with a governed policy, as the pipeline identity with Rotation.Operate alone, and writes nothing but its record', async () => {
    // Act
    const run = await runBinAsync(['smoke', '--env', 'staging', '--policy', POLICY, '--as', 'smoke-runner'], { cwd: dir, env: { NO_COLOR: '1' } });

    // Assert
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: EXIT.ok, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`ok {2}dry run of ${POLICY}: POST /api/policies/${POLICY}/rotate \\(dry run\\) -> 200: would rotate`));
    expect(run.stdout).not.toContain(TOKEN_START);
    expect(await versionsOf(t.secrets(t.vault().url), POLICY)).toEqual([]);
    expect((await t.call('GET', `/policies/${POLICY}/rotations`)).json.items.map((record: { action: string }) => record.action)).toEqual(['policy.created']);
    const latest = await t.call('GET', '/environments/staging/smoke-tests/latest');
    expect({ status: latest.status, ...latest.json }).toMatchObject({ status: 200, environment: 'staging', passed: true, fileHash: null, policies: [POLICY], by: { oid: oidFor(t.app.identityProvider.tenantId, 'smoke-runner') } });
    expect(latest.json.checks).toEqual([{ name: 'health', passed: true }, { name: `dry run of ${POLICY}`, passed: true }]);
    const audited = await t.call('GET', '/audit?action=environment.smoke-passed');
    expect(audited.json.items).toEqual([expect.objectContaining({ action: 'environment.smoke-passed', actorId: oidFor(t.app.identityProvider.tenantId, 'smoke-runner'), reason: 'smoke test of staging (no Secretfile): passed, 2 checks passed' })]);
    expect(existsSync(join(dir, '.kvrot/state.json'))).toBe(false);
  });

  it('fails loudly on a policy that does not exist (exit 5), and records the failure', async () => {
    // Act
    const run = await kvrot(['smoke', '-e', 'staging', '--policy', 'no-such-policy', '--as', 'smoke-runner', '--json']);

    // Assert
    expect(run.code).toBe(EXIT.remote);
    const report = smokeReportSchema.parse(JSON.parse(run.stdout));
    expect(report.checks.map((c) => [c.check, c.passed])).toEqual([
      ['health', true],
      ['dry run of no-such-policy', false],
    ]);
    expect(report.checks[1]?.detail).toMatch(/HTTP 404 \w+: .*\(does policy 'no-such-policy' exist\?\)/);
    expect(run.stdout + run.stderr).not.toContain(TOKEN_START);
    expect(report.recordedAt).not.toBeNull();
    // The failure replaces the passed smoke test as the latest: promote now refuses staging.
    const latest = await t.call('GET', '/environments/staging/smoke-tests/latest');
    expect(latest.json).toMatchObject({ at: report.recordedAt, passed: false, policies: ['no-such-policy'] });
    expect(latest.json.checks).toEqual([{ name: 'health', passed: true }, { name: 'dry run of no-such-policy', passed: false }]);
    const audited = await t.call('GET', '/audit?action=environment.smoke-failed&result=failure');
    expect(audited.json.items.map((record: { reason: string }) => record.reason)).toEqual(['smoke test of staging (no Secretfile): failed, 1 of 2 checks failed: dry run of no-such-policy']);
  });

  it('fails with exit 3 for an identity without Rotation.Operate, naming the role', async () => {
    // Act
    const run = await kvrot(['smoke', '-e', 'staging', '--policy', POLICY, '--as', 'reader', '--roles', 'Rotation.Read', '--json']);

    // Assert
    expect(run.code).toBe(EXIT.auth);
    const report = smokeReportSchema.parse(JSON.parse(run.stdout));
    expect(report.checks[1]?.detail).toMatch(/HTTP 403 .*Rotation\.Operate/);
    expect({ recordedAt: report.recordedAt, recordError: report.recordError }).toEqual({ recordedAt: null, recordError: expect.stringMatching(/403/) });
  });

  it('fails with the refusal\'s exit code when every check passed but the API refuses to record it', async () => {
    // Act: the same policy 201 times, past the 200 policies a record holds, which the API refuses (400)
    const run = await kvrot(['smoke', '-e', 'staging', ...Array.from({ length: 201 }, () => ['--policy', POLICY]).flat(), '--as', 'smoke-runner', '--json']);

    // Assert
    expect(run.code).toBe(EXIT.validation);
    const report = smokeReportSchema.parse(JSON.parse(run.stdout));
    expect(report.checks.every((c) => c.passed)).toBe(true);
    expect({ ok: report.ok, recordedAt: report.recordedAt, recordError: report.recordError }).toEqual({ ok: false, recordedAt: null, recordError: expect.stringMatching(/: 400 ValidationFailed: .*policies: at most 200 policies/) });
    // Nothing was written: the latest is still the failure before it.
    expect((await t.call('GET', '/environments/staging/smoke-tests/latest')).json).toMatchObject({ passed: false, policies: ['no-such-policy'] });
  });
});
