/**
 * `kvrot smoke` without a server: a fake fetch is the identity provider and the API, and each
 * kind of answer ends in its documented exit code with a line that says what failed. These are
 * the checks the old `npm run smoke` (scripts/smoke.ts) was tested for, now proved on the one
 * smoke test there is; test/cli/smoke.e2e.test.ts runs it against the local stack.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { smokeReportSchema } from '../../src/cli/commands/api-reports.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { secretLookingFields } from '../../src/cli/smoke/smoke-checks.js';
import { runInProcess, type Run } from './cli-harness.js';

/** As long as a real access token, so that a message cut at 200 characters would still hold part of it. */
const TOKEN = `eyJhbGciOiJSUzI1NiJ9.${'eyJvaWQiOiIxMjMiLCJyb2xlcyI6WyJSb3RhdGlvbi5PcGVyYXRlIl19'.repeat(5)}.smoke-signature-9c1d`;
const TOKEN_PART = TOKEN.slice(0, 60);

interface Reply {
  status: number;
  body?: string;
  json?: unknown;
  headers?: Record<string, string>;
  /** Never answer, until the request is aborted (the timeout). */
  hang?: boolean;
  /** Fail as fetch does when nothing listens. */
  refuse?: boolean;
}

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
  body: string;
  redirect: RequestInit['redirect'];
}

function plan(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dryRun: true,
    policyId: 'payments-db',
    trigger: 'http',
    vaultUrl: 'https://kv-payments.vault.azure.net',
    secretName: 'db-password',
    wouldRotate: true,
    reason: 'due since 2026-03-01T00:00:00.000Z',
    tagNames: ['rotation-policy'],
    keyVaultOperations: { creates: 1, others: 1 },
    ...overrides,
  };
}

const HEALTHY: Reply = { status: 200, json: { status: 'ok', checks: { tableStorage: 'ok' } } };

/** The stand-in identity provider (port 7072) and the deployed API (7071), answering per test. */
class FakeDeployment {
  readonly seen: Seen[] = [];
  /** The roles each token was asked for. */
  readonly tokenRoles: string[][] = [];
  health: Reply = HEALTHY;
  rotate: Reply = { status: 200, json: plan() };
  /** The API's answer to the record of the smoke test; by default it records what was sent. */
  record: Reply | undefined;

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const body = typeof init?.body === 'string' ? init.body : '';
    if (url.port === '7072') {
      this.tokenRoles.push((JSON.parse(body) as { roles: string[] }).roles);
      return Response.json({ access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 });
    }
    this.seen.push({ method: init?.method ?? 'GET', path: url.pathname, authorization: new Headers(init?.headers).get('authorization'), body, redirect: init?.redirect });
    const reply = url.pathname === '/api/health' ? this.health : /^\/api\/policies\/[^/]+\/rotate$/.test(url.pathname) ? this.rotate : SMOKE_TESTS.test(url.pathname) ? (this.record ?? recorded(url, body)) : { status: 404, json: { error: { code: 'NotFound', message: 'no route' } } };
    if (reply.refuse) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    if (reply.hang) {
      const signal = init!.signal!;
      return new Promise<Response>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    }
    const text = reply.json === undefined ? (reply.body ?? '') : JSON.stringify(reply.json);
    return new Response(text, { status: reply.status, headers: { 'content-type': reply.json === undefined ? 'text/html' : 'application/json', ...reply.headers } });
  };
}

const SMOKE_TESTS = /^\/api\/environments\/[^/]+\/smoke-tests$/;
const RECORDED_AT = '2026-03-01T12:00:00.000Z';

/** What the API answers a recorded smoke test with: the report, with when and by whom. */
function recorded(url: URL, body: string): Reply {
  const environment = decodeURIComponent(url.pathname.split('/')[3]!);
  return { status: 201, json: { environment, at: RECORDED_AT, ...(JSON.parse(body) as object), by: { oid: '00000000-0000-4000-8000-000000000001', name: 'ci' } } };
}

let dir = '';
let deployment: FakeDeployment;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvrot-smoke-'));
  const local = { api: 'http://127.0.0.1:7071/api', identityProvider: 'http://127.0.0.1:7072', profile: null };
  writeFileSync(join(dir, 'kvrot.config.json'), JSON.stringify({ environments: { staging: local, azure: { api: 'https://kv-rotation.example.azurewebsites.net', audience: 'api://kv-rotation' } } }));
  writeFileSync(join(dir, 'remote.config.json'), JSON.stringify({ environments: { remote: { api: 'http://kv-rotation.example.com', audience: 'api://x' } } }));
  deployment = new FakeDeployment();
});

function kvrot(argv: string[], fetch: typeof globalThis.fetch = deployment.fetch): Promise<Run> {
  return runInProcess(argv, { cwd: dir, env: { NO_COLOR: '1' }, fetch });
}

function printed(run: Run): string {
  return run.stdout + run.stderr;
}

const smokeOf = (policy = 'payments-db', ...more: string[]) => ['smoke', '-e', 'staging', '--policy', policy, '--as', 'ci', ...more];

describe('kvrot smoke against a healthy deployment', () => {
  it('passes: health without a token, then a dry-run rotation of the policy with it', async () => {
    // Act
    const run = await kvrot(smokeOf());

    // Assert
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: EXIT.ok, stderr: '' });
    expect(run.stdout).toMatch(/ok {2}dry run of payments-db: POST \/api\/policies\/payments-db\/rotate \(dry run\) -> 200: would rotate \(due since/);
    expect(run.stdout).toMatch(/^passed; recorded by http:\/\/127\.0\.0\.1:7071$/m);
    expect(deployment.seen.map((s) => `${s.method} ${s.path} ${s.authorization === null ? 'anonymous' : s.authorization}`)).toEqual([
      'GET /api/health anonymous',
      `POST /api/policies/payments-db/rotate Bearer ${TOKEN}`,
      `POST /api/environments/staging/smoke-tests Bearer ${TOKEN}`,
    ]);
    expect(JSON.parse(deployment.seen[1]!.body)).toEqual({ reason: 'smoke test', dryRun: true });
    expect(JSON.parse(deployment.seen[2]!.body)).toEqual({ passed: true, fileHash: null, policies: ['payments-db'], checks: [{ name: 'health', passed: true }, { name: 'dry run of payments-db', passed: true }] });
    expect(deployment.seen.every((s) => s.redirect === 'manual')).toBe(true);
    expect(printed(run)).not.toContain(TOKEN_PART);
  });

  it('asks for Rotation.Operate alone without -f, and Rotation.Read as well with it', async () => {
    // Arrange
    writeFileSync(join(dir, 'Secretfile.yml'), 'x-kvrot: {environment: staging, owner: team-a}\nsecrets:\n  - name: api-key\n    kind: random_password\n    rotation_period: 30d\n    targets: [{provider: azure, kind: key_vault, config: {vault_url: "https://kv-app.vault.azure.net"}}]\n');

    // Act
    await kvrot(smokeOf());
    await kvrot(['smoke', '-e', 'staging', '-f', 'Secretfile.yml', '--as', 'ci']);

    // Assert
    expect(deployment.tokenRoles).toEqual([['Rotation.Operate'], ['Rotation.Read', 'Rotation.Operate']]);
  });

  it('dry-runs each policy named, its id encoded into the path', async () => {
    // Arrange
    deployment.rotate = { status: 200, json: plan({ policyId: 'a b/c' }) };

    // Act
    const run = await kvrot(smokeOf('a b/c'));

    // Assert
    expect(run.code).toBe(EXIT.ok);
    expect(deployment.seen.map((s) => s.path)).toEqual(['/api/health', '/api/policies/a%20b%2Fc/rotate', '/api/environments/staging/smoke-tests']);
  });
});

describe('kvrot smoke failures', () => {
  it.each<{ name: string; health?: Reply; rotate?: Reply; code: number; detail: RegExp }>([
    { name: 'health answers 500', health: { status: 500, json: { error: { code: 'Internal', message: 'boom' } } }, code: EXIT.remote, detail: /^GET \/api\/health: HTTP 500 Internal: boom$/ },
    { name: 'health answers 401', health: { status: 401, body: '' }, code: EXIT.auth, detail: /^GET \/api\/health: HTTP 401, and the body is not JSON .*\(is the access token a current token for this app's API/ },
    { name: 'health says degraded', health: { status: 503, json: { status: 'degraded', checks: { tableStorage: 'failed' } } }, code: EXIT.remote, detail: /HTTP 503 checks \{"tableStorage":"failed"\}/ },
    { name: 'health 200 without status ok', health: { status: 200, json: { status: 'starting' } }, code: EXIT.remote, detail: /status is "starting", not "ok"/ },
    { name: 'health returns HTML', health: { status: 200, body: '<html>Your app is up</html>' }, code: EXIT.remote, detail: /GET \/api\/health: HTTP 200, and the body is not JSON \(text\/html/ },
    { name: 'health is not the function app', health: { status: 404, body: 'Not Found' }, code: EXIT.remote, detail: /HTTP 404, .*\(is the environment's api the function app/ },
    { name: 'the app redirects', health: { status: 302, body: '', headers: { location: 'https://login.example.com/' } }, code: EXIT.remote, detail: /HTTP 302 redirect to https:\/\/login\.example\.com\/; not followed/ },
    { name: 'the policy does not exist', rotate: { status: 404, json: { error: { code: 'PolicyNotFound', message: "policy 'payments-db' not found" } } }, code: EXIT.remote, detail: /rotate \(dry run\): HTTP 404 PolicyNotFound: .*\(does policy 'payments-db' exist\?\)/ },
    { name: 'the token is refused on rotate', rotate: { status: 403, json: {} }, code: EXIT.auth, detail: /HTTP 403 \(does the identity behind the access token hold the Rotation.Operate app role/ },
    { name: 'the app rotated for real', rotate: { status: 200, json: plan({ dryRun: false }) }, code: EXIT.remote, detail: /did not confirm a dry run \(dryRun is false\)/ },
    { name: 'the plan is for another policy', rotate: { status: 200, json: plan({ policyId: 'other' }) }, code: EXIT.remote, detail: /the plan is for policy "other"/ },
    { name: 'the plan has no decision', rotate: { status: 200, json: plan({ wouldRotate: undefined }) }, code: EXIT.remote, detail: /no wouldRotate flag/ },
    { name: 'the response carries a secret value', rotate: { status: 200, json: plan({ value: 'hunter2-secret-value' }) }, code: EXIT.remote, detail: /fields that look like secret values \(\$\.value\); the API must never return them: do not promote/ },
    { name: 'a nested secret field', rotate: { status: 200, json: plan({ items: [{ name: 'x', connectionString: 'Server=db;Password=hunter2-secret-value' }] }) }, code: EXIT.remote, detail: /\(\$\.items\[0\]\.connectionString\)/ },
    { name: 'a key inside a string', rotate: { status: 200, json: plan({ reason: 'DefaultEndpointsProtocol=https;AccountKey=abc==' }) }, code: EXIT.remote, detail: /\(\$\.reason\)/ },
    { name: 'a secret field in an error', health: { status: 500, json: { error: { code: 'Internal', message: 'x', password: 'hunter2-secret-value' } } }, code: EXIT.remote, detail: /\(\$\.error\.password\)/ },
  ])('fails when $name, with exit $code', async ({ health, rotate, code, detail }) => {
    // Arrange
    if (health) deployment.health = health;
    if (rotate) deployment.rotate = rotate;

    // Act
    const run = await kvrot(smokeOf('payments-db', '--json'));

    // Assert
    expect(run.code).toBe(code);
    const report = smokeReportSchema.parse(JSON.parse(run.stdout));
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.passed)).toEqual([{ check: expect.any(String), passed: false, detail: expect.stringMatching(detail) }]);
    // The failure is recorded too (so promote refuses it), with the checks' names and results: never their details.
    const sent = deployment.seen.find((seen) => SMOKE_TESTS.test(seen.path))!.body;
    expect(JSON.parse(sent)).toMatchObject({ passed: false, fileHash: null, policies: ['payments-db'] });
    expect(report.recordedAt).toBe(RECORDED_AT);
    for (const text of [printed(run), sent]) {
      expect(text).not.toContain('hunter2-secret-value');
      expect(text).not.toContain('abc==');
      expect(text).not.toContain(TOKEN_PART);
    }
  });

  it('says FAILED on the check that failed, and failed on the last line, in the human form', async () => {
    // Arrange
    deployment.rotate = { status: 200, json: plan({ dryRun: false }) };

    // Act
    const run = await kvrot(smokeOf());

    // Assert
    expect(run.code).toBe(EXIT.remote);
    expect(run.stdout).toMatch(/^ {2}ok {2}health: GET \/api\/health -> 200 ok$/m);
    expect(run.stdout).toMatch(/^ {2}FAILED {2}dry run of payments-db: .*did not confirm a dry run/m);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('failed; recorded by http://127.0.0.1:7071');
  });

  it.each<{ name: string; record: Reply; code: number; error: RegExp }>([
    { name: 'refuses the record as invalid (400)', record: { status: 400, json: { error: { code: 'ValidationFailed', message: 'the request body is invalid', details: [{ path: 'checks.0.name', message: 'too long' }] } } }, code: EXIT.validation, error: /: 400 ValidationFailed: the request body is invalid/ },
    { name: 'refuses the caller (403)', record: { status: 403, json: { error: { code: 'Forbidden', message: 'this operation needs the app role Rotation.Operate' } } }, code: EXIT.auth, error: /: 403 Forbidden/ },
    { name: 'fails (500)', record: { status: 500, json: { error: { code: 'Internal', message: 'boom' } } }, code: EXIT.remote, error: /: 500 Internal: boom/ },
    { name: 'has no such route (a deployment from before it, 404)', record: { status: 404, json: { error: { code: 'NotFound', message: 'no route' } } }, code: EXIT.validation, error: /: 404 NotFound/ },
  ])('fails with exit $code when every check passed but the API $name', async ({ record, code, error }) => {
    // Arrange
    deployment.record = record;

    // Act
    const json = await kvrot(smokeOf('payments-db', '--json'));
    const human = await kvrot(smokeOf());

    // Assert
    expect(json.code).toBe(code);
    const report = smokeReportSchema.parse(JSON.parse(json.stdout));
    expect({ ok: report.ok, passed: report.checks.every((c) => c.passed), recordedAt: report.recordedAt, recordError: report.recordError }).toEqual({ ok: false, passed: true, recordedAt: null, recordError: expect.stringMatching(error) });
    expect(human.code).toBe(code);
    expect(human.stdout.trimEnd().split('\n').at(-1)).toMatch(/^passed; NOT recorded: POST \/api\/environments\/staging\/smoke-tests: /);
  });

  it('passes once the API records it: the twin of the refusals above', async () => {
    // Act
    const run = await kvrot(smokeOf('payments-db', '--json'));

    // Assert
    expect(run.code).toBe(EXIT.ok);
    expect(smokeReportSchema.parse(JSON.parse(run.stdout))).toMatchObject({ ok: true, recordedAt: RECORDED_AT, recordError: null });
  });

  it('never prints the token, not even part of it, when the API echoes it in an error or a plan', async () => {
    // Arrange
    const echoed = { status: 400, json: { error: { code: 'Echo', message: `bad token ${TOKEN}` } } };

    // Act
    deployment.rotate = echoed;
    const inError = await kvrot(smokeOf('payments-db', '--json'));
    deployment.rotate = { status: 200, json: plan({ reason: `token ${TOKEN}` }) };
    const inPlan = await kvrot(smokeOf());

    // Assert
    expect(inError.code).toBe(EXIT.remote);
    expect(smokeReportSchema.parse(JSON.parse(inError.stdout)).checks[1]?.detail).toMatch(/HTTP 400 Echo: bad token \[redacted\]$/);
    expect(inPlan.code).toBe(EXIT.ok);
    expect(inPlan.stdout).toContain('would rotate (token [redacted])');
    for (const run of [inError, inPlan]) expect(printed(run)).not.toContain(TOKEN_PART);
  });

  it('never prints the token wherever in a generated answer the API echoes it', async () => {
    // The token within generated text, in the places an answer's text is printed from, and anywhere in generated JSON.
    const echoing = fc.tuple(fc.string({ maxLength: 120 }), fc.string({ maxLength: 120 })).map(([before, after]) => `${before}${TOKEN}${after}`);
    const body = fc.oneof(
      fc.record({ code: fc.string({ minLength: 1, maxLength: 20 }), message: echoing }).map((error) => JSON.stringify({ error })),
      echoing.map((reason) => JSON.stringify(plan({ reason }))),
      fc.tuple(fc.json({ maxDepth: 3 }), fc.nat()).map(([json, at]) => json.replace(/"([^"\\]*)"/, (_match, inner: string) => `"${inner.slice(0, at % (inner.length + 1))}${TOKEN}${inner.slice(at % (inner.length + 1))}"`)),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(200, 400, 403, 404, 500), async (text, status) => {
        // Arrange
        deployment.rotate = { status, body: text, headers: { 'content-type': 'application/json' } };

        // Act
        const json = await kvrot(smokeOf('payments-db', '--json'));
        const human = await kvrot(smokeOf());

        // Assert
        expect([EXIT.ok, EXIT.auth, EXIT.remote]).toContain(json.code);
        for (const run of [json, human]) expect(printed(run)).not.toContain(TOKEN_PART);
      }),
      { numRuns: 60 },
    );
  });

  it('gives up on an API that does not answer within --timeout-ms', async () => {
    // Arrange
    deployment.health = { status: 200, hang: true };

    // Act
    const run = await kvrot(smokeOf('payments-db', '--timeout-ms', '50', '--json'));

    // Assert
    expect(run.code).toBe(EXIT.remote);
    expect(smokeReportSchema.parse(JSON.parse(run.stdout)).checks[0]).toEqual({ check: 'health', passed: false, detail: 'GET /api/health: no response within 50 ms' });
  });

  it('reports a network error when nothing listens, and still dry-runs the policies', async () => {
    // Arrange
    deployment.health = { status: 0, refuse: true };

    // Act
    const run = await kvrot(smokeOf('payments-db', '--json'));

    // Assert
    expect(run.code).toBe(EXIT.remote);
    expect(smokeReportSchema.parse(JSON.parse(run.stdout)).checks.map((c) => [c.check, c.passed, c.detail])).toEqual([
      ['health', false, 'GET /api/health: network error (ECONNREFUSED)'],
      ['dry run of payments-db', true, expect.stringMatching(/would rotate/)],
    ]);
  });
});

describe('kvrot smoke usage', () => {
  it.each<{ name: string; argv: string[]; message: RegExp; cwd?: 'elsewhere' }>([
    { name: 'no --policy and no -f', argv: ['smoke', '-e', 'staging', '--as', 'ci'], message: /name the policies to dry-run with --policy, or the Secretfile/ },
    { name: 'no environment', argv: ['smoke', '--policy', 'p', '--as', 'ci'], message: /required option '-e, --environment <name>'/ },
    { name: 'no kvrot.config.json', argv: ['smoke', '-e', 'staging', '--policy', 'p', '--as', 'ci'], cwd: 'elsewhere', message: /cannot read the configuration .*kvrot\.config\.json.*write one naming your environments' APIs/ },
    { name: 'an environment the configuration does not name', argv: ['smoke', '-e', 'production', '--policy', 'p', '--as', 'ci'], message: /no environment "production" in .*; it names staging, azure/ },
    { name: 'plain http to a remote API', argv: ['smoke', '-e', 'remote', '--policy', 'p', '--config', 'remote.config.json'], message: /must be https:\/\// },
    { name: 'no --as where tokens come from the local identity provider', argv: ['smoke', '-e', 'staging', '--policy', 'p'], message: /say who you are with --as <user>/ },
    { name: '--as against Azure', argv: ['smoke', '-e', 'azure', '--policy', 'p', '--as', 'ci'], message: /--as names a user of the local identity provider/ },
    { name: 'a bad --timeout-ms', argv: [...smokeOf(), '--timeout-ms', '0'], message: /--timeout-ms must be a whole number of milliseconds/ },
    { name: 'an unknown option', argv: [...smokeOf(), '--token', TOKEN], message: /unknown option '--token'/ },
    { name: '--policy without a value', argv: ['smoke', '-e', 'staging', '--as', 'ci', '--policy'], message: /option '--policy <id>' argument missing/ },
  ])('refuses $name (exit 2) without calling anything', async ({ argv, message, cwd }) => {
    // Arrange
    const calls: string[] = [];
    const recording = (async (input: string | URL | Request) => {
      calls.push(String(input));
      throw new Error('must not be called');
    }) as typeof fetch;

    // Act
    const run = await runInProcess(argv, { cwd: cwd ? mkdtempSync(join(tmpdir(), 'kvrot-smoke-none-')) : dir, env: { NO_COLOR: '1' }, fetch: recording });

    // Assert
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: EXIT.usage, stdout: '' });
    expect(run.stderr).toMatch(message);
    expect(calls).toEqual([]);
    expect(run.stderr).not.toContain(TOKEN_PART);
  });
});

describe('kvrot smoke with a kvrot.config.json written by hand or by a script', () => {
  it.each([
    ['an empty api', { api: '', audience: 'api://x' }, 'environments.staging.api: must be a URL'],
    ['an api that is not a URL', { api: 'func-api.azurewebsites.net', audience: 'api://x' }, 'environments.staging.api: must be a URL'],
    ['an empty audience', { api: 'https://func-api.azurewebsites.net', audience: '' }, 'environments.staging.audience'],
    ['an identity provider that is not a URL', { api: 'http://127.0.0.1:7071', identityProvider: 'idp' }, 'environments.staging.identityProvider: must be a URL'],
  ])('refuses %s as a usage error (exit 2) naming the field, calling nothing', async (_what, environment, message) => {
    // Arrange
    writeFileSync(join(dir, 'kvrot.config.json'), JSON.stringify({ environments: { staging: environment } }));
    const calls: string[] = [];

    // Act
    const run = await kvrot(['smoke', '-e', 'staging', '--policy', 'p'], async (input) => {
      calls.push(String(input));
      throw new Error('must not be called');
    });

    // Assert
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: EXIT.usage, stdout: '' });
    expect(run.stderr).toContain(message);
    expect(calls).toEqual([]);
  });

  it('answers any generated api and identity provider with a usage error or a smoke test, never an unexpected error', async () => {
    const urlish = fc.oneof(fc.string({ maxLength: 40 }), fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.constantFrom('http://127.0.0.1:7071/api', 'http://127.0.0.1:7072', 'https://x', 'http://[::1]:1', 'file:///etc/passwd', 'http://'));
    await fc.assert(
      fc.asyncProperty(urlish, urlish, async (api, identityProvider) => {
        // Arrange: the local identity provider, so that no run asks DefaultAzureCredential (the network) for a token
        writeFileSync(join(dir, 'kvrot.config.json'), JSON.stringify({ environments: { staging: { api, identityProvider } } }));

        // Act
        const run = await kvrot(['smoke', '-e', 'staging', '--policy', 'p', '--as', 'ci'], async () => {
          throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
        });

        // Assert
        expect(run.stderr).not.toContain('unexpected error');
        expect([EXIT.usage, EXIT.auth, EXIT.remote]).toContain(run.code);
      }),
      { numRuns: 150 },
    );
  });
});

describe('secretLookingFields', () => {
  it.each<[string, unknown, string[]]>([
    ['a plan', plan(), []],
    ['a value field', { value: 'x' }, ['$.value']],
    ['case-insensitive names', { Password: 'x', nested: { ClientSecret: 'y' } }, ['$.Password', '$.nested.ClientSecret']],
    ['array items', [{ ok: 1 }, { secretValue: 'x' }], ['$[1].secretValue']],
    // Assembled at run time so the repository never holds a private-key header line.
    ['a private key in text', { note: `-----BEGIN RSA ${'PRIVATE'} KEY-----` }, ['$.note']],
    ['a SAS in text', { url: 'https://x.blob.core.windows.net/?SharedAccessSignature=sv=1' }, ['$.url']],
    ['secretName is not a value', { secretName: 'db-password' }, []],
  ])('%s', (_what, json, expected) => {
    // Arrange / Act
    const fields = secretLookingFields(json);

    // Assert
    expect(fields).toEqual(expected);
  });
});
