/**
 * infra/hooks/app-registration.sh run for real by /bin/sh, against stand-ins for `az` and `azd`
 * (support/fake-azure-cli.mjs) that keep a small directory and Graph's rules. What only Entra ID
 * can show (the registration it really makes, tenant policies, tokens) is out of reach here.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/infra-checks.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const HOOK = join(REPO_ROOT, 'infra', 'hooks', 'app-registration.sh');
const FAKE = join(import.meta.dirname, 'support', 'fake-azure-cli.mjs');
const APP_ROLES = JSON.parse(readFileSync(join(REPO_ROOT, 'infra', 'app-roles.json'), 'utf8')) as unknown[];
const API = JSON.parse(readFileSync(join(REPO_ROOT, 'infra', 'app-api.json'), 'utf8')) as { api: unknown };

interface FakeApp {
  appId: string;
  displayName: string;
  signInAudience: string;
  identifierUris: string[];
  appRoles: unknown[];
  api: unknown;
}

interface FakeState {
  signedIn: boolean;
  tenantId: string;
  apps: FakeApp[];
  servicePrincipals: string[];
  env: Record<string, string>;
  calls: string[];
}

let dir: string;
let statePath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'app-registration-'));
  mkdirSync(join(dir, 'bin'));
  for (const tool of ['az', 'azd']) {
    writeFileSync(join(dir, 'bin', tool), `#!/bin/sh\nexec "${process.execPath}" "${FAKE}" ${tool} "$@"\n`);
    chmodSync(join(dir, 'bin', tool), 0o755);
  }
  statePath = join(dir, 'state.json');
  writeState({ signedIn: true, tenantId: TENANT, apps: [], servicePrincipals: [], env: {}, calls: [] });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeState(state: FakeState): void {
  writeFileSync(statePath, JSON.stringify(state));
}

function readState(): FakeState {
  return JSON.parse(readFileSync(statePath, 'utf8')) as FakeState;
}

/** Runs the hook as azd would: the azd environment's values as environment variables. */
function runHook(env: Record<string, string>, script = HOOK): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sh', [script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`, FAKE_AZ_STATE: statePath, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('infra/hooks/app-registration.sh', () => {
  it('creates the registration, its service principal, roles, scope and pre-authorization, and sets AUTH_AUDIENCES', () => {
    // Arrange / Act
    const run = runHook({ AZURE_ENV_NAME: 'prod' });

    // Assert
    expect(run.status, run.stderr).toBe(0);
    const state = readState();
    expect(state.apps).toHaveLength(1);
    const app = state.apps[0]!;
    expect(app).toMatchObject({ displayName: 'kv-rotation-prod', signInAudience: 'AzureADMyOrg', identifierUris: [`api://${TENANT}/kv-rotation-prod`] });
    expect(app.appRoles).toEqual(APP_ROLES);
    expect(app.api).toEqual(API.api);
    expect(state.servicePrincipals).toEqual([app.appId]);
    expect(state.env).toEqual({ AUTH_CLIENT_ID: app.appId, AUTH_AUDIENCES: `api://${TENANT}/kv-rotation-prod,${app.appId}` });
  });

  it('updates the same registration when run again, creating nothing', () => {
    // Arrange
    expect(runHook({ AZURE_ENV_NAME: 'prod' }).status).toBe(0);
    const first = readState();
    writeState({ ...first, calls: [] });

    // Act
    const again = runHook({ AZURE_ENV_NAME: 'prod', ...first.env });

    // Assert
    expect(again.status, again.stderr).toBe(0);
    const state = readState();
    expect(state.apps).toEqual(first.apps);
    expect(state.servicePrincipals).toEqual(first.servicePrincipals);
    expect(state.env).toEqual(first.env);
    expect(state.calls.filter((call) => / create /.test(call))).toEqual([]);
  });

  it('finds its registration by the app ID URI when the environment lost AUTH_CLIENT_ID', () => {
    // Arrange
    expect(runHook({ AZURE_ENV_NAME: 'prod' }).status).toBe(0);
    const first = readState();

    // Act
    const again = runHook({ AZURE_ENV_NAME: 'prod' });

    // Assert
    expect(again.status, again.stderr).toBe(0);
    expect(readState().apps.map((a) => a.appId)).toEqual([first.apps[0]!.appId]);
  });

  it('takes the app ID URI and the name from AUTH_APP_ID_URI and AUTH_APP_NAME', () => {
    // Arrange / Act
    const run = runHook({ AZURE_ENV_NAME: 'prod', AUTH_APP_NAME: 'secrets-api', AUTH_APP_ID_URI: 'https://contoso.com/secrets-api' });

    // Assert
    expect(run.status, run.stderr).toBe(0);
    const [app] = readState().apps;
    expect(app).toMatchObject({ displayName: 'secrets-api', identifierUris: ['https://contoso.com/secrets-api'] });
    expect(readState().env['AUTH_AUDIENCES']).toBe(`https://contoso.com/secrets-api,${app!.appId}`);
  });

  it.each([
    ['the Azure CLI is not signed in', { signedIn: false }, {}, /az login/],
    ['the Azure CLI is signed in to another tenant', {}, { AZURE_TENANT_ID: '99999999-9999-9999-9999-999999999999' }, /az login --tenant 99999999/],
  ])('refuses, changing nothing, when %s', (_name, state, env, message) => {
    // Arrange
    writeState({ ...readState(), ...state });

    // Act
    const run = runHook({ AZURE_ENV_NAME: 'prod', ...env });

    // Assert
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(message);
    expect(readState()).toMatchObject({ apps: [], env: {} });
  });

  it('with AUTH_APP_REGISTRATION=manual, leaves the directory alone and keeps the audiences set by hand', () => {
    // Arrange / Act
    const run = runHook({ AZURE_ENV_NAME: 'prod', AUTH_APP_REGISTRATION: 'manual', AUTH_AUDIENCES: 'api://secrets' });

    // Assert
    expect(run.status, run.stderr).toBe(0);
    expect(readState()).toMatchObject({ apps: [], env: {}, calls: [] });
  });

  it('with AUTH_APP_REGISTRATION=manual and no AUTH_AUDIENCES, fails and says what to set', () => {
    // Arrange / Act
    const run = runHook({ AZURE_ENV_NAME: 'prod', AUTH_APP_REGISTRATION: 'manual' });

    // Assert
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/azd env set AUTH_AUDIENCES/);
  });

  it('the stand-in keeps Graph\'s rule: a copy of the hook that pre-authorizes first fails', () => {
    // Arrange: the hook and its files, with the two PATCHes swapped.
    mkdirSync(join(dir, 'infra', 'hooks'), { recursive: true });
    for (const file of ['app-roles.json', 'app-api-scopes.json', 'app-api.json']) cpSync(join(REPO_ROOT, 'infra', file), join(dir, 'infra', file));
    const swapped = readFileSync(HOOK, 'utf8').replace('@$infra/app-api-scopes.json', '@$infra/SCOPES').replace('@$infra/app-api.json', '@$infra/app-api-scopes.json').replace('@$infra/SCOPES', '@$infra/app-api.json');
    writeFileSync(join(dir, 'infra', 'hooks', 'app-registration.sh'), swapped);

    // Act
    const run = runHook({ AZURE_ENV_NAME: 'prod' }, join(dir, 'infra', 'hooks', 'app-registration.sh'));

    // Assert
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/Permission Id that cannot be found/);
    expect(readState().env).toEqual({});
  });
});
