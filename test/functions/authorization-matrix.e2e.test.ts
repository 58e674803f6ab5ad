/**
 * The authorization matrix: every HTTP route the app registers, called over HTTP through the
 * local host with real tokens signed by the local identity provider, by every app role alone,
 * by no role, and with every kind of token the app must refuse. A route is allowed exactly to
 * the roles ROUTE_ROLES gives it, and ROUTE_ROLES names exactly the routes the app registers.
 *
 * Each probe is a request that is harmless once through the gate (an invalid body, an unknown
 * id): a role that gets in answers 2xx, 400 or 404, never 401 or 403, and nothing is written
 * by any probe, which the audit and the policy's ETag show at the end.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROLES, type AppRole } from '../../src/core/auth/caller.js';
import { API_OPERATIONS } from '../../src/functions/http/api-operations.js';
import { ROUTE_ROLES, type RouteAccess } from '../../src/functions/http/route-roles.js';
import { hmacWithPublicKey, mintWithForeignKey, oversizedToken, unsignedToken, withTamperedClaims } from '../../src/local/identity-provider/hostile-tokens.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { bearer } from '../support/test-tokens.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
const POLICY = 'matrix-policy';

interface Probe {
  method: string;
  path: string;
  body?: unknown;
}

/** One harmless request per registered function: what it does once let in never changes anything. */
const PROBES: Record<string, Probe> = {
  listPolicies: { method: 'GET', path: '/policies' },
  getPolicy: { method: 'GET', path: `/policies/${POLICY}` },
  listRotations: { method: 'GET', path: `/policies/${POLICY}/rotations` },
  putPolicy: { method: 'PUT', path: `/policies/${POLICY}`, body: { id: POLICY } },
  deletePolicy: { method: 'DELETE', path: '/policies/no-such-policy' },
  rotatePolicy: { method: 'POST', path: `/policies/${POLICY}/rotate`, body: {} },
  breakGlassRotation: { method: 'POST', path: `/policies/${POLICY}/break-glass`, body: {} },
  listVaultAudit: { method: 'GET', path: '/vaults/kv-app-local/audit' },
  queryAudit: { method: 'GET', path: '/audit?pageSize=1' },
  verifyAudit: { method: 'GET', path: '/audit/verify?pageSize=1' },
  listChangeRequests: { method: 'GET', path: '/change-requests' },
  getChangeRequest: { method: 'GET', path: '/change-requests/no-such-request' },
  approveChangeRequest: { method: 'POST', path: '/change-requests/no-such-request/approve', body: {} },
  rejectChangeRequest: { method: 'POST', path: '/change-requests/no-such-request/reject', body: {} },
  cancelChangeRequest: { method: 'POST', path: '/change-requests/no-such-request/cancel', body: {} },
  inventoryReport: { method: 'GET', path: '/reports/inventory?pageSize=1&summary=false' },
  complianceReport: { method: 'GET', path: '/reports/compliance?pageSize=1&summary=false' },
  driftReport: { method: 'GET', path: '/reports/drift?pageSize=1&summary=false' },
  costReport: { method: 'GET', path: '/reports/cost' },
  rotationTimelineReport: { method: 'GET', path: '/reports/rotations?days=1' },
  checkPolicy: { method: 'POST', path: '/policy-check', body: {} },
  accessReport: { method: 'GET', path: '/reports/access?minSeverity=high' },
  recordSmokeTest: { method: 'POST', path: '/environments/staging/smoke-tests', body: {} },
  getLatestSmokeTest: { method: 'GET', path: '/environments/staging/smoke-tests/latest' },
};

const protectedRoutes: [string, readonly AppRole[]][] = Object.entries(ROUTE_ROLES as Record<string, RouteAccess>).flatMap(([name, access]) => (access === 'anonymous' ? [] : [[name, access] as [string, readonly AppRole[]]]));

async function probe(name: string, authorization: string) {
  const { method, path, body } = PROBES[name]!;
  return t.call(method, path, body, { authorization });
}

let auditBefore = '';
let etagBefore = '';

async function evidence() {
  const audit = await t.call('GET', `/policies/${POLICY}/rotations`);
  const policy = await t.call('GET', `/policies/${POLICY}`);
  return { audit: audit.text, etag: policy.headers.get('etag') ?? '' };
}

beforeAll(async () => {
  t = await startTestApp();
  const created = await t.call('PUT', `/policies/${POLICY}`, aPolicyJson({ id: POLICY, secretName: POLICY, vaultUrl: t.vault().url }));
  expect(created.status).toBe(201);
  ({ audit: auditBefore, etag: etagBefore } = await evidence());
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

const AUTH_DOC = fileURLToPath(new URL('../../docs/auth.md', import.meta.url));

/**
 * The matrix docs/auth.md documents, read from its table ("| Route | Roles (any one) |"): each
 * row's backticked `METHOD /api/route`s need the row's backticked roles, or none ("none: ...").
 * Keyed by function through API_OPERATIONS, the table the OpenAPI document is built from, so
 * widening or adding a route in ROUTE_ROLES without the docs fails a test. A catch-all route
 * ({*path}) may also be documented by its bare prefix (`GET /api/ui/`).
 */
function documentedMatrix(markdown: string): { matrix: Record<string, RouteAccess>; unknownRoutes: string[] } {
  const lines = markdown.split('\n');
  const header = lines.findIndex((line) => /^\|\s*Route\s*\|\s*Roles \(any one\)\s*\|/.test(line));
  if (header < 0) throw new Error('docs/auth.md has no "| Route | Roles (any one) |" table');
  const documented = new Map<string, RouteAccess>();
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [routes = '', roles = ''] = line.split('|').slice(1, 3);
    const access: RouteAccess = /^\s*none\b/.test(roles) ? 'anonymous' : [...roles.matchAll(/`([A-Za-z]+\.[A-Za-z]+)`/g)].map((m) => m[1] as AppRole);
    for (const [, route] of routes.matchAll(/`((?:GET|PUT|POST|DELETE) \/api\/[^`\s]*)`/g)) documented.set(route!, access);
  }
  const matrix: Record<string, RouteAccess> = {};
  const matched = new Set<string>();
  for (const [name, operation] of Object.entries(API_OPERATIONS)) {
    const key = `${operation.method} /api/${operation.route}`;
    const bare = key.endsWith('{*path}') ? key.slice(0, -'{*path}'.length) : undefined;
    for (const route of [key, bare]) {
      if (route === undefined || !documented.has(route)) continue;
      matched.add(route);
      const access = documented.get(route)!;
      const earlier = matrix[name];
      // Two documented forms of one function must agree; a disagreement shows as a role list no table has.
      matrix[name] = earlier === undefined || JSON.stringify(earlier) === JSON.stringify(access) ? access : ['documented twice, differently' as AppRole];
    }
  }
  return { matrix, unknownRoutes: [...documented.keys()].filter((route) => !matched.has(route)) };
}

const DOCUMENTED = documentedMatrix(readFileSync(AUTH_DOC, 'utf8'));

describe('ROUTE_ROLES and the registered routes', () => {
  it('is the matrix docs/auth.md documents, no route wider, and the docs name no route the app lacks', () => {
    expect(ROUTE_ROLES).toEqual(DOCUMENTED.matrix);
    expect(DOCUMENTED.unknownRoutes).toEqual([]);
  });

  it('would fail on docs that drift: a role widened, a route left out, a route the app lacks', () => {
    // Arrange
    const docs = readFileSync(AUTH_DOC, 'utf8');
    const widened = docs.replace('| `POST /api/policies/{id}/break-glass` | `Rotation.BreakGlass` |', '| `POST /api/policies/{id}/break-glass` | `Rotation.BreakGlass`, `Rotation.Operate` |');
    const omitted = docs.replace('`GET /api/audit/verify`, ', '');
    const invented = docs.replace('| `GET /api/health` | none: no token needed |', '| `GET /api/health`, `GET /api/secrets` | none: no token needed |');

    // Act
    const [w, o, i] = [widened, omitted, invented].map(documentedMatrix);

    // Assert
    expect([widened, omitted, invented]).not.toContain(docs);
    expect(w!.matrix['breakGlassRotation']).toEqual(['Rotation.BreakGlass', 'Rotation.Operate']);
    expect(ROUTE_ROLES).not.toEqual(w!.matrix);
    expect(o!.matrix['verifyAudit']).toBeUndefined();
    expect(ROUTE_ROLES).not.toEqual(o!.matrix);
    expect(i!.unknownRoutes).toEqual(['GET /api/secrets']);
  });

  it('name the same HTTP functions, both ways, and every one has a probe here', () => {
    const registered = t.app.functionsHost.functions.filter((f) => f.trigger === 'httpTrigger').map((f) => f.name);
    expect([...registered].sort()).toEqual(Object.keys(ROUTE_ROLES).sort());
    expect(Object.keys(PROBES).sort()).toEqual(protectedRoutes.map(([name]) => name).sort());
  });

  it('leave only the health probe, the fixed OpenAPI document and the dashboard\'s static files anonymous; function keys gate nothing, the app validates tokens on every other route', () => {
    const http = t.app.functionsHost.functions.filter((f) => f.trigger === 'httpTrigger');
    expect(Object.entries(ROUTE_ROLES).filter(([, access]) => access === 'anonymous').map(([name]) => name)).toEqual(['health', 'openApiDocument', 'dashboard']);
    for (const f of http) expect({ name: f.name, authLevel: f.authLevel }).toEqual({ name: f.name, authLevel: 'anonymous' });
  });
});

describe('each app role alone', () => {
  it.each(protectedRoutes)('%s is allowed exactly to %j', async (name, allowed) => {
    for (const role of APP_ROLES) {
      const token = await t.tokenFor(`only-${role.toLowerCase().replace('.', '-')}`, [role]);
      const response = await probe(name, bearer(token));
      if (allowed.includes(role)) {
        expect({ role, status: response.status }).toEqual({ role, status: expect.toSatisfy((s: number) => s !== 401 && s !== 403 && s < 500) });
      } else {
        expect({ role, status: response.status, code: response.json?.error?.code }).toEqual({ role, status: 403, code: 'Forbidden' });
        expect(response.json.error.message).toContain(allowed[0]);
      }
    }
  });

  it.each(protectedRoutes)('%s refuses a valid token with no app role (403)', async (name) => {
    const response = await probe(name, bearer(await t.tokenFor('no-roles', [])));
    expect(response.status).toBe(403);
  });
});

describe('tokens the app must refuse, on every route (401 with WWW-Authenticate: Bearer)', () => {
  const everyRole = { sub: 'mallory', roles: [...APP_ROLES] };
  const hostile: [string, () => Promise<string | undefined>][] = [
    ['no Authorization header', async () => ''],
    ['a scheme other than Bearer', async () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['a token that is not a JWT', async () => bearer('not-a-token')],
    ['an expired token', async () => bearer(await t.app.identityProvider.mintToken({ ...everyRole, exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200, nbf: Math.floor(Date.now() / 1000) - 7200 }))],
    ['a token not valid yet', async () => bearer(await t.app.identityProvider.mintToken({ ...everyRole, nbf: Math.floor(Date.now() / 1000) + 3600 }))],
    ['a token for another audience', async () => bearer(await t.app.identityProvider.mintToken({ ...everyRole, aud: 'api://some-other-api' }))],
    ['a token from another issuer', async () => bearer(await t.app.identityProvider.mintToken({ ...everyRole, iss: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000bad/v2.0' }))],
    ['a token of another tenant', async () => bearer(await t.app.identityProvider.mintToken({ ...everyRole, tid: '00000000-0000-0000-0000-000000000bad' }))],
    ['a token signed by a foreign key under a known kid', async () => bearer(await mintWithForeignKey(t.app.identityProvider, everyRole))],
    ['a token signed by a foreign key under an unknown kid', async () => bearer(await mintWithForeignKey(t.app.identityProvider, everyRole, { kid: 'unknown' }))],
    ["alg 'none'", async () => bearer(unsignedToken(t.app.identityProvider, everyRole))],
    ['HS256 keyed with the public key', async () => bearer(await hmacWithPublicKey(t.app.identityProvider, everyRole))],
    ['a genuine token with its roles raised', async () => bearer(withTamperedClaims(await t.tokenFor('eve', ['Rotation.Read']), { roles: [...APP_ROLES] }))],
  ];

  it.each(hostile)('%s', async (_name, authorization) => {
    const header = (await authorization()) ?? '';
    for (const [name] of protectedRoutes) {
      const response = await probe(name, header);
      expect({ name, status: response.status, code: response.json?.error?.code }).toEqual({ name, status: 401, code: 'Unauthenticated' });
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      if (header.length > 20) expect(response.text).not.toContain(header.slice(7, 60));
    }
  });

  it("an oversized token is refused before any parser reads it: by the host (431), whose header limit is below the app's own token limit (which entra-token-validator.test.ts shows)", async () => {
    const header = bearer(await oversizedToken(t.app.identityProvider, everyRole));
    for (const [name] of protectedRoutes) {
      const response = await probe(name, header);
      expect({ name, status: response.status }).toEqual({ name, status: 431 });
    }
  });

  it('does not believe the principal headers App Service authentication would set, when a caller sets them', async () => {
    const forged = {
      authorization: '',
      'x-ms-client-principal-name': 'ceo@contoso.com',
      'x-ms-client-principal-id': '00000000-0000-0000-0000-000000000001',
      'x-ms-client-principal': Buffer.from(JSON.stringify({ userRoles: [...APP_ROLES] })).toString('base64'),
    };
    for (const [name] of protectedRoutes) {
      const { method, path, body } = PROBES[name]!;
      expect((await t.call(method, path, body, forged)).status).toBe(401);
    }
  });
});

describe('after every probe', () => {
  it('nothing was written: the policy and its history are as they were', async () => {
    const after = await evidence();
    expect(after.etag).toBe(etagBefore);
    expect(after.audit).toBe(auditBefore);
  });
});
