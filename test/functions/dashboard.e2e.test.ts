/**
 * GET /api/ui/ and /api/ui/{*path} on the local host: the dashboard's build output and its
 * config.json, anonymous, with a strict CSP and the right content types and cache headers; and
 * generated paths (traversal, encodings, names of files outside the build) that answer a file of
 * the build or a 404, never anything else and never a 5xx. Raw HTTP requests, so no client
 * normalises a path before the host sees it.
 */
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardBuildDirectory, dashboardConfig, loadStaticFiles } from '../../src/functions/http/dashboard-files.js';
import { LOCAL_DASHBOARD_CLIENT_ID } from '../../src/local/identity-provider/index.js';
import { holds } from '../fuzz/harness.js';
import { fuzzParameters } from '../support/fuzz-settings.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
let build: Map<string, Buffer>;

beforeAll(async () => {
  t = await startTestApp();
  build = new Map([...loadStaticFiles(dashboardBuildDirectory())].map(([path, file]) => [path, file.body]));
  expect(build.has('index.html')).toBe(true);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A request whose path goes to the host byte for byte. */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  const url = new URL(t.app.functionsHost.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard is served', () => {
  it('at /api/ui/ and /api/ui: index.html, anonymously, with a strict CSP and no inline script or style', async () => {
    for (const path of ['/api/ui/', '/api/ui', '/api/ui/index.html']) {
      const answer = await raw(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      expect(answer.body.equals(build.get('index.html')!)).toBe(true);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['cache-control']).toBe('no-cache');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['x-frame-options']).toBe('DENY');
      const csp = String(answer.headers['content-security-policy']);
      const signIn = new URL(t.app.identityProvider.signIn!.authority).origin;
      expect(csp.split('; ')).toEqual([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        `connect-src 'self' ${signIn}`,
        `frame-src ${signIn}`,
        "form-action 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ]);
    }
    const html = build.get('index.html')!.toString('utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('serves every file of the build with its content type; hashed assets are cached for a year, the rest revalidated by ETag', async () => {
    const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.html': 'text/html; charset=utf-8' };
    expect([...build.keys()].some((path) => /^assets\/index-[\w-]+\.js$/.test(path))).toBe(true);
    for (const [path, body] of build) {
      const answer = await raw(`/api/ui/${path}`);
      expect({ path, status: answer.status, type: answer.headers['content-type'] }).toEqual({ path, status: 200, type: types[path.slice(path.lastIndexOf('.'))] });
      expect(answer.body.equals(body)).toBe(true);
      expect(answer.headers['cache-control']).toBe(path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      const again = await raw(`/api/ui/${path}`, { 'if-none-match': String(answer.headers['etag']) });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
    }
  });

  it('serves config.json: what MSAL.js needs to sign in at the local identity provider, and no secret', async () => {
    const answer = await raw('/api/ui/config.json');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    const signIn = t.app.identityProvider.signIn!;
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual({
      signIn: 'configured',
      clientId: LOCAL_DASHBOARD_CLIENT_ID,
      authority: signIn.authority,
      protocolMode: 'OIDC',
      knownAuthorities: [new URL(signIn.authority).host],
      scopes: ['api://kv-rotation-local/.default'],
      redirectPath: '/api/ui/',
    });
  });

  it('takes Entra ID in Azure: protocol mode AAD, and says when sign-in is not configured', () => {
    expect(dashboardConfig({ clientId: '11111111-2222-3333-4444-555555555555', authority: 'https://login.microsoftonline.com/tenant-guid', apiScope: 'api://t/kv-rotation-prod/.default' })).toMatchObject({
      signIn: 'configured',
      protocolMode: 'AAD',
      knownAuthorities: [],
      scopes: ['api://t/kv-rotation-prod/.default'],
    });
    expect(dashboardConfig({ authority: 'https://login.microsoftonline.com/tenant-guid', apiScope: 'api://x/.default' })).toMatchObject({ signIn: 'not-configured' });
  });

  it('answers a token it does not need the same way: no Authorization is read', async () => {
    const plain = await raw('/api/ui/');
    const withJunk = await raw('/api/ui/', { authorization: 'Bearer not-a-token' });
    expect(withJunk.status).toBe(200);
    expect(withJunk.body.equals(plain.body)).toBe(true);
  });

  it('answers 404 (with the API error shape) for a path not in the build, and 405 to other methods', async () => {
    const missing = await raw('/api/ui/no-such-file.js');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString('utf8'))).toEqual({ error: { code: 'NotFound', message: 'no such file in the dashboard', details: [] } });
    expect((await raw('/api/ui/', {}, 'POST')).status).toBe(405);
  });
});

describe('paths that try to leave the build', () => {
  /** Every file's bytes the dashboard may answer with: the build, and config.json. */
  const served = () => [...build.values()];

  async function answersABuildFileOr404(path: string): Promise<void> {
    const answer = await raw(path);
    if (answer.status >= 500) throw new Error(`${path} answered ${answer.status}`);
    if (answer.status === 404 || answer.status === 400) return;
    if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}, neither a file nor a 404`);
    const config = JSON.stringify(dashboardConfig({ clientId: LOCAL_DASHBOARD_CLIENT_ID, authority: t.app.identityProvider.signIn!.authority, apiScope: 'api://kv-rotation-local/.default' }));
    if (!served().some((body) => body.equals(answer.body)) && answer.body.toString('utf8') !== config) throw new Error(`${path} answered 200 with ${answer.body.length} bytes that are no file of the build`);
  }

  const OUTSIDE = ['package.json', 'src/config.ts', 'dist/src/functions/dashboard.js', 'local.settings.json', '.git/config', 'node_modules/vite/package.json', 'etc/passwd', 'proc/self/environ'];

  it.each([
    '/api/ui/../package.json',
    '/api/ui/../../package.json',
    '/api/ui/..%2F..%2Fpackage.json',
    '/api/ui/%2e%2e/%2e%2e/package.json',
    '/api/ui/%2e%2e%2f%2e%2e%2fpackage.json',
    '/api/ui/assets/../../../package.json',
    '/api/ui/....//....//package.json',
    '/api/ui/%252e%252e/package.json',
    '/api/ui/%c0%ae%c0%ae/package.json',
    '/api/ui//etc/passwd',
    '/api/ui/%2Fetc%2Fpasswd',
    '/api/ui/index.html%00.png',
    '/api/ui/..\\..\\package.json',
    '/api/ui/assets',
    '/api/ui/assets/',
    '/api/ui/.',
    '/api/ui/./index.html',
  ])('%s answers a file of the build or a 404', async (path) => {
    await answersABuildFileOr404(path);
    const answer = await raw(path);
    expect(answer.body.toString('utf8')).not.toContain('"name": "keyvault-rotation-governance"');
  });

  it('holds for generated paths: segments of traversal, encodings, real names inside and outside the build', async () => {
    const inside = [...build.keys()];
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2E%2E', '..%2f', '..%5c', '%2f', '%5c', '%00', '%252e%252e', '%c0%ae', '', '~', '\\..', 'assets', 'index.html', 'config.json'),
      fc.constantFrom(...inside, ...OUTSIDE),
      fc.stringMatching(/^[A-Za-z0-9._%~-]{1,12}$/),
    );
    const path = fc.array(segment, { minLength: 1, maxLength: 6 }).map((segments) => `/api/ui/${segments.join('/')}`);
    await holds(
      fc.asyncProperty(path, async (p) => answersABuildFileOr404(p)),
      fuzzParameters('dashboard-paths', 300),
    );
  }, 120_000);
});

describe('loadStaticFiles', () => {
  it('holds only regular files of served kinds under its root: no symbolic link out, no dotfile, no unknown extension', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-files-'));
    try {
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html>');
      writeFileSync(join(dir, 'assets', 'index-AbCdEf12.js'), 'export {}');
      writeFileSync(join(dir, '.env'), 'SECRET=1');
      writeFileSync(join(dir, 'notes.md'), '# notes');
      symlinkSync(join(process.cwd(), 'package.json'), join(dir, 'package.json.js'));
      symlinkSync(tmpdir(), join(dir, 'outside'));
      const files = loadStaticFiles(dir);
      expect([...files.keys()].sort()).toEqual(['assets/index-AbCdEf12.js', 'index.html']);
      expect(files.get('assets/index-AbCdEf12.js')!.cacheControl).toBe('public, max-age=31536000, immutable');
      expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe(files.get('index.html')!.body.toString('utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
