/**
 * Refused requests leave a trace: each 401, 403, and 400 on a route that writes is one warn
 * line, `http.refused`, naming the function, method, status, error code, the caller when the
 * token was valid, the client address and the correlation id, and nothing the caller chose
 * (no token, no body, no other header). Refused requests write no audit record.
 * Over HTTP through the local host, with tokens from the local identity provider.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidFor } from '../../src/local/identity-provider/index.js';
import { authorizationValue } from '../fuzz/arbitraries.js';
import { fuzzParameters } from '../support/fuzz-settings.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { bearer } from '../support/test-tokens.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
const POLICY = 'refusal-log';
const CANARY_BODY = 'body-canary-5f1d9c';

beforeAll(async () => {
  t = await startTestApp();
  const created = await t.call('PUT', `/policies/${POLICY}`, aPolicyJson({ id: POLICY, secretName: POLICY, vaultUrl: t.vault().url }));
  expect(created.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

/** The http.refused lines logged while `act` ran (this suite runs no timers, so they are its request's). */
async function refusalsDuring<T>(act: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const before = t.logs.entries.length;
  const result = await act();
  const lines = t.logs.entries
    .slice(before)
    .map((entry) => entry.message)
    .filter((message) => message.includes('"event":"http.refused"'));
  return { result, lines };
}

async function auditTrail(): Promise<string> {
  return (await t.call('GET', `/policies/${POLICY}/rotations`)).text;
}

describe('http.refused', () => {
  it('logs a request without a token (401) once, with where it came from and no caller', async () => {
    // Act
    const { result, lines } = await refusalsDuring(() => t.call('GET', '/policies', undefined, { authorization: '' }));

    // Assert
    expect(result.status).toBe(401);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toEqual({
      level: 'warn',
      event: 'http.refused',
      function: 'listPolicies',
      method: 'GET',
      status: 401,
      code: 'Unauthenticated',
      clientIp: expect.stringMatching(/^[0-9a-f:.]+$/i),
      correlationId: expect.stringMatching(/\S/),
    });
  });

  it("logs a valid token without the route's role (403) with the caller's oid and display name", async () => {
    // Arrange
    const token = await t.tokenFor('reader-rita', ['Rotation.Read']);

    // Act
    const { result, lines } = await refusalsDuring(() => t.call('DELETE', `/policies/${POLICY}`, undefined, { authorization: bearer(token) }));

    // Assert
    expect(result.status).toBe(403);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ function: 'deletePolicy', method: 'DELETE', status: 403, code: 'Forbidden', actor: 'reader-rita', actorId: oidFor(t.app.identityProvider.tenantId, 'reader-rita') });
    expect(lines[0]).not.toContain(token.slice(0, 40));
  });

  it('logs bad input to a route that writes (400) without the body, and writes no audit record', async () => {
    // Arrange
    const before = await auditTrail();

    // Act
    const { result, lines } = await refusalsDuring(() => t.call('PUT', `/policies/${POLICY}`, { id: POLICY, secretName: CANARY_BODY, owner: CANARY_BODY }));

    // Assert
    expect(result.status).toBe(400);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ function: 'putPolicy', method: 'PUT', status: 400, code: 'ValidationFailed', actor: 'test-admin' });
    expect(lines[0]).not.toContain(CANARY_BODY);
    expect(await auditTrail()).toBe(before);
  });

  it('does not log bad input to a route that only reads (400 on GET), nor an accepted request', async () => {
    // Act
    const badQuery = await refusalsDuring(() => t.call('GET', '/audit?actionn=policy.created'));
    const accepted = await refusalsDuring(() => t.call('GET', `/policies/${POLICY}`));

    // Assert
    expect([badQuery.result.status, accepted.result.status]).toEqual([400, 200]);
    expect([badQuery.lines, accepted.lines]).toEqual([[], []]);
  });

  it('logs every refused Authorization header once, and the line never holds any of its text', async () => {
    // Arrange: a canary appended to each header, so "never holds its text" cannot pass by luck.
    const routes = [
      { method: 'GET', path: '/policies' },
      { method: 'PUT', path: `/policies/${POLICY}`, body: { id: POLICY } },
      { method: 'POST', path: `/policies/${POLICY}/rotate`, body: {} },
    ];
    const before = await auditTrail();

    // Act + Assert
    await fc.assert(
      fc.asyncProperty(authorizationValue, fc.constantFrom(...routes), fc.stringMatching(/^[a-z0-9]{12}$/), async (value, route, canary) => {
        const header = `${value} ${canary}`.trim();
        const { result, lines } = await refusalsDuring(() => t.call(route.method, route.path, route.body, { authorization: header }));
        // A header past the host's limit is refused by the host (431) before the app sees it: no line is the app's to write.
        if (result.status === 431) {
          expect(lines).toEqual([]);
          return;
        }
        expect(result.status).toBe(401);
        expect(lines).toHaveLength(1);
        expect(lines[0]).not.toContain(canary);
        if (value.trim().length >= 12) expect(lines[0]).not.toContain(value.trim());
        expect(Object.keys(JSON.parse(lines[0]!) as object).sort()).toEqual(['clientIp', 'code', 'correlationId', 'event', 'function', 'level', 'method', 'status']);
      }),
      fuzzParameters('refused-authorization-log', 60),
    );
    expect(await auditTrail()).toBe(before);
  }, 120_000);
});
