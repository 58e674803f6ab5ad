/**
 * Two-person approval end to end, over HTTP through the local host, with tokens the local
 * identity provider signs for named people: a writer asks, the writer cannot approve their
 * own request, two other people approve, and the second approval runs the operation once.
 * Voided, expired, rejected and cancelled requests never run; break-glass rotates at once
 * and is audited and left for review. The default settings protect staging and production
 * and need two approvals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRole } from '../../src/core/auth/caller.js';
import { oidFor } from '../../src/local/identity-provider/index.js';
import { aPolicyJson } from '../support/policy-mother.js';
import { bearer } from '../support/test-tokens.js';
import { startTestApp, versionsOf, type ApiResponse, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
const DAY = 86_400_000;

/** People, each with only the roles their job needs. */
const PEOPLE: Record<string, AppRole[]> = {
  wendy: ['Policy.Write', 'Rotation.Read', 'Rotation.Operate'],
  // A writer who also approves: still cannot approve what she asked for.
  wanda: ['Policy.Write', 'Rotation.Approve'],
  alice: ['Rotation.Approve'],
  bob: ['Rotation.Approve'],
  carol: ['Rotation.Approve'],
  oscar: ['Rotation.BreakGlass'],
  reader: ['Rotation.Read'],
};
const tokens: Record<string, string> = {};

function as(person: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return t.call(method, path, body, { authorization: bearer(tokens[person]!), ...headers });
}

function productionPolicy(id: string, overrides: Record<string, unknown> = {}) {
  return aPolicyJson({ id, secretName: id, vaultUrl: t.vault().url, environment: 'production', ...overrides });
}

/** Creates a protected policy the way a deployment does: requested, then approved by two people. */
async function approvedPolicy(id: string): Promise<string> {
  const requested = await as('wendy', 'PUT', `/policies/${id}`, productionPolicy(id));
  expect(requested.status).toBe(202);
  await as('alice', 'POST', `/change-requests/${requested.json.changeRequestId}/approve`, { comment: 'ok' });
  const executed = await as('bob', 'POST', `/change-requests/${requested.json.changeRequestId}/approve`, { comment: 'ok' });
  expect(executed.json.status).toBe('executed');
  return (await as('reader', 'GET', `/policies/${id}`)).headers.get('etag')!;
}

beforeAll(async () => {
  t = await startTestApp();
  for (const [person, roles] of Object.entries(PEOPLE)) tokens[person] = await t.tokenFor(person, roles);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('a policy create in production', () => {
  it('waits for two approvals by people other than the requester, and the second runs it once', async () => {
    // Act: the request
    const requested = await as('wendy', 'PUT', '/policies/orders-db', productionPolicy('orders-db'));

    // Assert: stored, not run
    expect(requested.status).toBe(202);
    const id: string = requested.json.changeRequestId;
    expect(requested.headers.get('location')).toBe(`/api/change-requests/${id}`);
    expect(requested.json.changeRequest).toMatchObject({
      status: 'pending',
      action: 'policy.create',
      policyId: 'orders-db',
      environment: 'production',
      requester: { oid: oidFor(t.app.identityProvider.tenantId, 'wendy'), displayName: 'wendy' },
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      approvals: [],
    });
    expect((await as('reader', 'GET', '/policies/orders-db')).status).toBe(404);
    const pending = await as('alice', 'GET', '/change-requests?status=pending');
    expect(pending.json.items.map((r: { id: string }) => r.id)).toContain(id);

    // Act + Assert: the requester cannot approve (without the role, and with it)
    expect((await as('wendy', 'POST', `/change-requests/${id}/approve`, {})).status).toBe(403);

    // First approval: counted, not run
    const first = await as('alice', 'POST', `/change-requests/${id}/approve`, { comment: 'owner checked' });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ status: 'pending', approvals: [{ displayName: 'alice', comment: 'owner checked', hash: requested.json.changeRequest.hash }] });
    expect((await as('reader', 'GET', '/policies/orders-db')).status).toBe(404);

    // The same person twice counts once
    const again = await as('alice', 'POST', `/change-requests/${id}/approve`, {});
    expect({ status: again.status, code: again.json.error.code }).toEqual({ status: 409, code: 'AlreadyApproved' });

    // Second approval: runs it
    const second = await as('bob', 'POST', `/change-requests/${id}/approve`, {});
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ status: 'executed', execution: { result: { summary: 'policy created' } } });
    expect(second.json.approvals.map((a: { displayName: string }) => a.displayName)).toEqual(['alice', 'bob']);
    const created = await as('reader', 'GET', '/policies/orders-db');
    expect(created.status).toBe(200);
    expect(created.json.policy.environment).toBe('production');

    // A third approval changes nothing
    const late = await as('carol', 'POST', `/change-requests/${id}/approve`, {});
    expect({ status: late.status, code: late.json.error.code }).toEqual({ status: 409, code: 'ChangeRequestNotPending' });

    // The audit says who asked and who approved
    const history = await t.call('GET', '/policies/orders-db/rotations');
    const actions = history.json.items.map((r: { action: string }) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['change-request.created', 'change-request.approved', 'change-request.executed', 'policy.created']));
    const createdRecord = history.json.items.find((r: { action: string }) => r.action === 'policy.created');
    expect(createdRecord).toMatchObject({ actor: 'wendy', actorId: oidFor(t.app.identityProvider.tenantId, 'wendy') });
    // Every decision is audited with who (oid and name), from where and under which invocation.
    for (const [action, person] of [['change-request.created', 'wendy'], ['change-request.approved', 'bob']] as const) {
      expect(history.json.items.find((r: { action: string; actor: string }) => r.action === action && r.actor === person)).toMatchObject({
        actorId: oidFor(t.app.identityProvider.tenantId, person),
        clientIp: '127.0.0.1',
        correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    }
    const executed = history.json.items.find((r: { action: string }) => r.action === 'change-request.executed');
    expect(executed.reason).toMatch(/requested by wendy .*approved by alice .*bob/);
  });

  it('refuses a writer who is also an approver their own approval', async () => {
    const requested = await as('wanda', 'PUT', '/policies/self-approved', productionPolicy('self-approved'));
    const own = await as('wanda', 'POST', `/change-requests/${requested.json.changeRequestId}/approve`, {});
    expect({ status: own.status, code: own.json.error.code }).toEqual({ status: 403, code: 'Forbidden' });
    expect(own.json.error.message).toMatch(/cannot approve it yourself/);
    expect((await as('reader', 'GET', `/change-requests/${requested.json.changeRequestId}`)).json.approvals).toEqual([]);
  });

  it('answers 400 naming the field for a body the operation would refuse, and stores no request', async () => {
    const before = (await as('reader', 'GET', '/change-requests?status=pending')).json.items.length;
    const refused = await as('wendy', 'PUT', '/policies/bad-one', productionPolicy('bad-one', { rotation: { every: '0d' } }));
    expect(refused.status).toBe(400);
    expect(refused.json.error.details[0].path).toMatch(/^rotation/);
    expect((await as('reader', 'GET', '/change-requests?status=pending')).json.items.length).toBe(before);
  });
});

describe('on-demand rotation of a production policy', () => {
  it('waits for approval; with concurrent final approvals it rotates exactly once', async () => {
    // Arrange
    await approvedPolicy('payments-key');
    await t.app.functionsHost.invoke('scanDuePolicies');
    await t.app.functionsHost.queuesIdle();
    const versionsBefore = await versionsOf(t.secrets(t.vault().url), 'payments-key');

    // Act
    const requested = await as('wendy', 'POST', '/policies/payments-key/rotate', { reason: 'suspected leak' });
    expect(requested.status).toBe(202);
    const id: string = requested.json.changeRequestId;
    expect(await versionsOf(t.secrets(t.vault().url), 'payments-key')).toEqual(versionsBefore);
    await as('alice', 'POST', `/change-requests/${id}/approve`, {});
    const racing = await Promise.all([as('bob', 'POST', `/change-requests/${id}/approve`, {}), as('carol', 'POST', `/change-requests/${id}/approve`, {})]);

    // Assert
    expect(racing.map((r) => r.status).sort()).toEqual(expect.arrayContaining([200]));
    const final = await as('reader', 'GET', `/change-requests/${id}`);
    expect(final.json).toMatchObject({ status: 'executed', execution: { result: { rotationStatus: 'succeeded' } } });
    expect(await versionsOf(t.secrets(t.vault().url), 'payments-key')).toHaveLength(versionsBefore.length + 1);
  });

  it('a dry run never waits for approval', async () => {
    const plan = await as('wendy', 'POST', '/policies/payments-key/rotate', { reason: 'what would happen', dryRun: true });
    expect(plan.status).toBe(200);
    expect(plan.json.dryRun).toBe(true);
  });
});

describe('requests that must not run', () => {
  it('is void once the policy changed since the request: its ETag moved', async () => {
    // Arrange: two changes requested from the same version of the policy
    await approvedPolicy('void-case');
    const owner = await as('wendy', 'PUT', '/policies/void-case', productionPolicy('void-case', { owner: 'team-a' }));
    const tags = await as('wendy', 'PUT', '/policies/void-case', productionPolicy('void-case', { tags: { CostCenter: 'finance' } }));

    // Act: the second is approved and runs, which moves the ETag the first was bound to
    await as('alice', 'POST', `/change-requests/${tags.json.changeRequestId}/approve`, {});
    await as('bob', 'POST', `/change-requests/${tags.json.changeRequestId}/approve`, {});
    const stale = await as('alice', 'POST', `/change-requests/${owner.json.changeRequestId}/approve`, {});

    // Assert
    expect({ status: stale.status, code: stale.json.error.code }).toEqual({ status: 409, code: 'ChangeRequestVoid' });
    expect((await as('reader', 'GET', `/change-requests/${owner.json.changeRequestId}`)).json.status).toBe('void');
    expect((await as('reader', 'GET', '/policies/void-case')).json.policy.owner).toBe('team-payments');
  });

  it('is rejected by an approver, and cancelled only by its requester', async () => {
    const rejected = await as('wendy', 'DELETE', '/policies/orders-db');
    expect(rejected.status).toBe(202);
    const rejection = await as('alice', 'POST', `/change-requests/${rejected.json.changeRequestId}/reject`, { reason: 'still in use' });
    expect(rejection.json).toMatchObject({ status: 'rejected', rejection: { displayName: 'alice', reason: 'still in use' } });

    const cancelled = await as('wendy', 'DELETE', '/policies/orders-db');
    const byOther = await as('wanda', 'POST', `/change-requests/${cancelled.json.changeRequestId}/cancel`);
    expect(byOther.status).toBe(403);
    const byRequester = await as('wendy', 'POST', `/change-requests/${cancelled.json.changeRequestId}/cancel`);
    expect(byRequester.json.status).toBe('cancelled');
    expect((await as('reader', 'GET', '/policies/orders-db')).status).toBe(200);
  });
});

describe('break-glass', () => {
  it('rotates a production policy at once with a justification, audits it and leaves it for two reviewers', async () => {
    // Arrange
    await approvedPolicy('incident-key');
    await t.app.functionsHost.invoke('scanDuePolicies');
    await t.app.functionsHost.queuesIdle();
    const versionsBefore = await versionsOf(t.secrets(t.vault().url), 'incident-key');

    // Act + Assert: refused without the role or a justification
    expect((await as('wendy', 'POST', '/policies/incident-key/break-glass', { justification: 'leak' })).status).toBe(403);
    const unjustified = await as('oscar', 'POST', '/policies/incident-key/break-glass', {});
    expect({ status: unjustified.status, path: unjustified.json.error.details[0].path }).toEqual({ status: 400, path: 'justification' });
    expect(await versionsOf(t.secrets(t.vault().url), 'incident-key')).toEqual(versionsBefore);

    const broken = await as('oscar', 'POST', '/policies/incident-key/break-glass', { justification: 'credential pasted in a public channel' });

    // Assert
    expect(broken.status).toBe(200);
    expect(broken.json).toMatchObject({ breakGlass: true, status: 'succeeded', review: { status: 'review', action: 'rotation.break-glass' } });
    expect(await versionsOf(t.secrets(t.vault().url), 'incident-key')).toHaveLength(versionsBefore.length + 1);
    const history = await t.call('GET', '/policies/incident-key/rotations');
    expect(history.json.items.find((r: { action: string }) => r.action === 'rotation.break-glass')).toMatchObject({
      actor: 'oscar',
      actorId: oidFor(t.app.identityProvider.tenantId, 'oscar'),
      reason: expect.stringContaining('public channel'),
    });
    const reviewId: string = broken.json.review.id;
    expect((await as('alice', 'GET', '/change-requests?status=review')).json.items.map((r: { id: string }) => r.id)).toContain(reviewId);
    await as('alice', 'POST', `/change-requests/${reviewId}/approve`, { comment: 'justified' });
    const reviewed = await as('bob', 'POST', `/change-requests/${reviewId}/approve`, { comment: 'justified' });
    expect(reviewed.json.status).toBe('reviewed');
  });

  it('is refused for a policy no approval protects: that is an ordinary rotation', async () => {
    await t.call('PUT', '/policies/dev-key', aPolicyJson({ id: 'dev-key', secretName: 'dev-key', vaultUrl: t.vault().url }));
    const refused = await as('oscar', 'POST', '/policies/dev-key/break-glass', { justification: 'testing' });
    expect({ status: refused.status, code: refused.json.error.code }).toEqual({ status: 409, code: 'NotProtected' });
  });
});

describe('expiry (last: it moves the app clock a day on)', () => {
  it('refuses an approval after the TTL and marks the request expired', async () => {
    const requested = await as('wendy', 'PUT', '/policies/late', productionPolicy('late'));
    await as('alice', 'POST', `/change-requests/${requested.json.changeRequestId}/approve`, {});
    await t.admin.advanceClock(DAY + 60_000);

    const late = await as('bob', 'POST', `/change-requests/${requested.json.changeRequestId}/approve`, {});

    expect({ status: late.status, code: late.json.error.code }).toEqual({ status: 409, code: 'ChangeRequestExpired' });
    expect((await as('reader', 'GET', `/change-requests/${requested.json.changeRequestId}`)).json.status).toBe('expired');
    expect((await as('reader', 'GET', '/policies/late')).status).toBe(404);
  });
});
