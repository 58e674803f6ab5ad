/**
 * kvrot's client and configuration without a server: a fake fetch answers, and each kind of
 * answer ends in its documented exit code with a message. The token goes only where it must.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runInProcess } from './cli-harness.js';

const TOKEN = 'header.eyJvaWQiOiIxMjMifQ.signature-7f3a';
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvrot-client-'));
  const local = { api: 'http://127.0.0.1:7071/api', identityProvider: 'http://127.0.0.1:7072' };
  writeFileSync(join(dir, 'kvrot.config.json'), JSON.stringify({ environments: { dev: local } }));
});

interface Seen {
  url: string;
  method: string;
  authorization: string | null;
  redirect: RequestInit['redirect'];
}

/** The identity provider answers a token; the API answers `api` for every call. */
function server(api: (url: URL) => Response | Promise<Response>, seen: Seen[] = []): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    seen.push({ url: url.pathname, method: init?.method ?? 'GET', authorization: new Headers(init?.headers).get('authorization'), redirect: init?.redirect });
    if (url.port === '7072') return Response.json({ access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 });
    return api(url);
  };
}

async function kvrot(argv: string[], fetch: typeof globalThis.fetch) {
  return runInProcess(argv, { cwd: dir, env: { NO_COLOR: '1' }, fetch });
}

const healthy = (url: URL) => (url.pathname === '/api/health' ? Response.json({ status: 'ok', checks: { tableStorage: 'ok', rotationQueue: 'ok' } }) : Response.json({ items: [] }));

describe('the client against answers the document does and does not describe', () => {
  it.each([
    ['401', () => Response.json({ error: { code: 'Unauthenticated', message: 'the token expired', details: [] } }, { status: 401 }), EXIT.auth, 'did not accept the token'],
    ['403', () => Response.json({ error: { code: 'Forbidden', message: 'this operation needs the app role Rotation.Read', details: [] } }, { status: 403 }), EXIT.auth, 'Rotation.Read'],
    ['a 500', () => Response.json({ error: { code: 'InternalError', message: 'see the logs', details: [] } }, { status: 500 }), EXIT.remote, 'InternalError'],
    ['a 503', () => Response.json({ error: { code: 'DependencyUnavailable', message: 'storage', details: [] } }, { status: 503 }), EXIT.remote, 'DependencyUnavailable'],
    ['a redirect', () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } }), EXIT.remote, '302'],
    ['a body that is not JSON', () => new Response('<html>', { status: 200, headers: { 'content-type': 'text/html' } }), EXIT.remote, 'not JSON'],
    ['a body of another shape', () => Response.json({ policies: [] }), EXIT.remote, 'not what /api/openapi.json describes'],
    ['a dropped connection', () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })), EXIT.remote, 'ECONNRESET'],
  ])('%s ends in its exit code with a message', async (_what, answer, code, message) => {
    const run = await kvrot(['status', '-e', 'dev', '--as', 'reader'], server(answer as (url: URL) => Response));
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: '' });
    expect(run.stderr).toMatch(/^kvrot: /);
    expect(run.stderr).toContain(message);
  });

  it('sends the token to protected routes only, never follows a redirect, and never prints it', async () => {
    const seen: Seen[] = [];
    const recorded = { environment: 'dev', at: '2026-03-01T12:00:00.000Z', passed: true, fileHash: null, policies: ['api-key'], checks: [], by: { oid: 'o', name: 'ci' } };
    const answer = (url: URL) =>
      url.pathname.endsWith('/rotate')
        ? Response.json({ dryRun: true, policyId: 'api-key', wouldRotate: false, reason: 'fresh', vaultUrl: 'https://kv.vault.azure.net', secretName: 'api-key', tagNames: [], trigger: 'http', keyVaultOperations: { creates: 0, others: 1 } })
        : url.pathname.endsWith('/smoke-tests')
          ? Response.json(recorded, { status: 201 })
          : healthy(url);
    const run = await kvrot(['smoke', '-e', 'dev', '--policy', 'api-key', '--as', 'ci', '--json'], server(answer, seen));
    expect(run.code).toBe(EXIT.ok);
    const report = await kvrot(['report', 'cost', '-e', 'dev', '--as', 'reader'], server((url) => (url.pathname === '/api/openapi.json' ? Response.json({ paths: {} }) : healthy(url)), seen));
    expect(report.code).toBe(EXIT.remote);
    const document = seen.find((call) => call.url === '/api/openapi.json')!;
    expect(document.authorization).toBeNull();
    expect(seen.find((call) => call.url.endsWith('/rotate'))!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen.find((call) => call.url.endsWith('/smoke-tests'))!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen.every((call) => call.url === '/token' || call.redirect === 'manual')).toBe(true);
    for (const output of [run.stdout, run.stderr, report.stdout, report.stderr]) expect(output).not.toContain('signature-7f3a');
  });
});

describe('kvrot.config.json', () => {
  it.each([
    ['plain http to another host', { api: 'http://kv-rotation.example.com/api', identityProvider: 'http://127.0.0.1:7072' }, 'must be https://'],
    ['an identity provider off this machine', { api: 'https://kv-rotation.example.com', identityProvider: 'https://idp.example.com' }, 'loopback address only'],
    ['credentials in the URL', { api: 'https://user:pass@kv-rotation.example.com', audience: 'api://x' }, 'no credentials'],
    ['neither an audience nor an identity provider', { api: 'https://kv-rotation.example.com' }, 'needs an audience'],
    ['a path that is not the API', { api: 'https://kv-rotation.example.com/other', audience: 'api://x' }, "the app's URL or its /api"],
    ['an unknown field', { api: 'https://kv-rotation.example.com', audience: 'api://x', token: 'x' }, 'unknown field token'],
  ])('refuses %s (exit 2)', async (_what, environment, message) => {
    writeFileSync(join(dir, 'bad.config.json'), JSON.stringify({ environments: { dev: environment } }));
    const run = await runInProcess(['status', '-e', 'dev', '--config', 'bad.config.json'], { cwd: dir, env: { NO_COLOR: '1' }, fetch: server(healthy) });
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain(message);
  });

  it('reads KVROT_CONFIG and KVROT_AS', async () => {
    writeFileSync(join(dir, 'other.config.json'), JSON.stringify({ environments: { qa: { api: 'http://127.0.0.1:7071', identityProvider: 'http://127.0.0.1:7072' } } }));
    const run = await runInProcess(['status', '-e', 'qa', '--json'], { cwd: dir, env: { KVROT_CONFIG: 'other.config.json', KVROT_AS: 'reader' }, fetch: server(healthy) });
    expect(run.code).toBe(EXIT.ok);
    expect(JSON.parse(run.stdout)).toMatchObject({ command: 'status', environment: 'qa', api: 'http://127.0.0.1:7071' });
  });
});
