/**
 * Generated request bodies into the Graph stand-in and its token authority: near-valid
 * addPassword and removePassword bodies with one field made wrong at a time, token request
 * forms with fields dropped or changed, and arbitrary text. The property: the parsers accept
 * (with well-formed dates, end after start, a lower-case keyId) or refuse with their own
 * 400/401 error naming what is wrong, never anything else; over HTTPS every answer is 200,
 * 204 or a 4xx in Graph's or Entra's error shape, never a 5xx.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphError, parseAddPasswordBody, parseClientCredentialsRequest, parseRemovePasswordBody, TokenRequestError } from '../../../src/local/graph/index.js';
import { fuzzHttpRuns, fuzzParameters, fuzzRuns, fuzzTimeoutInMs } from '../../support/fuzz-settings.js';
import { GRAPH_SCOPE, rawRequest, startTestGraph, type TestGraph } from './support.js';

const APP = { id: '5b8f6c2a-0000-4000-8000-00000000f001', appId: '6c9f7d3b-0000-4000-8000-00000000f001', displayName: 'fuzzed' };

const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 40 }), fc.constant(undefined));
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anything });
const dateText = fc.oneof(
  fc.date({ min: new Date('1990-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2030-01-01T00:00:00Z', '2030-01-01T00:00:00+02:00', '2030-01-01T00:00:00.1234567Z', '2030-01-01', '2030-13-40T99:99:99Z', '+275760-09-13T00:00:00Z', '0000-01-01T00:00:00Z'),
);

const addPasswordBody = fc.oneof(
  { weight: 4, arbitrary: fc.record({ passwordCredential: maybe(fc.record({ displayName: maybe(fc.string({ maxLength: 1100 })), startDateTime: maybe(dateText), endDateTime: maybe(dateText), keyId: maybe(fc.uuid()) }, { requiredKeys: [] })), extra: anything }, { requiredKeys: [] }).map((body) => JSON.stringify(body)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

const removePasswordBody = fc.oneof(
  { weight: 4, arbitrary: fc.record({ keyId: maybe(fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }))), extra: anything }, { requiredKeys: [] }).map((body) => JSON.stringify(body)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

const tokenForm = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          grant_type: maybe(fc.constantFrom('client_credentials', 'password', 'authorization_code', '')),
          client_id: maybe(fc.oneof(fc.constant(APP.appId), fc.uuid(), fc.string({ maxLength: 40 }))),
          client_secret: maybe(fc.string({ maxLength: 60 })),
          scope: maybe(fc.constantFrom(GRAPH_SCOPE, 'https://graph.microsoft.com/User.Read', '/.default', `${GRAPH_SCOPE} openid`, 'api://x/.default', '')),
        },
        { requiredKeys: [] },
      )
      .map((fields) => new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')])).toString()),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

function expectGraphRefusal(error: unknown): void {
  expect(error).toBeInstanceOf(GraphError);
  expect((error as GraphError).status).toBe(400);
  expect((error as GraphError).message.length).toBeGreaterThan(10);
}

describe('the Graph stand-in request parsers, generated', () => {
  it('reads addPassword bodies into a credential with an end after its start, or refuses them with 400', () => {
    fc.assert(
      fc.property(addPasswordBody, (raw) => {
        try {
          const spec = parseAddPasswordBody(raw, Date.now());
          expect(Date.parse(spec.endDateTime)).toBeGreaterThan(Date.parse(spec.startDateTime));
          expect(new Date(spec.endDateTime).toISOString()).toBe(spec.endDateTime);
          expect(spec.displayName === null || spec.displayName.length <= 1024).toBe(true);
        } catch (error) {
          expectGraphRefusal(error);
        }
      }),
      fuzzParameters('graph-add-password', fuzzRuns() / 4),
    );
  });

  it('reads removePassword bodies into a lower-case keyId, or refuses them with 400', () => {
    fc.assert(
      fc.property(removePasswordBody, (raw) => {
        try {
          expect(parseRemovePasswordBody(raw)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        } catch (error) {
          expectGraphRefusal(error);
        }
      }),
      fuzzParameters('graph-remove-password', fuzzRuns() / 4),
    );
  });

  it('reads token requests into a client, a secret and a /.default resource, or refuses them with an AADSTS code', () => {
    fc.assert(
      fc.property(tokenForm, (raw) => {
        try {
          const request = parseClientCredentialsRequest(raw);
          expect(request.clientSecret.length).toBeGreaterThan(0);
          expect(request.resource.length).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(TokenRequestError);
          expect([400, 401]).toContain((error as TokenRequestError).status);
          expect((error as TokenRequestError).aadsts).toBeGreaterThan(0);
        }
      }),
      fuzzParameters('graph-token-request', fuzzRuns() / 4),
    );
  });
});

describe('the Graph stand-in over HTTPS, generated', () => {
  let t: TestGraph;

  beforeAll(async () => {
    t = await startTestGraph();
    await t.admin.seed({ applications: [APP] });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it(
    'answers generated Graph and token requests with 200, 204 or a 4xx in the service error shape, never a 5xx',
    async () => {
      const request = fc.oneof(
        addPasswordBody.map((body) => ({ kind: 'graph' as const, path: `applications/${APP.id}/addPassword`, body })),
        removePasswordBody.map((body) => ({ kind: 'graph' as const, path: `applications(appId='${APP.appId}')/removePassword`, body })),
        tokenForm.map((body) => ({ kind: 'token' as const, path: `${t.graph.tenantId}/oauth2/v2.0/token`, body })),
      );
      await fc.assert(
        fc.asyncProperty(request, async ({ kind, path, body }) => {
          const url = kind === 'graph' ? `${t.graph.baseUrl}/v1.0/${path}` : `${t.graph.tokenAuthority}/${path}`;
          const contentType = kind === 'graph' ? 'application/json' : 'application/x-www-form-urlencoded';
          const answer = await rawRequest(t.agent, url, { method: 'POST', headers: { authorization: 'Bearer fuzz', 'content-type': contentType }, body });
          expect([200, 204, 400, 401, 404]).toContain(answer.status);
          if (answer.status >= 400) {
            const error = JSON.parse(answer.bodyAsText!);
            if (kind === 'graph') expect(error.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
            else expect(error).toMatchObject({ error: expect.any(String), error_codes: [expect.any(Number)] });
          }
        }),
        fuzzParameters('graph-http', fuzzHttpRuns() * 2),
      );
      expect((await t.admin.counts()).unknown).toBe(0);
    },
    fuzzTimeoutInMs(fuzzHttpRuns() * 2),
  );
});
