/**
 * GET /api/openapi.json against the app as the local host runs it: the document names exactly
 * the HTTP functions the app registers (route, method and function, both ways), gives each the
 * roles ROUTE_ROLES gives it, takes its parameters and bodies from the schemas the functions
 * validate with, and describes what each route really answers: one real request per route is
 * parsed with the zod schema the document was generated from for that status. Anonymous, and
 * the same fixed bytes whatever the request carries.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { API_OPERATIONS, type ApiOperation } from '../../src/functions/http/api-operations.js';
import { apiSchemas, errorBodySchema } from '../../src/functions/http/api-schemas.js';
import { buildOpenApiDocument, type OpenApiDocument } from '../../src/functions/http/openapi-document.js';
import { approveRequestSchema, rotateRequestSchema } from '../../src/functions/http/request-schemas.js';
import { ROUTE_ROLES, type RouteAccess } from '../../src/functions/http/route-roles.js';
import { consumerKinds } from '../../src/composition.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { bearer } from '../support/test-tokens.js';
import { authorizationValue, headerBag, queryString } from '../fuzz/arbitraries.js';
import { fuzzParameters } from '../support/fuzz-settings.js';
import { holds } from '../fuzz/harness.js';
import { startTestApp, type ApiResponse, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
let document: OpenApiDocument;
let documentText = '';
const METHODS = ['get', 'put', 'post', 'delete'] as const;

beforeAll(async () => {
  t = await startTestApp();
  const answer = await t.call('GET', '/openapi.json', undefined, { authorization: '' });
  expect(answer.status).toBe(200);
  documentText = answer.text;
  document = answer.json as OpenApiDocument;
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

function registered() {
  return t.app.functionsHost.functions.filter((f) => f.trigger === 'httpTrigger').map((f) => ({ name: f.name, route: f.route!, methods: (f.methods ?? []).map((m) => m.toUpperCase()).sort() }));
}

function documented() {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    METHODS.filter((method) => operations[method]).map((method) => ({ name: operations[method]!.operationId, path, method: method.toUpperCase() })),
  );
}

describe('the document and the registered functions', () => {
  it('is OpenAPI 3.1, served anonymously as application/json', async () => {
    const answer = await t.call('GET', '/openapi.json', undefined, { authorization: '' });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes['entraId']).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });

  it('documents every registered route and method, under its function name', () => {
    const paths = new Set(documented().map(({ name, path, method }) => `${name} ${method} ${path}`));
    for (const fn of registered()) {
      for (const method of fn.methods) expect(paths, `${fn.name} ${method} /api/${fn.route} is not in /api/openapi.json: add it to API_OPERATIONS`).toContain(`${fn.name} ${method} /api/${fn.route}`);
    }
  });

  it('documents no route the app does not register', () => {
    const routes = new Set(registered().flatMap((fn) => fn.methods.map((method) => `${fn.name} ${method} /api/${fn.route}`)));
    for (const { name, path, method } of documented()) expect(routes, `${method} ${path} (${name}) is documented but not registered`).toContain(`${name} ${method} ${path}`);
  });

  it('is the table API_OPERATIONS describes, and ROUTE_ROLES names the same functions', () => {
    expect(Object.keys(API_OPERATIONS).sort()).toEqual(Object.keys(ROUTE_ROLES).sort());
    expect(JSON.parse(documentText)).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument({ consumerKinds }))));
  });

  it("gives each operation exactly the app roles ROUTE_ROLES gives its function, as security alternatives", () => {
    for (const { name, path, method } of documented()) {
      const operation = document.paths[path]![method.toLowerCase()]!;
      const access = ROUTE_ROLES[name as keyof typeof ROUTE_ROLES] as RouteAccess;
      expect({ name, roles: operation['x-app-roles'] }).toEqual({ name, roles: access === 'anonymous' ? 'anonymous' : [...access] });
      expect({ name, security: operation.security }).toEqual({ name, security: access === 'anonymous' ? [] : access.map((role) => ({ entraId: [role] })) });
      const statuses = Object.keys(operation.responses);
      if (access !== 'anonymous') expect({ name, statuses }).toEqual({ name, statuses: expect.arrayContaining(['401', '403']) });
    }
  });

  it('describes request bodies with the schemas the functions validate with', () => {
    const component = (id: string) => document.components.schemas[id];
    expect(component('RotateRequest')).toMatchObject({ type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', maxLength: 512 }, dryRun: { type: 'boolean' } } });
    expect(apiSchemas.get(API_OPERATIONS.rotatePolicy.body.schema)?.id).toBe('RotateRequest');
    expect(API_OPERATIONS.rotatePolicy.body.schema).toBe(rotateRequestSchema);
    expect(API_OPERATIONS.approveChangeRequest.body.schema).toBe(approveRequestSchema);
    expect(component('RotationPolicy')).toMatchObject({ required: ['id', 'vaultUrl', 'secretName', 'generator', 'rotation', 'environment', 'owner'], additionalProperties: false });
    // The deployment's consumer kinds describe a policy's consumers.
    const consumers = (component('RotationPolicy') as { properties: Record<string, { items: { oneOf: { properties: { kind: { const: string } } }[] } }> }).properties['consumers']!;
    expect(consumers.items.oneOf.map((kind) => kind.properties.kind.const).sort()).toEqual([...consumerKinds.kinds].sort());
    expect(component('Error')).toMatchObject({ required: ['error'], properties: { error: { required: ['code', 'message', 'details'] } } });
  });

  it('refuses what the document refuses: an unknown body field is a 400 naming it', async () => {
    for (const name of ['rotatePolicy', 'approveChangeRequest', 'putPolicy'] as const) {
      const operation: ApiOperation = API_OPERATIONS[name];
      const path = `/${operation.route.replace('{id}', 'no-such-thing')}`;
      const body = name === 'putPolicy' ? { ...aPolicyJson({ id: 'no-such-thing', vaultUrl: t.vault().url }), undocumented: 1 } : { reason: 'x', undocumented: 1 };
      const answer = await t.call(operation.method, path, body);
      expect({ name, status: answer.status }).toEqual({ name, status: 400 });
      expect(answer.json.error.details.map((d: { path: string }) => d.path)).toContain('undocumented');
    }
  });

  it('names query parameters each route takes: none of them is refused as unknown', async () => {
    const values: Record<string, string> = {
      pageSize: '1',
      continuationToken: 'x',
      status: 'pending',
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date().toISOString(),
      actor: 'scheduler',
      action: 'rotation.failed',
      policy: 'no-such-policy',
      vault: 'kv-app-local',
      secret: 'no-such-secret',
      result: 'success',
      summary: 'false',
      failOn: 'high',
      minSeverity: 'high',
      include: 'state',
    };
    for (const [name, operation] of Object.entries(API_OPERATIONS) as [string, ApiOperation][]) {
      for (const parameter of Object.keys(operation.query?.shape ?? {})) {
        const query = new URLSearchParams({ [parameter]: values[parameter] ?? 'x', ...(parameter === 'secret' ? { vault: 'kv-app-local' } : {}) });
        const path = `/${operation.route.replace('{id}', 'no-such-thing').replace('{vaultName}', 'kv-app-local')}?${query}`;
        const answer = await t.call(operation.method, path, operation.body ? {} : undefined);
        const refusedAsUnknown = answer.status === 400 && (answer.json.error.details as { path: string; message: string }[]).some((d) => d.path === parameter && /unknown|not a parameter/i.test(d.message));
        expect({ name, parameter, refusedAsUnknown }).toEqual({ name, parameter, refusedAsUnknown: false });
      }
    }
  });

  it('answers the same fixed bytes to any request: generated headers, tokens and query strings', async () => {
    await holds(
      fc.asyncProperty(fc.option(authorizationValue), headerBag, queryString, async (authorization, headers, query) => {
        const answer = await t.call('GET', `/openapi.json${query}`, undefined, { ...headers, authorization: authorization ?? '' });
        // Node's HTTP server refuses a request line or headers past its limit before any function runs.
        if (answer.status === 431 || answer.status === 414) return;
        if (answer.status !== 200 || answer.text !== documentText) throw new Error(`answered ${answer.status} with ${answer.text.length} chars, not the document`);
      }),
      fuzzParameters('openapi-fixed', 40),
    );
  });
});

describe('what each route answers is what the document says', () => {
  const POLICY = 'openapi-policy';
  const seen = new Map<string, Set<number>>();

  /** Parses the answer with the schema the document was generated from, for that operation and status. */
  function conforms(name: keyof typeof API_OPERATIONS, answer: ApiResponse): void {
    const operation: ApiOperation = API_OPERATIONS[name];
    const documentedAnswer = operation.answers[answer.status];
    const schema = documentedAnswer?.schema ?? (answer.status >= 400 ? errorBodySchema : undefined);
    expect({ name, status: answer.status, documented: documentedAnswer !== undefined || answer.status >= 400 }).toEqual({ name, status: answer.status, documented: true });
    if (schema) {
      const parsed = schema.safeParse(answer.json);
      expect(parsed.success ? 'conforms' : `${name} ${answer.status}: ${z.prettifyError(parsed.error)}\n${answer.text.slice(0, 2000)}`).toBe('conforms');
    } else {
      expect(answer.text).toBe('');
    }
    const statuses = seen.get(name) ?? new Set();
    statuses.add(answer.status);
    seen.set(name, statuses);
  }

  it('for a walk through every route', async () => {
    const vaultUrl = t.vault().url;
    conforms('health', await t.call('GET', '/health', undefined, { authorization: '' }));
    conforms('openApiDocument', await t.call('GET', '/openapi.json'));
    conforms('dashboard', await t.call('GET', '/ui/no-such-file.js', undefined, { authorization: '' }));
    conforms('putPolicy', await t.call('PUT', `/policies/${POLICY}`, aPolicyJson({ id: POLICY, secretName: POLICY, vaultUrl })));
    conforms('putPolicy', await t.call('PUT', `/policies/${POLICY}`, aPolicyJson({ id: POLICY, secretName: POLICY, vaultUrl, owner: 'team-openapi' })));
    conforms('getPolicy', await t.call('GET', `/policies/${POLICY}`));
    conforms('listPolicies', await t.call('GET', '/policies?pageSize=5'));
    conforms('listPolicies', await t.call('GET', '/policies?pageSize=5&include=state'));
    conforms('rotatePolicy', await t.call('POST', `/policies/${POLICY}/rotate`, { reason: 'openapi', dryRun: true }));
    conforms('rotatePolicy', await t.call('POST', `/policies/${POLICY}/rotate`, { reason: 'openapi' }));
    conforms('getPolicy', await t.call('GET', `/policies/${POLICY}`));
    conforms('listRotations', await t.call('GET', `/policies/${POLICY}/rotations`));
    conforms('queryAudit', await t.call('GET', `/audit?policy=${POLICY}`));
    conforms('verifyAudit', await t.call('GET', '/audit/verify'));
    conforms('listVaultAudit', await t.call('GET', '/vaults/kv-app-local/audit'));

    const protectedPolicy = 'openapi-protected';
    const asked = await t.call('PUT', `/policies/${protectedPolicy}`, aPolicyJson({ id: protectedPolicy, secretName: protectedPolicy, vaultUrl, environment: 'production' }));
    conforms('putPolicy', asked);
    const requestId = asked.json.changeRequestId as string;
    conforms('listChangeRequests', await t.call('GET', '/change-requests?status=pending'));
    conforms('getChangeRequest', await t.call('GET', `/change-requests/${requestId}`));
    conforms('approveChangeRequest', await t.call('POST', `/change-requests/${requestId}/approve`, { comment: 'openapi' }, { authorization: bearer(await t.tokenFor('alice', ['Rotation.Approve'])) }));
    conforms('approveChangeRequest', await t.call('POST', `/change-requests/${requestId}/approve`, undefined, { authorization: bearer(await t.tokenFor('bob', ['Rotation.Approve'])) }));
    conforms('getChangeRequest', await t.call('GET', `/change-requests/${requestId}`));
    conforms('breakGlassRotation', await t.call('POST', `/policies/${protectedPolicy}/break-glass`, { justification: 'the openapi suite proves the shape' }));
    const rotateAsked = await t.call('POST', `/policies/${protectedPolicy}/rotate`, { reason: 'openapi' });
    conforms('rotatePolicy', rotateAsked);
    conforms('rejectChangeRequest', await t.call('POST', `/change-requests/${rotateAsked.json.changeRequestId}/reject`, { reason: 'not now' }, { authorization: bearer(await t.tokenFor('carol', ['Rotation.Approve'])) }));
    const deleteAsked = await t.call('DELETE', `/policies/${protectedPolicy}`);
    conforms('deletePolicy', deleteAsked);
    conforms('cancelChangeRequest', await t.call('POST', `/change-requests/${deleteAsked.json.changeRequestId}/cancel`, {}));

    conforms('inventoryReport', await t.call('GET', '/reports/inventory?pageSize=10'));
    conforms('complianceReport', await t.call('GET', '/reports/compliance?pageSize=10'));
    conforms('driftReport', await t.call('GET', '/reports/drift?pageSize=10'));
    conforms('costReport', await t.call('GET', '/reports/cost'));
    conforms('rotationTimelineReport', await t.call('GET', '/reports/rotations?days=7'));
    conforms('rotationTimelineReport', await t.call('GET', '/reports/rotations?days=91'));
    conforms('accessReport', await t.call('GET', '/reports/access'));
    conforms('checkPolicy', await t.call('POST', '/policy-check', aPolicyJson({ id: 'openapi-check', vaultUrl })));
    conforms('deletePolicy', await t.call('DELETE', `/policies/${POLICY}`));
    conforms('getLatestSmokeTest', await t.call('GET', '/environments/openapi-env/smoke-tests/latest'));
    const smokeReport = { passed: false, fileHash: `sha256:${'0'.repeat(64)}`, policies: [POLICY], checks: [{ name: 'health', passed: true }, { name: `dry run of ${POLICY}`, passed: false }] };
    conforms('recordSmokeTest', await t.call('POST', '/environments/openapi-env/smoke-tests', smokeReport));
    conforms('recordSmokeTest', await t.call('POST', '/environments/openapi-env/smoke-tests', { ...smokeReport, undocumented: 1 }));
    conforms('getLatestSmokeTest', await t.call('GET', '/environments/openapi-env/smoke-tests/latest'));

    // Errors, in the shape every route shares.
    conforms('getPolicy', await t.call('GET', `/policies/${POLICY}`));
    conforms('getPolicy', await t.call('GET', '/policies/NOT-AN-ID'));
    conforms('listPolicies', await t.call('GET', '/policies', undefined, { authorization: '' }));
    conforms('queryAudit', await t.call('GET', '/audit', undefined, { authorization: bearer(await t.tokenFor('reader', ['Rotation.Read'])) }));

    // Every operation was called and gave an answer the document describes.
    expect([...seen.keys()].sort()).toEqual(Object.keys(API_OPERATIONS).sort());
  });
});
