/**
 * GET /api/audit through the local host: two people change policies, the scheduler's part is
 * played by a rotation, and the query finds each one's records by oid, action, policy, vault,
 * secret and result, with who asked (oid, client address, correlation id); bad parameters
 * answer 400 naming the parameter, and a reader without Audit.Read is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidFor } from '../../src/local/identity-provider/index.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { bearer } from '../support/test-tokens.js';
import { startTestApp, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
let alice: Record<string, string>;
let bob: Record<string, string>;
let since: string;

interface PresentedRecord {
  id: string;
  at: string;
  action: string;
  policyId?: string;
  actor: string;
  actorId?: string;
  clientIp?: string;
  correlationId?: string;
}

function oid(sub: string): string {
  return oidFor(t.app.identityProvider.tenantId, sub);
}

async function query(parameters: string, headers: Record<string, string> = {}): Promise<{ status: number; items: PresentedRecord[]; json: any }> {
  const answer = await t.call('GET', `/audit?from=${encodeURIComponent(since)}&${parameters}`, undefined, headers);
  return { status: answer.status, items: answer.json?.items ?? [], json: answer.json };
}

beforeAll(async () => {
  t = await startTestApp();
  since = new Date(Date.now() - 1000).toISOString();
  alice = { authorization: bearer(await t.tokenFor('alice', ['Policy.Write', 'Rotation.Operate', 'Audit.Read'])) };
  bob = { authorization: bearer(await t.tokenFor('bob', ['Policy.Write'])) };
  const vaultUrl = t.vault().url;
  expect((await t.call('PUT', '/policies/audit-q-alice', aPolicyJson({ id: 'audit-q-alice', secretName: 'audit-q-alice', vaultUrl }), alice)).status).toBe(201);
  expect((await t.call('PUT', '/policies/audit-q-bob', aPolicyJson({ id: 'audit-q-bob', secretName: 'audit-q-bob', vaultUrl }), bob)).status).toBe(201);
  expect((await t.call('POST', '/policies/audit-q-alice/rotate', { reason: 'audit query test' }, alice)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

describe('GET /api/audit', () => {
  it("finds a person's records by oid, with who asked, from where and under which invocation", async () => {
    // Act
    const answer = await query(`actor=${oid('alice')}`, alice);

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.items.map((r) => r.action)).toEqual(['rotation.succeeded', 'policy.created']);
    for (const record of answer.items) {
      expect(record).toMatchObject({ actor: expect.any(String), actorId: oid('alice'), correlationId: expect.any(String) });
      expect(record.clientIp).toMatch(/^(127\.0\.0\.1|::1)$/);
    }
    expect(answer.json.from).toBe(since);
  });

  it.each([
    ['a policy', 'policy=audit-q-bob', ['audit-q-bob']],
    ['an action', 'action=policy.created', ['audit-q-bob', 'audit-q-alice']],
    ['a result', 'result=success&vault=kv-app-local', ['audit-q-alice', 'audit-q-bob', 'audit-q-alice']],
    ['a secret in its vault', 'vault=kv-app-local&secret=audit-q-alice', ['audit-q-alice', 'audit-q-alice']],
  ])('filters by %s, newest first', async (_case, parameters, policies) => {
    // Act
    const answer = await query(parameters);

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.items.map((r) => r.policyId)).toEqual(policies);
  });

  it('pages with a continuation token, no record twice', async () => {
    // Act
    const first = await query('vault=kv-app-local&pageSize=2');
    const second = await query(`vault=kv-app-local&pageSize=2&continuationToken=${encodeURIComponent(first.json.continuationToken)}`);

    // Assert
    expect(first.items).toHaveLength(2);
    const ids = [...first.items, ...second.items].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['from=2026-04-01', 'from'],
    ['action=rotation.exploded', 'action'],
    ['secret=audit-q-alice', 'secret'],
    ['acter=someone', 'acter'],
    ['result=maybe', 'result'],
  ])('answers 400 naming the parameter for %s', async (parameters, path) => {
    // Act
    const answer = await t.call('GET', `/audit?${parameters}`);

    // Assert
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('ValidationFailed');
    expect(answer.json.error.details.map((d: { path: string }) => d.path)).toEqual([path]);
  });

  it('refuses a caller without Audit.Read', async () => {
    // Act
    const answer = await t.call('GET', '/audit', undefined, bob);

    // Assert
    expect(answer.status).toBe(403);
  });
});
