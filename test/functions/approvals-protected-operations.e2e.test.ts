/**
 * Turning a production (protected) policy off and on, and deleting it, end to end over HTTP on
 * the local stack with tokens the local identity provider signs: each waits as a change request
 * until two people other than the requester approve; the requester's own approval is refused and
 * one approval changes nothing; the second runs it, and the audit names who asked and who approved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInPeople, type SignedInPeople } from '../support/governance-people.js';
import { startTestApp, type ApiResponse, type RunningTestApp } from './app-e2e-support.js';

let t: RunningTestApp;
let people: SignedInPeople;

beforeAll(async () => {
  t = await startTestApp();
  people = await signInPeople(t);
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

async function enabledOf(id: string): Promise<boolean> {
  const policy = await people.as('reader', 'GET', `/policies/${id}`);
  expect(policy.status, policy.text).toBe(200);
  return policy.json.policy.enabled;
}

/** Requested by wanda: 202 with the change request, its action, the policy version it is bound to, and a Location naming it. */
function expectRequested(requested: ApiResponse, action: string, policyId: string, policyEtag: string): string {
  expect(requested.status, requested.text).toBe(202);
  const id: string = requested.json.changeRequestId;
  expect(requested.headers.get('location')).toBe(`/api/change-requests/${id}`);
  expect(requested.json.changeRequest).toMatchObject({ status: 'pending', action, policyId, environment: 'production', policyEtag, requester: { oid: people.oidOf('wanda'), displayName: 'wanda' } });
  return id;
}

/** The refusal twins: wanda cannot approve her own request, and alice's approval alone runs nothing. */
async function refuseSelfThenApproveOnce(changeRequestId: string): Promise<void> {
  const own = await people.as('wanda', 'POST', `/change-requests/${changeRequestId}/approve`, { comment: 'mine' });
  expect({ status: own.status, code: own.json.error.code }).toEqual({ status: 403, code: 'Forbidden' });
  expect(own.json.error.message).toMatch(/cannot approve it yourself/);
  const first = await people.as('alice', 'POST', `/change-requests/${changeRequestId}/approve`, { comment: 'checked' });
  expect(first.status, first.text).toBe(200);
  expect(first.json).toMatchObject({ status: 'pending', approvals: [{ displayName: 'alice' }] });
}

/** The second approval (bob's) runs it: the request is executed, and the audit names requester and approvers. */
async function expectExecutedBySecond(changeRequestId: string, policyId: string, policyAction: string): Promise<void> {
  const second = await people.as('bob', 'POST', `/change-requests/${changeRequestId}/approve`, { comment: 'checked' });
  expect(second.status, second.text).toBe(200);
  expect(second.json.status).toBe('executed');
  expect(second.json.approvals.map((a: { oid: string }) => a.oid)).toEqual([people.oidOf('alice'), people.oidOf('bob')]);
  const audit = await people.auditOf(policyId);
  const executed = audit.filter((r) => r.action === 'change-request.executed' && r.reason?.includes(changeRequestId));
  expect(executed).toHaveLength(1);
  expect(executed[0]!.reason).toMatch(/requested by wanda .*approved by alice .*bob/);
  // The operation itself is the requester's, under the change request's correlation id.
  const operation = audit.filter((r) => r.correlationId === `change-request:${changeRequestId}`);
  expect(operation).toEqual([expect.objectContaining({ action: policyAction, actor: 'wanda', actorId: people.oidOf('wanda') })]);
}

describe('a PUT that only flips enabled on a production policy', () => {
  it('disables it as policy.disable after two approvals, then enables it as policy.enable the same way', async () => {
    // Arrange
    const id = 'protected-toggle';
    const etag = await people.approvedPolicy(id);
    expect(await enabledOf(id)).toBe(true);

    // Act + Assert: disable
    const disable = expectRequested(await people.as('wanda', 'PUT', `/policies/${id}`, people.productionPolicy(id, { enabled: false })), 'policy.disable', id, etag);
    await refuseSelfThenApproveOnce(disable);
    expect(await enabledOf(id)).toBe(true);
    await expectExecutedBySecond(disable, id, 'policy.replaced');
    expect(await enabledOf(id)).toBe(false);

    // Act + Assert: enable
    const disabledEtag = (await people.as('reader', 'GET', `/policies/${id}`)).headers.get('etag')!;
    const enable = expectRequested(await people.as('wanda', 'PUT', `/policies/${id}`, people.productionPolicy(id, { enabled: true })), 'policy.enable', id, disabledEtag);
    await refuseSelfThenApproveOnce(enable);
    expect(await enabledOf(id)).toBe(false);
    await expectExecutedBySecond(enable, id, 'policy.replaced');
    expect(await enabledOf(id)).toBe(true);
  });
});

describe('a DELETE of a production policy', () => {
  it('removes it only after two approvals, and its audit outlives it naming who asked and who approved', async () => {
    // Arrange
    const id = 'protected-retired';
    const etag = await people.approvedPolicy(id);

    // Act
    const requested = expectRequested(await people.as('wanda', 'DELETE', `/policies/${id}`), 'policy.delete', id, etag);
    await refuseSelfThenApproveOnce(requested);

    // Assert: one approval leaves it in place; the second deletes it
    expect((await people.as('reader', 'GET', `/policies/${id}`)).status).toBe(200);
    await expectExecutedBySecond(requested, id, 'policy.deleted');
    expect((await people.as('reader', 'GET', `/policies/${id}`)).status).toBe(404);
  });
});
