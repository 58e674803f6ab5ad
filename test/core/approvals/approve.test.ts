import { describe, expect, it } from 'vitest';
import { changeRequestHash } from '../../../src/core/approvals/canonical-hash.js';
import {
  AlreadyApprovedError,
  ChangeRequestExpiredError,
  ChangeRequestNotPendingError,
  ChangeRequestTamperedError,
  ChangeRequestVoidError,
} from '../../../src/core/approvals/errors.js';
import { ForbiddenError } from '../../../src/core/errors.js';
import { aProtectedPolicy } from './approvals-fixture.js';
import { aCaller, alice, aPendingReplace, approvalsWorld, auditActionsOf, bob, carol, HOUR_MS, requester } from './approvals-fixture.js';

describe('ChangeRequestService.request', () => {
  it('stores the exact operation as a pending request bound by its hash, expiring after the TTL, and audits it', async () => {
    // Arrange
    const world = approvalsWorld();
    const stored = await world.policies.put(aProtectedPolicy());

    // Act
    const request = await world.service.request('policy.replace', stored.policy.id, { ...aProtectedPolicy(), owner: 'team-platform' }, requester, stored.etag);

    // Assert
    expect(request).toMatchObject({
      action: 'policy.replace',
      policyId: stored.policy.id,
      policyEtag: stored.etag,
      environment: 'production',
      body: { owner: 'team-platform' },
      requester: { oid: 'oid-requester', displayName: 'oid-requester@contoso.com' },
      status: 'pending',
      approvals: [],
    });
    expect(request.expiresAt.getTime() - request.requestedAt.getTime()).toBe(24 * HOUR_MS);
    expect(request.hash).toBe(changeRequestHash(request));
    expect((await world.requests.get(request.id))?.request).toEqual(request);
    expect(world.audit.records()).toMatchObject([{ action: 'change-request.created', policyId: stored.policy.id, actor: 'oid-requester@contoso.com', actorId: 'oid-requester' }]);
    expect(world.executor.calls).toEqual([]);
  });
});

describe('ChangeRequestService.approve', () => {
  it('refuses the requester their own approval, with a 403 that says why; another person may approve', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);

    // Act
    const own = await world.service.approve(request.id, requester).catch((error: unknown) => error);
    const other = await world.service.approve(request.id, alice);

    // Assert
    expect(own).toBeInstanceOf(ForbiddenError);
    expect((own as Error).message).toMatch(/cannot approve it yourself/);
    expect(other.approvals.map((approval) => approval.oid)).toEqual(['oid-alice']);
  });

  it('refuses a second approval by the same person: approvals count distinct oids', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);
    await world.service.approve(request.id, alice);

    // Act
    const again = world.service.approve(request.id, aCaller('oid-alice'));

    // Assert
    await expect(again).rejects.toBeInstanceOf(AlreadyApprovedError);
    expect((await world.service.get(request.id)).approvals).toHaveLength(1);
    expect(world.executor.calls).toEqual([]);
    // A different person completes it.
    expect((await world.service.approve(request.id, bob)).status).toBe('executed');
  });

  it('runs the operation on the approval that reaches the required count, and records who requested and who approved', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);

    // Act
    const first = await world.service.approve(request.id, alice, 'owner change agreed');
    const second = await world.service.approve(request.id, bob);

    // Assert
    expect(first.status).toBe('pending');
    expect(second.status).toBe('executed');
    expect(second.execution).toMatchObject({ attempts: 1, result: { summary: 'done' } });
    expect(world.executor.calls).toHaveLength(1);
    expect(world.executor.calls[0]).toMatchObject({ id: request.id, status: 'executing', body: request.body });
    expect(auditActionsOf(world)).toEqual(['change-request.created', 'change-request.approved', 'change-request.approved', 'change-request.executed']);
    const executed = world.audit.records().at(-1)!;
    expect(executed.reason).toContain('requested by oid-requester@contoso.com (oid-requester); approved by oid-alice@contoso.com (oid-alice), oid-bob@contoso.com (oid-bob)');
    expect(world.audit.records()[1]?.reason).toMatch(/approval 1 of 2: owner change agreed$/);
  });

  it('with 20 concurrent approvals by distinct people on a request needing 2, runs the operation exactly once', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);
    const approvers = Array.from({ length: 20 }, (_, i) => aCaller(`oid-approver-${i}`));

    // Act: started a few ticks apart, so that reads and writes of different approvers interleave rather than run in lockstep.
    const results = await Promise.allSettled(approvers.map(async (approver, i) => {
      for (let tick = 0; tick < (i * 7) % 11; tick++) await Promise.resolve();
      return world.service.approve(request.id, approver);
    }));

    // Assert
    expect(world.executor.calls).toHaveLength(1);
    const final = await world.service.get(request.id);
    expect(final.status).toBe('executed');
    expect(final.approvals).toHaveLength(2);
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(won.map((r) => r.status).sort()).toEqual(['executed', 'pending']);
    expect(lost).toHaveLength(18);
    expect(lost.every((reason) => reason instanceof ChangeRequestNotPendingError)).toBe(true);
    expect(auditActionsOf(world).filter((action) => action === 'change-request.executed')).toHaveLength(1);
  });

  it('with one required approval, runs on the first approval by someone other than the requester', async () => {
    // Arrange
    const world = approvalsWorld({ requiredApprovals: 1 });
    const request = await aPendingReplace(world);

    // Act
    const approved = await world.service.approve(request.id, alice);

    // Assert
    expect(approved.status).toBe('executed');
    expect(world.executor.calls).toHaveLength(1);
  });

  it('refuses an approval once the request has expired, and marks it expired; the instant before, it was accepted', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);
    world.clock.advance(24 * HOUR_MS - 1);
    await world.service.approve(request.id, alice);
    world.clock.advance(1);

    // Act
    const late = world.service.approve(request.id, bob);

    // Assert
    await expect(late).rejects.toBeInstanceOf(ChangeRequestExpiredError);
    const expired = await world.service.get(request.id);
    expect(expired.status).toBe('expired');
    expect(expired.approvals).toHaveLength(1);
    expect(world.executor.calls).toEqual([]);
    expect(auditActionsOf(world)).toContain('change-request.expired');
    await expect(world.service.approve(request.id, carol)).rejects.toBeInstanceOf(ChangeRequestExpiredError);
  });

  it.each([
    {
      change: 'the policy was replaced (its ETag moved)',
      meanwhile: async (world: ReturnType<typeof approvalsWorld>, etag: string) => void (await world.policies.put(aProtectedPolicy({ owner: 'someone-else' }), etag)),
      why: /ETag moved/,
    },
    { change: 'the policy was deleted', meanwhile: async (world: ReturnType<typeof approvalsWorld>) => void (await world.policies.delete(aProtectedPolicy().id)), why: /was deleted/ },
  ])('voids the request when $change since it was made, and refuses the approval', async ({ meanwhile, why }) => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);
    await world.service.approve(request.id, alice);
    await meanwhile(world, request.policyEtag!);

    // Act
    const approval = world.service.approve(request.id, bob);

    // Assert
    await expect(approval).rejects.toBeInstanceOf(ChangeRequestVoidError);
    await expect(approval).rejects.toThrow(why);
    const voided = await world.service.get(request.id);
    expect(voided).toMatchObject({ status: 'void', statusReason: expect.stringMatching(why) });
    expect(world.executor.calls).toEqual([]);
    expect(auditActionsOf(world)).toContain('change-request.void');
  });

  it('voids a create when a policy of that id was created meanwhile', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await world.service.request('policy.create', aProtectedPolicy().id, aProtectedPolicy(), requester);
    await world.policies.put(aProtectedPolicy());

    // Act
    const approval = world.service.approve(request.id, alice);

    // Assert
    await expect(approval).rejects.toBeInstanceOf(ChangeRequestVoidError);
    expect(request.policyEtag).toBeUndefined();
  });

  it.each([
    { what: 'its body', edit: (r: { body: Record<string, unknown> }) => void (r.body['owner'] = 'team-attacker') },
    { what: 'its action', edit: (r: { action: string }) => void (r.action = 'policy.delete') },
    { what: 'its requester', edit: (r: { requester: { oid: string } }) => void (r.requester.oid = 'oid-someone') },
    { what: 'its expiry', edit: (r: { expiresAt: Date }) => void (r.expiresAt = new Date(r.expiresAt.getTime() + 365 * 24 * HOUR_MS)) },
    { what: 'an approval forged for another hash', edit: (r: { approvals: unknown[] }) => void r.approvals.push({ oid: 'oid-ghost', displayName: 'g', at: new Date(), hash: '0'.repeat(64) }) },
    { what: "the requester's own approval added", edit: (r: { approvals: unknown[]; hash: string }) => void r.approvals.push({ oid: 'oid-requester', displayName: 'r', at: new Date(), hash: r.hash }) },
  ])('refuses and audits an approval of a request whose stored $what was edited', async ({ edit }) => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);
    world.requests.tamper(request.id, edit as (r: unknown) => void);

    // Act
    const approval = world.service.approve(request.id, alice);

    // Assert
    await expect(approval).rejects.toBeInstanceOf(ChangeRequestTamperedError);
    expect(world.executor.calls).toEqual([]);
    expect(world.audit.records().at(-1)).toMatchObject({ action: 'change-request.tampered', actor: 'oid-alice@contoso.com', actorId: 'oid-alice' });
    expect(world.logger.entries.some((entry) => entry.level === 'warn' && entry.event === 'change-request.tampered')).toBe(true);
    await expect(world.service.get(request.id)).rejects.toBeInstanceOf(ChangeRequestTamperedError);
    expect((await world.service.list()).items).toEqual([]);
  });

  it('counts an untampered request normally (the control for the tamper cases)', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);
    world.requests.tamper(request.id, () => {});

    // Act
    const approved = await world.service.approve(request.id, alice);

    // Assert
    expect(approved.approvals).toHaveLength(1);
  });

  it('refuses a caller without the Rotation.Approve role, naming it', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);

    // Act
    const approval = world.service.approve(request.id, aCaller('oid-reader', ['Rotation.Read']));

    // Assert
    await expect(approval).rejects.toBeInstanceOf(ForbiddenError);
    await expect(approval).rejects.toThrow(/Rotation\.Approve/);
  });

  it('marks a failed operation failed with a value-free error, once', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);
    world.executor.behaviour = async () => {
      throw new Error('Key Vault answered 403');
    };
    await world.service.approve(request.id, alice);

    // Act
    const failed = await world.service.approve(request.id, bob);

    // Assert
    expect(failed).toMatchObject({ status: 'failed', statusReason: 'Error: Key Vault answered 403', execution: { error: 'Error: Key Vault answered 403' } });
    expect(auditActionsOf(world).at(-1)).toBe('change-request.failed');
    await expect(world.service.approve(request.id, carol)).rejects.toBeInstanceOf(ChangeRequestNotPendingError);
    expect(world.executor.calls).toHaveLength(1);
  });
});
