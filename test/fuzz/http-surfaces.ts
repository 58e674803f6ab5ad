/**
 * The HTTP surfaces, described once and run two ways: in process for the bulk of the
 * cases (http-in-process.test.ts) and over HTTP through the local host for fewer
 * (http-host.test.ts). Bodies, headers, route parameters and query strings of every
 * route the app registers; each case held to never a 5xx, never a write on a refusal,
 * every 400 names a field, and no input echoed unbounded (answers and log lines).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { captureConsole, startAppStack, type AppRequest, type AppStack, type ConsoleCapture } from '../support/app-stack.js';
import { fuzzParameters, fuzzTimeoutInMs } from '../support/fuzz-settings.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { anyJson, authorizationValue, decisionBody, headerBag, jsonText, mutatedPolicy, queryString, rawBodyText, rotateBody, routeId, smokeTestBody, validPolicyId } from './arbitraries.js';
import { checkRequest as checkOne, createTargets, fillRoute, holds, RAW_SEGMENTS, routesOf, validParam, type RouteInfo, type Targets } from './harness.js';
import { hasUnsafeText, logLinesBounded, PropertyBroken } from './properties.js';

export interface HttpSurfaceOptions {
  /** In process (the registered handlers) or over HTTP through the local host. */
  inProcess: boolean;
  /** Cases per surface. */
  runs: number;
}

export function describeHttpSurfaces({ inProcess, runs: RUNS }: HttpSurfaceOptions): void {
  let stack: AppStack;
  let targets: Targets;
  let routes: RouteInfo[];
  let logs: ConsoleCapture;
  let changeRequestId = '';
  const JSON_HEADERS = { 'content-type': 'application/json' };
  const mode = inProcess ? 'in-process' : 'http';
  const checkRequest = (s: AppStack, request: AppRequest, options: { keyVault: boolean }) => checkOne(s, request, { ...options, inProcess });

  beforeAll(async () => {
    logs = captureConsole();
    stack = await startAppStack();
    targets = await createTargets(stack);
    // The OpenAPI document is one fixed answer whatever the request (fixedJsonHandler reads none of it), and
    // larger than a stored item's bound: test/functions/openapi.e2e.test.ts holds it to that with generated requests.
    // The dashboard's static files are anonymous and fixed too: test/functions/dashboard.e2e.test.ts fuzzes its paths.
    routes = routesOf(stack).filter((route) => route.name !== 'openApiDocument' && route.name !== 'dashboard');
    // A pending change request of the default caller: their own approvals and rejections are refused, whatever the body.
    const requested = await stack.invoke({
      method: 'PUT',
      path: '/policies/fuzz-protected',
      headers: JSON_HEADERS,
      body: JSON.stringify(aPolicyJson({ id: 'fuzz-protected', secretName: 'fuzz-protected', vaultUrl: stack.vaultUrl(), environment: 'production' })),
    });
    if (requested.status !== 202) throw new Error(`could not request fuzz-protected: ${requested.status} ${requested.text.slice(0, 300)}`);
    changeRequestId = requested.json.changeRequestId as string;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    logs?.restore();
  });

  /** A body the route would accept, so the generated part is the only thing wrong. */
  function plausibleBody(route: RouteInfo, id: string): string | undefined {
    if (route.template.endsWith('/rotate')) return JSON.stringify({ reason: 'fuzz', dryRun: true });
    if (route.methods.includes('PUT')) return JSON.stringify({ id });
    if (route.template.endsWith('/smoke-tests')) return JSON.stringify({ passed: true, fileHash: null, policies: [], checks: [{ name: 'health', passed: true }] });
    return undefined;
  }

  function checkLogs(): void {
    logLinesBounded(logs.longestLine, 'the app');
    logs.reset();
  }

  describe('PUT /policies/{id} bodies', () => {
    it(`holds for ${RUNS} generated bodies: mutated policies, arbitrary JSON and raw text`, async () => {
      const vaultUrl = stack.vaultUrl();
      const body = fc.oneof(
        { weight: 8, arbitrary: mutatedPolicy(vaultUrl, validPolicyId).map((c) => ({ id: c.id, text: jsonText(c.body) })) },
        { weight: 1, arbitrary: fc.tuple(validPolicyId, anyJson).map(([id, json]) => ({ id, text: jsonText(json) })) },
        { weight: 1, arbitrary: fc.tuple(validPolicyId, rawBodyText).map(([id, text]) => ({ id, text })) },
      );
      await holds(
        fc.asyncProperty(body, async ({ id, text }) => {
          await checkRequest(stack, { method: 'PUT', path: `/policies/${id}`, headers: JSON_HEADERS, body: text }, { keyVault: false });
          checkLogs();
        }),
        fuzzParameters(`put-policy-bodies-${mode}`, RUNS),
      );
    }, fuzzTimeoutInMs(RUNS));
  });

  describe('POST /policies/{id}/rotate bodies', () => {
    it(`holds for ${RUNS} generated bodies, and refuses unsafe text in reason naming the field`, async () => {
      const body = fc.oneof(
        { weight: 8, arbitrary: rotateBody.map(jsonText) },
        { weight: 1, arbitrary: rawBodyText },
      );
      const target = fc.constantFrom(targets.enabled, targets.enabled, targets.disabled, 'fuzz-missing');
      await holds(
        fc.asyncProperty(target, body, async (id, text) => {
          const answer = await checkRequest(stack, { method: 'POST', path: `/policies/${id}/rotate`, headers: JSON_HEADERS, body: text }, { keyVault: true });
          checkLogs();
          const reason = (safeParse(text) as { reason?: unknown } | undefined)?.reason;
          // Surrounding whitespace (CR and LF included) is trimmed away, so only what is left must be clean.
          if (id === targets.enabled && typeof reason === 'string' && hasUnsafeText(reason.trim()) && answer.status < 400) {
            throw new PropertyBroken(`a reason with control characters, bidi overrides or lone surrogates was accepted (${answer.status}); issue 8 item 4 wants a 400 naming 'reason'`);
          }
        }),
        fuzzParameters(`rotate-bodies-${mode}`, RUNS),
      );
    }, fuzzTimeoutInMs(RUNS));
  });

  describe('change-request decisions and break-glass bodies', () => {
    it(`holds for ${RUNS} generated bodies on approve, reject, cancel and break-glass`, async () => {
      const target = fc.constantFrom(
        () => `/change-requests/${changeRequestId}/approve`,
        () => `/change-requests/${changeRequestId}/reject`,
        () => `/change-requests/${changeRequestId}/cancel`,
        () => `/policies/${targets.enabled}/break-glass`,
      );
      const body = fc.oneof({ weight: 8, arbitrary: decisionBody.map(jsonText) }, { weight: 1, arbitrary: rawBodyText });
      await holds(
        fc.asyncProperty(target, body, async (path, text) => {
          await checkRequest(stack, { method: 'POST', path: path(), headers: JSON_HEADERS, body: text }, { keyVault: true });
          checkLogs();
        }),
        fuzzParameters(`decision-bodies-${mode}`, RUNS),
      );
    }, fuzzTimeoutInMs(RUNS));
  });

  describe('POST /environments/{environment}/smoke-tests bodies', () => {
    it(`holds for ${RUNS} generated bodies, and refuses unsafe text in a check's name naming the field`, async () => {
      const body = fc.oneof({ weight: 8, arbitrary: smokeTestBody.map(jsonText) }, { weight: 1, arbitrary: rawBodyText });
      const environment = fc.constantFrom('staging', 'fuzz-smoke', 'production');
      await holds(
        fc.asyncProperty(environment, body, async (name, text) => {
          const answer = await checkRequest(stack, { method: 'POST', path: `/environments/${name}/smoke-tests`, headers: JSON_HEADERS, body: text }, { keyVault: false });
          checkLogs();
          const checks = (safeParse(text) as { checks?: unknown } | undefined)?.checks;
          const unsafe = Array.isArray(checks) && checks.some((check) => typeof (check as { name?: unknown } | null)?.name === 'string' && hasUnsafeText((check as { name: string }).name));
          if (unsafe && answer.status < 400) throw new PropertyBroken(`a check name with control characters, bidi overrides or lone surrogates was recorded (${answer.status})`);
        }),
        fuzzParameters(`smoke-test-bodies-${mode}`, RUNS),
      );
    }, fuzzTimeoutInMs(RUNS));
  });

  describe('Authorization headers of every route', () => {
    it(`holds for ${RUNS} generated Authorization headers: every one but a valid token is a 401, and nothing is written`, async () => {
      const route = fc.constantFrom(...routes.filter((r) => r.name !== 'health'));
      await holds(
        fc.asyncProperty(route, authorizationValue, fc.nat(), async (r, authorization, pick) => {
          const method = r.methods[pick % r.methods.length]!;
          const body = plausibleBody(r, targets.enabled);
          const answer = await checkRequest(
            stack,
            {
              method,
              path: fillRoute(r.template, (name) => validParam(stack, name, targets.enabled)),
              headers: { ...JSON_HEADERS, authorization },
              ...(body !== undefined ? { body } : {}),
            },
            { keyVault: method !== 'GET' },
          );
          checkLogs();
          if (answer.status !== 401) throw new PropertyBroken(`${method} ${r.template} with Authorization ${JSON.stringify(authorization.slice(0, 80))} answered ${answer.status}, not 401`);
        }),
        fuzzParameters(`authorization-headers-${mode}`, RUNS),
      );
    }, fuzzTimeoutInMs(RUNS));
  });

  describe('route parameters of every route', () => {
    it(`holds for ${RUNS} generated route parameters across the routes the app registers`, async () => {
      const route = fc.constantFrom(...routes);
      await holds(
        fc.asyncProperty(route, routeId, fc.nat(), async (r, id, pick) => {
          const method = r.methods[pick % r.methods.length]!;
          const body = plausibleBody(r, id);
          await checkRequest(
            stack,
            {
              method,
              path: pick % 10 === 0 ? fillRoute(r.template, () => RAW_SEGMENTS[Math.floor(pick / 10) % RAW_SEGMENTS.length]!, { raw: true }) : fillRoute(r.template, () => id),
              headers: JSON_HEADERS,
              ...(body !== undefined ? { body } : {}),
            },
            { keyVault: method !== 'GET' },
          );
          checkLogs();
        }),
        fuzzParameters(`route-parameters-${mode}`, RUNS),
      );
    }, fuzzTimeoutInMs(RUNS));
  });

  describe('query strings of every route', () => {
    it(`holds for ${RUNS} generated query strings across the routes the app registers`, async () => {
      const route = fc.constantFrom(...routes);
      await holds(
        fc.asyncProperty(route, queryString, fc.nat(), async (r, query, pick) => {
          // Queries matter on reads; writes get them too, with a body they would accept.
          const method = r.methods.includes('GET') && pick % 4 !== 0 ? 'GET' : r.methods[pick % r.methods.length]!;
          const id = method === 'DELETE' || method === 'PUT' ? 'fuzz-query-scratch' : targets.enabled;
          const body = plausibleBody(r, id);
          await checkRequest(
            stack,
            { method, path: `${fillRoute(r.template, (name) => validParam(stack, name, id))}${query}`, headers: JSON_HEADERS, ...(body !== undefined ? { body } : {}) },
            { keyVault: method !== 'GET' },
          );
          checkLogs();
        }),
        fuzzParameters(`query-strings-${mode}`, RUNS),
      );
    }, fuzzTimeoutInMs(RUNS));
  });

  describe('headers of every route', () => {
    it(`holds for ${RUNS} generated header sets across the routes the app registers`, async () => {
      const route = fc.constantFrom(...routes);
      await holds(
        fc.asyncProperty(route, headerBag, fc.nat(), fc.boolean(), async (r, headers, pick, existing) => {
          const method = r.methods[pick % r.methods.length]!;
          const id = existing && method !== 'DELETE' && method !== 'PUT' ? targets.enabled : 'fuzz-header-scratch';
          const body = method === 'PUT' ? JSON.stringify(mutatedBodyFor(id)) : plausibleBody(r, id);
          await checkRequest(
            stack,
            { method, path: fillRoute(r.template, (name) => validParam(stack, name, id)), headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined ? { body } : {}) },
            { keyVault: method !== 'GET' },
          );
          checkLogs();
        }),
        fuzzParameters(`headers-${mode}`, RUNS),
      );
    }, fuzzTimeoutInMs(RUNS));

    function mutatedBodyFor(id: string) {
      return { id, vaultUrl: stack.vaultUrl(), secretName: id, generator: { kind: 'uuid' }, rotation: { every: '90d', validFor: '120d' }, environment: 'fuzz', owner: 'fuzz' };
    }
  });
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
