import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSmoke, secretLookingFields, SMOKE_EXIT, type SmokeIo } from '../../scripts/smoke.js';

const KEY = 'smoke-key-8f2c1e0a9b7d4c3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c';

interface Reply {
  status: number;
  body?: string;
  json?: unknown;
  headers?: Record<string, string>;
  /** Never answer (to exercise the timeout). */
  hang?: boolean;
}

interface Seen {
  method: string;
  url: string;
  key: string | undefined;
  body: string;
}

/** A stand-in for the deployed API: answers from per-test replies, records what it was sent. */
class FakeApi {
  readonly seen: Seen[] = [];
  health: Reply = { status: 200, json: { status: 'ok', checks: { tableStorage: 'ok' } } };
  rotate: Reply = { status: 200, json: plan() };
  readonly #server: Server = createServer((req, res) => void this.#handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    this.seen.push({ method: req.method ?? '', url: req.url ?? '', key: req.headers['x-functions-key'] as string | undefined, body });
    const reply = req.url === '/api/health' ? this.health : /^\/api\/policies\/[^/]+\/rotate$/.test(req.url ?? '') ? this.rotate : { status: 404, json: { error: { code: 'NotFound', message: 'no route' } } };
    if (reply.hang) return;
    const text = reply.json === undefined ? (reply.body ?? '') : JSON.stringify(reply.json);
    res.writeHead(reply.status, { 'content-type': reply.json === undefined ? 'text/html' : 'application/json', ...reply.headers });
    res.end(text);
  }
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

interface Run {
  code: number;
  out: string[];
  err: string[];
  printed: string;
}

async function smoke(argv: string[], options: { env?: Record<string, string | undefined>; fetch?: typeof fetch } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: SmokeIo = {
    argv,
    env: options.env ?? { SMOKE_FUNCTION_KEY: KEY },
    fetch: options.fetch ?? globalThis.fetch,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  const code = await runSmoke(io);
  return { code, out, err, printed: [...out, ...err].join('\n') };
}

const api = new FakeApi();
let baseUrl = '';

beforeAll(async () => {
  baseUrl = await api.start();
});

afterAll(async () => {
  await api.stop();
});

afterEach(() => {
  api.seen.length = 0;
  api.health = { status: 200, json: { status: 'ok', checks: { tableStorage: 'ok' } } };
  api.rotate = { status: 200, json: plan() };
});

describe('smoke test against a healthy app', () => {
  it('passes: health, then a dry-run rotation of the policy', async () => {
    // Arrange / Act
    const run = await smoke(['--url', baseUrl, '--policy', 'payments-db']);

    // Assert
    expect(run.code).toBe(SMOKE_EXIT.passed);
    expect(run.err).toEqual([]);
    expect(run.out.at(-1)).toBe('smoke: passed');
    expect(run.printed).toMatch(/would rotate \(due since/);
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /api/health', 'POST /api/policies/payments-db/rotate']);
    expect(JSON.parse(api.seen[1]!.body)).toEqual({ reason: 'smoke test', dryRun: true });
  });

  it('sends the function key as x-functions-key on every request and never prints it', async () => {
    // Arrange / Act
    const run = await smoke([`--url=${baseUrl}`, '--policy=payments-db']);

    // Assert
    expect(api.seen.map((s) => s.key)).toEqual([KEY, KEY]);
    expect(run.printed).not.toContain(KEY);
  });

  it('encodes the policy id into the path', async () => {
    // Arrange
    api.rotate = { status: 200, json: plan({ policyId: 'a b/c' }) };

    // Act
    const run = await smoke(['--url', baseUrl, '--policy', 'a b/c']);

    // Assert
    expect(run.code).toBe(SMOKE_EXIT.passed);
    expect(api.seen[1]?.url).toBe('/api/policies/a%20b%2Fc/rotate');
  });
});

describe('smoke test failures', () => {
  it.each<{ name: string; health?: Reply; rotate?: Reply; message: RegExp }>([
    { name: 'health answers 500', health: { status: 500, json: { error: { code: 'Internal', message: 'boom' } } }, message: /GET \/api\/health: HTTP 500 Internal: boom/ },
    { name: 'health refuses the key', health: { status: 401, body: '' }, message: /GET \/api\/health: HTTP 401, and the body is not JSON .*\(is SMOKE_FUNCTION_KEY a function or host key of this app\?\)/ },
    { name: 'health says degraded', health: { status: 503, json: { status: 'degraded', checks: { tableStorage: 'failed' } } }, message: /HTTP 503 checks \{"tableStorage":"failed"\}/ },
    { name: 'health 200 without status ok', health: { status: 200, json: { status: 'starting' } }, message: /status is "starting", not "ok"/ },
    { name: 'health returns HTML', health: { status: 200, body: '<html>Your app is up</html>' }, message: /GET \/api\/health: HTTP 200, and the body is not JSON \(text\/html/ },
    { name: 'the app redirects', health: { status: 302, body: '', headers: { location: 'https://login.example.com/' } }, message: /HTTP 302 redirect to https:\/\/login\.example\.com\/; not followed/ },
    { name: 'the policy does not exist', rotate: { status: 404, json: { error: { code: 'PolicyNotFound', message: "policy 'payments-db' not found" } } }, message: /rotate \(dry run\): HTTP 404 PolicyNotFound: .*\(does policy 'payments-db' exist\?\)/ },
    { name: 'the key is rejected on rotate', rotate: { status: 403, json: {} }, message: /HTTP 403 \(is SMOKE_FUNCTION_KEY a function or host key/ },
    { name: 'the app rotated for real', rotate: { status: 200, json: plan({ dryRun: false }) }, message: /did not confirm a dry run \(dryRun is false\)/ },
    { name: 'the plan is for another policy', rotate: { status: 200, json: plan({ policyId: 'other' }) }, message: /the plan is for policy "other"/ },
    { name: 'the plan has no decision', rotate: { status: 200, json: plan({ wouldRotate: undefined }) }, message: /no wouldRotate flag/ },
    { name: 'the response carries a secret value', rotate: { status: 200, json: plan({ value: 'hunter2-secret-value' }) }, message: /fields that look like secret values \(\$\.value\)/ },
    { name: 'a nested secret field', rotate: { status: 200, json: plan({ items: [{ name: 'x', connectionString: 'Server=db' }] }) }, message: /\$\.items\[0\]\.connectionString/ },
    { name: 'a key inside a string', rotate: { status: 200, json: plan({ reason: 'DefaultEndpointsProtocol=https;AccountKey=abc==' }) }, message: /\(\$\.reason\)/ },
  ])('fails when $name', async ({ health, rotate, message }) => {
    // Arrange
    if (health) api.health = health;
    if (rotate) api.rotate = rotate;

    // Act
    const run = await smoke(['--url', baseUrl, '--policy', 'payments-db']);

    // Assert
    expect(run.code).toBe(SMOKE_EXIT.failed);
    expect(run.err).toEqual([expect.stringMatching(message)]);
    expect(run.err[0]).toMatch(/^smoke: FAILED: /);
    expect(run.printed).not.toContain('hunter2-secret-value');
    expect(run.printed).not.toContain('abc==');
    expect(run.printed).not.toContain(KEY);
  });

  it('never prints the key, even when the app echoes it in an error', async () => {
    // Arrange
    api.health = { status: 500, json: { error: { code: 'Echo', message: `bad key ${KEY}` } } };

    // Act
    const run = await smoke(['--url', baseUrl, '--policy', 'payments-db']);

    // Assert
    expect(run.code).toBe(SMOKE_EXIT.failed);
    expect(run.printed).toContain('[redacted]');
    expect(run.printed).not.toContain(KEY);
  });

  it('gives up on an app that does not answer in time', async () => {
    // Arrange
    api.health = { status: 200, hang: true };

    // Act
    const run = await smoke(['--url', baseUrl, '--policy', 'payments-db', '--timeout-ms', '200']);

    // Assert
    expect(run.code).toBe(SMOKE_EXIT.failed);
    expect(run.err).toEqual(['smoke: FAILED: GET /api/health: no response within 200 ms']);
  });

  it('reports a network error when nothing listens', async () => {
    // Arrange
    const closed = new FakeApi();
    const closedUrl = await closed.start();
    await closed.stop();

    // Act
    const run = await smoke(['--url', closedUrl, '--policy', 'payments-db']);

    // Assert
    expect(run.code).toBe(SMOKE_EXIT.failed);
    expect(run.err).toEqual(['smoke: FAILED: GET /api/health: network error (ECONNREFUSED)']);
  });
});

describe('smoke test usage', () => {
  it.each<{ name: string; argv: string[]; env?: Record<string, string | undefined>; message: RegExp }>([
    { name: 'no --url', argv: ['--policy', 'p'], message: /--url is required/ },
    { name: 'no --policy', argv: ['--url', 'https://app.azurewebsites.net'], message: /--policy is required/ },
    { name: 'no key', argv: ['--url', 'https://app.azurewebsites.net', '--policy', 'p'], env: {}, message: /set SMOKE_FUNCTION_KEY/ },
    { name: 'plain http to a remote host', argv: ['--url', 'http://app.azurewebsites.net', '--policy', 'p'], message: /--url must be https:\/\// },
    { name: 'a URL with a path', argv: ['--url', 'https://app.azurewebsites.net/api', '--policy', 'p'], message: /the app's base URL/ },
    { name: 'credentials in the URL', argv: ['--url', 'https://user:pw@app.azurewebsites.net', '--policy', 'p'], message: /the app's base URL/ },
    { name: 'not a URL', argv: ['--url', 'app', '--policy', 'p'], message: /'app' is not a URL/ },
    { name: 'a bad timeout', argv: ['--url', 'https://app.azurewebsites.net', '--policy', 'p', '--timeout-ms', '0'], message: /--timeout-ms must be a positive whole number/ },
    { name: 'an unknown argument', argv: ['--url', 'https://app.azurewebsites.net', '--policy', 'p', '--key', KEY], message: /unknown argument '--key'/ },
    { name: 'a flag without value', argv: ['--url'], message: /--url needs a value/ },
  ])('refuses $name without calling anything', async ({ argv, env, message }) => {
    // Arrange
    const calls: string[] = [];
    const recordingFetch = (async (input: string | URL | Request) => {
      calls.push(String(input));
      throw new Error('must not be called');
    }) as typeof fetch;

    // Act
    const run = await smoke(argv, { fetch: recordingFetch, ...(env ? { env } : {}) });

    // Assert
    expect(run.code).toBe(SMOKE_EXIT.usage);
    expect(run.err[0]).toMatch(message);
    expect(run.err[1]).toMatch(/^usage: /);
    expect(calls).toEqual([]);
    expect(run.printed).not.toContain(KEY);
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
    ['secretName is not a value', { secretName: 'db-password' }, []],
  ])('%s', (_what, json, expected) => {
    // Arrange / Act
    const fields = secretLookingFields(json);

    // Assert
    expect(fields).toEqual(expected);
  });
});
