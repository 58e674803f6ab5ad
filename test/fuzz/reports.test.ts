/**
 * The reports' own surfaces, in process against Azurite and the emulator: generated query
 * strings for the five report routes (their parameters, real continuation tokens and
 * tokens rewritten field by field to point elsewhere), and generated POST /api/policy-check
 * bodies (mutated policies, alone or in lists, arbitrary JSON, raw text). Each answer is a
 * 200 or a 400 naming a field (413 for a body over the limit), never a 5xx, bounded, and
 * nothing is written.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { captureConsole, startAppStack, type AppStack, type ConsoleCapture } from '../support/app-stack.js';
import { fuzzAppRuns, fuzzParameters, fuzzTimeoutInMs } from '../support/fuzz-settings.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { anyJson, edgeNumber, hostileString, jsonText, mutatedPolicy, percentEncode, rawBodyText, validPolicyId } from './arbitraries.js';

type Json = unknown;
import { checkRequest, holds } from './harness.js';
import { logLinesBounded, PropertyBroken } from './properties.js';

const RUNS = fuzzAppRuns();
const JSON_HEADERS = { 'content-type': 'application/json' };
const ROUTES = ['/reports/inventory', '/reports/compliance', '/reports/drift', '/reports/cost', '/reports/rotations'] as const;

let stack: AppStack;
let logs: ConsoleCapture;
/** A real continuation token of each paged report, decoded: the base the rewritten ones start from. */
const tokens: Record<string, { text: string; decoded: Json }> = {};

beforeAll(async () => {
  logs = captureConsole();
  stack = await startAppStack();
  const vaultUrl = stack.vaultUrl();
  for (const id of ['fz-report-a', 'fz-report-b', 'fz-report-c']) {
    const put = await stack.invoke({ method: 'PUT', path: `/policies/${id}`, headers: JSON_HEADERS, body: JSON.stringify(aPolicyJson({ id, secretName: id, vaultUrl })) });
    if (put.status !== 201) throw new Error(`could not create ${id}: ${put.status} ${put.text.slice(0, 300)}`);
  }
  const rotated = await stack.invoke({ method: 'POST', path: '/policies/fz-report-a/rotate', headers: JSON_HEADERS, body: '{"reason":"fuzz set-up"}' });
  if (rotated.status !== 200) throw new Error(`could not rotate: ${rotated.status} ${rotated.text.slice(0, 300)}`);
  await stack.secrets(vaultUrl).setSecret('fz-report-unmanaged', 'not-a-real-secret');
  for (const route of ROUTES.slice(0, 3)) {
    const first = await stack.invoke({ method: 'GET', path: `${route}?pageSize=1&summary=false` });
    const text = first.json?.continuationToken as string | undefined;
    if (!text) throw new Error(`${route} gave no continuation token: ${first.text.slice(0, 300)}`);
    tokens[route] = { text, decoded: JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Json };
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  logs?.restore();
});

function checkLogs(): void {
  logLinesBounded(logs.longestLine, 'the app');
  logs.reset();
}

/** A token of ours with one field replaced somewhere inside it. */
function rewritten(route: string): fc.Arbitrary<string> {
  const replacement = fc.oneof(
    hostileString('https://kv-app-local.vault.azure.net'),
    edgeNumber,
    fc.constantFrom('https://evil.example/secrets?api-version=7.4', 'http://127.0.0.1:1/secrets', 'https://kv-shared-local.vault.azure.net/deletedsecrets', 'secrets', 'policies', 'vaults', null, [], {}),
  );
  return fc.tuple(fc.nat(), replacement).map(([pick, value]) => {
    const copy = structuredClone(tokens[route]!.decoded) as Record<string, Json>;
    const paths: string[][] = [['section'], ['cursor'], ['cursor', 'vault'], ['cursor', 'page'], ['cursor', 'skip'], ['cursor', 'after'], ['vault'], ['page'], ['skip'], ['extra']];
    const path = paths[pick % paths.length]!;
    let target: Record<string, Json> = copy;
    for (const key of path.slice(0, -1)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      target = target[key] as Record<string, Json>;
    }
    target[path[path.length - 1]!] = value;
    return Buffer.from(JSON.stringify(copy), 'utf8').toString('base64url');
  });
}

function tokenValue(route: string): fc.Arbitrary<string> {
  if (!tokens[route]) return hostileString('eyJ2YXVsdCI6Imh0dHBzIn0');
  const real = tokens[route]!.text;
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(real) },
    { weight: 4, arbitrary: rewritten(route) },
    { weight: 1, arbitrary: fc.nat({ max: real.length }).map((cut) => real.slice(0, cut)) },
    { weight: 1, arbitrary: fc.tuple(fc.nat({ max: real.length - 1 }), fc.constantFrom('A', '-', '_', '=', '%', '.')).map(([at, c]) => real.slice(0, at) + c + real.slice(at + 1)) },
    { weight: 2, arbitrary: hostileString(real) },
  );
}

function queryFor(route: string): fc.Arbitrary<string> {
  const pair = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constant('pageSize'), fc.oneof(fc.constantFrom('1', '2', '25', '1000', '0', '1001', '-1', '1.5', '1e3', ' 5', '0x10', '', '01'), edgeNumber.map(String))) },
    { weight: 3, arbitrary: fc.tuple(fc.constant('continuationToken'), tokenValue(route)) },
    { weight: 2, arbitrary: fc.tuple(fc.constant('readsPerSecretPerMonth'), fc.oneof(fc.constantFrom('0', '1', '720', '1000000000', '1000000001', '-1', '1.5', '1e3', '', ' 7', '0x10'), edgeNumber.map(String))) },
    { weight: 2, arbitrary: fc.tuple(fc.constant('days'), fc.oneof(fc.constantFrom('1', '30', '90', '0', '91', '-1', '1.5', '1e1', '', ' 7', '0x10', '007', '٣'), edgeNumber.map(String))) },
    { weight: 2, arbitrary: fc.tuple(fc.constant('summary'), fc.oneof(fc.constantFrom('true', 'false', 'TRUE', '1', ''), hostileString('true'))) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom('failOn', 'pagesize', 'from', '__proto__', 'constructor'), hostileString('summary')), hostileString('x')) },
  );
  return fc.array(pair, { maxLength: 4 }).map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(String(v))}`).join('&')}`));
}

describe('report query strings', () => {
  it(`hold for ${RUNS} generated query strings: 200 or a 400 naming a field, never a write`, async () => {
    const routeAndQuery = fc.constantFrom(...ROUTES).chain((route) => fc.tuple(fc.constant(route), queryFor(route)));
    await holds(
      fc.asyncProperty(routeAndQuery, async ([route, query]) => {
        const answer = await checkRequest(stack, { method: 'GET', path: `${route}${query}` }, { inProcess: true, keyVault: true });
        checkLogs();
        if (answer.status !== 200 && answer.status !== 400) throw new PropertyBroken(`GET ${route}${query.slice(0, 200)} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      }),
      fuzzParameters('report-query-strings', RUNS),
    );
  }, fuzzTimeoutInMs(RUNS));
});

describe('POST /api/policy-check bodies', () => {
  it(`hold for ${RUNS} generated bodies: 200 or a 400 naming a field, never a write`, async () => {
    const vaultUrl = stack.vaultUrl();
    const policyBody = mutatedPolicy(vaultUrl, validPolicyId).map((c) => c.body);
    const body = fc.oneof(
      { weight: 5, arbitrary: policyBody.map(jsonText) },
      { weight: 3, arbitrary: fc.array(policyBody, { minLength: 0, maxLength: 3 }).map((policies) => jsonText({ policies })) },
      { weight: 1, arbitrary: fc.tuple(fc.array(policyBody, { maxLength: 2 }), anyJson).map(([policies, extra]) => jsonText({ policies, extra })) },
      { weight: 1, arbitrary: anyJson.map(jsonText) },
      { weight: 1, arbitrary: rawBodyText },
    );
    const failOn = fc.oneof(fc.constant(''), fc.constantFrom('?failOn=high', '?failOn=medium', '?failOn=low', '?failOn=critical', '?failOn=', '?failOn=low&failOn=high', '?pageSize=1'));
    await holds(
      fc.asyncProperty(body, failOn, async (text, query) => {
        const answer = await checkRequest(stack, { method: 'POST', path: `/policy-check${query}`, headers: JSON_HEADERS, body: text }, { inProcess: true, keyVault: true });
        checkLogs();
        const tooLarge = answer.status === 413 && Buffer.byteLength(text, 'utf8') > 256 * 1024;
        if (answer.status !== 200 && answer.status !== 400 && !tooLarge) throw new PropertyBroken(`policy-check answered ${answer.status}: ${answer.text.slice(0, 300)}`);
        if (answer.status === 200 && typeof answer.json?.pass !== 'boolean') throw new PropertyBroken(`a 200 without pass: ${answer.text.slice(0, 300)}`);
      }),
      fuzzParameters('policy-check-bodies', RUNS),
    );
  }, fuzzTimeoutInMs(RUNS));
});
