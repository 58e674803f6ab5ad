/**
 * `kvrot smoke` against the local stack (the app in the local host, the identity provider,
 * Azurite, the Key Vault emulator), as a pipeline runs it right after a deploy: one policy named
 * with --policy, no Secretfile, an identity holding Rotation.Operate alone. The promotion gate's
 * smoke tests with -f are in test/cli/api-commands.e2e.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smokeReportSchema } from '../../src/cli/commands/api-reports.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { stateSchema } from '../../src/cli/state.js';
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
  it('passes on a healthy app with a governed policy, as the pipeline identity with Rotation.Operate alone, and writes nothing', async () => {
    // Act
    const run = await runBinAsync(['smoke', '--env', 'staging', '--policy', POLICY, '--as', 'smoke-runner'], { cwd: dir, env: { NO_COLOR: '1' } });

    // Assert
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: EXIT.ok, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`ok {2}dry run of ${POLICY}: POST /api/policies/${POLICY}/rotate \\(dry run\\) -> 200: would rotate`));
    expect(run.stdout).not.toContain(TOKEN_START);
    expect(await versionsOf(t.secrets(t.vault().url), POLICY)).toEqual([]);
    expect((await t.call('GET', `/policies/${POLICY}/rotations`)).json.items.map((record: { action: string }) => record.action)).toEqual(['policy.created']);
    const state = stateSchema.parse(JSON.parse(readFileSync(join(dir, '.kvrot/state.json'), 'utf8')));
    expect(state.environments['staging']?.lastSmoke).toMatchObject({ passed: true, file: null, fileHash: null, policies: [POLICY] });
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
    const state = stateSchema.parse(JSON.parse(readFileSync(join(dir, '.kvrot/state.json'), 'utf8')));
    expect(state.environments['staging']?.lastSmoke).toMatchObject({ passed: false, policies: ['no-such-policy'] });
  });

  it('fails with exit 3 for an identity without Rotation.Operate, naming the role', async () => {
    // Act
    const run = await kvrot(['smoke', '-e', 'staging', '--policy', POLICY, '--as', 'reader', '--roles', 'Rotation.Read', '--json']);

    // Assert
    expect(run.code).toBe(EXIT.auth);
    expect(smokeReportSchema.parse(JSON.parse(run.stdout)).checks[1]?.detail).toMatch(/HTTP 403 .*Rotation\.Operate/);
  });
});
