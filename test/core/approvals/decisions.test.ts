import { describe, expect, it } from 'vitest';
import { policyWriteAction } from '../../../src/core/approvals/change-request-service.js';
import { AlreadyApprovedError, ChangeRequestExpiredError, ChangeRequestNotPendingError } from '../../../src/core/approvals/errors.js';
import { ConcurrencyConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError } from '../../../src/core/errors.js';
import { aProtectedPolicy } from './approvals-fixture.js';
import { aCaller, alice, aPendingReplace, approvalsWorld, auditActionsOf, bob, carol, HOUR_MS, requester } from './approvals-fixture.js';

describe('ChangeRequestService.cancel', () => {
  it('lets only the requester cancel: anyone else gets a 403 and the request stays pending', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);

    // Act
    const byOther = world.service.cancel(request.id, alice);
    await expect(byOther).rejects.toBeInstanceOf(ForbiddenError);
    const stillPending = (await world.service.get(request.id)).status;
    const cancelled = await world.service.cancel(request.id, requester);

    // Assert
    expect(stillPending).toBe('pending');
    expect(cancelled).toMatchObject({ status: 'cancelled', closedAt: world.clock.now() });
    expect(auditActionsOf(world).at(-1)).toBe('change-request.cancelled');
    await expect(world.service.approve(request.id, alice)).rejects.toBeInstanceOf(ChangeRequestNotPendingError);
    expect(world.executor.calls).toEqual([]);
  });

  it('cannot cancel a request that has already run', async () => {
    // Arrange
    const world = approvalsWorld({ requiredApprovals: 1 });
    const request = await aPendingReplace(world);
    await world.service.approve(request.id, alice);

    // Act
    const cancel = world.service.cancel(request.id, requester);

    // Assert
    await expect(cancel).rejects.toThrow(/is executed, not pending/);
  });
});

describe('ChangeRequestService.reject', () => {
  it('closes the request without running it, recording who rejected and why', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);
    await world.service.approve(request.id, alice);

    // Act
    const rejected = await world.service.reject(request.id, bob, 'wrong owner team');

    // Assert
    expect(rejected).toMatchObject({ status: 'rejected', rejection: { oid: 'oid-bob', reason: 'wrong owner team', at: world.clock.now() } });
    await expect(world.service.approve(request.id, carol)).rejects.toBeInstanceOf(ChangeRequestNotPendingError);
    expect(world.executor.calls).toEqual([]);
    expect(world.audit.records().at(-1)).toMatchObject({ action: 'change-request.rejected', actor: 'oid-bob@contoso.com', actorId: 'oid-bob', reason: expect.stringContaining('wrong owner team') });
  });

  it('sends the requester to cancel, and refuses callers without Rotation.Approve', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);

    // Act / Assert: one at a time, so no refusal waits unhandled while another is awaited.
    await expect(world.service.reject(request.id, requester)).rejects.toThrow(/withdraw it with cancel/);
    await expect(world.service.reject(request.id, aCaller('oid-reader', ['Rotation.Read']))).rejects.toBeInstanceOf(ForbiddenError);
    expect((await world.service.get(request.id)).status).toBe('pending');
  });

  it('refuses a reason with a control character, as the audit would carry it', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);

    // Act
    const reject = world.service.reject(request.id, alice, 'ok\n2026-01-01 forged line');

    // Assert
    await expect(reject).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('ChangeRequestService.request refusals', () => {
  it('refuses a create of a policy that exists and a replace whose If-Match is stale', async () => {
    // Arrange
    const world = approvalsWorld();
    const stored = await world.policies.put(aProtectedPolicy());

    // Act / Assert: one at a time, so no refusal waits unhandled while another is awaited.
    await expect(world.service.request('policy.create', stored.policy.id, aProtectedPolicy(), requester)).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(world.service.request('policy.replace', stored.policy.id, aProtectedPolicy(), requester, 'W/"stale"')).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(world.service.request('rotation.rotate', 'no-such-policy', { reason: 'leak' }, requester)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('binds the current ETag when none is given, and names the protected environment when a replace moves a policy into one', async () => {
    // Arrange
    const world = approvalsWorld();
    const stored = await world.policies.put(aProtectedPolicy({ environment: 'dev' }));

    // Act
    const request = await world.service.request('policy.replace', stored.policy.id, { ...aProtectedPolicy(), environment: 'Production' }, requester);

    // Assert
    expect(request).toMatchObject({ policyEtag: stored.etag, environment: 'Production' });
  });

  it.each([
    ['break-glass, which is recorded, not requested', 'rotation.break-glass', {}],
    ['a body that is not an object', 'rotation.rotate', ['leak']],
    ['a body larger than a request holds', 'rotation.rotate', { reason: 'x'.repeat(70_000) }],
  ])('refuses %s', async (_name, action, body) => {
    // Arrange
    const world = approvalsWorld();
    await world.policies.put(aProtectedPolicy());

    // Act
    const request = world.service.request(action as 'rotation.rotate', aProtectedPolicy().id, body, requester);

    // Assert
    await expect(request).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('ChangeRequestService.list', () => {
  it('lists pending requests oldest first; one found past its expiry is marked expired and left out', async () => {
    // Arrange
    const world = approvalsWorld();
    const stored = await world.policies.put(aProtectedPolicy());
    const old = await world.service.request('rotation.rotate', stored.policy.id, { reason: 'old' }, requester);
    world.clock.advance(23 * HOUR_MS);
    const recent = await world.service.request('rotation.rotate', stored.policy.id, { reason: 'recent' }, requester);
    world.clock.advance(2 * HOUR_MS);

    // Act
    const pending = await world.service.list({ status: 'pending' });
    const expired = await world.service.list({ status: 'expired' });

    // Assert
    expect(pending.items.map((r) => r.id)).toEqual([recent.id]);
    expect(expired.items.map((r) => r.id)).toEqual([old.id]);
    expect(auditActionsOf(world)).toContain('change-request.expired');
    await expect(world.service.approve(old.id, alice)).rejects.toBeInstanceOf(ChangeRequestExpiredError);
  });

  it('refuses an unknown status', async () => {
    // Arrange
    const world = approvalsWorld();

    // Act
    const list = world.service.list({ status: 'approved' as 'pending' });

    // Assert
    await expect(list).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('ChangeRequestService.requiresApproval', () => {
  it.each([
    { action: 'policy.replace', before: 'production', after: 'production', needed: true },
    { action: 'policy.replace', before: 'dev', after: 'production', needed: true },
    { action: 'policy.replace', before: 'production', after: 'dev', needed: true },
    { action: 'policy.replace', before: 'dev', after: 'test', needed: false },
    { action: 'policy.create', before: undefined, after: 'staging', needed: true },
    { action: 'policy.delete', before: ' Production ', after: undefined, needed: true },
    { action: 'rotation.rotate', before: 'PRODUCTION', after: undefined, needed: true },
    { action: 'rotation.rotate', before: 'dev', after: undefined, needed: false },
    { action: 'rotation.break-glass', before: 'production', after: undefined, needed: false },
  ] as const)('$action from $before to $after: $needed', ({ action, before, after, needed }) => {
    // Arrange
    const world = approvalsWorld();
    const policy = (environment: string | undefined) => (environment === undefined ? undefined : { ...aProtectedPolicy(), environment });

    // Act
    const answer = world.service.requiresApproval(action, policy(before), policy(after));

    // Assert
    expect(answer).toBe(needed);
  });

  it('follows the configured environments', () => {
    // Arrange
    const world = approvalsWorld({ protectedEnvironments: ['prd'] });

    // Act
    const answers = [world.service.isProtected('prd'), world.service.isProtected('production')];

    // Assert
    expect(answers).toEqual([true, false]);
  });
});

describe('policyWriteAction', () => {
  it.each([
    { name: 'no existing policy', before: undefined, after: aProtectedPolicy(), action: 'policy.create' },
    { name: 'only enabled turned off', before: aProtectedPolicy(), after: aProtectedPolicy({ enabled: false }), action: 'policy.disable' },
    { name: 'only enabled turned on', before: aProtectedPolicy({ enabled: false }), after: aProtectedPolicy(), action: 'policy.enable' },
    { name: 'enabled and another field', before: aProtectedPolicy(), after: aProtectedPolicy({ enabled: false, owner: 'x' }), action: 'policy.replace' },
    { name: 'another field', before: aProtectedPolicy(), after: aProtectedPolicy({ owner: 'x' }), action: 'policy.replace' },
  ])('$name: $action', ({ before, after, action }) => {
    expect(policyWriteAction(before, after)).toBe(action);
  });
});

describe('break-glass', () => {
  it('records a break-glass rotation for review: audited, logged as a warning and announced for the alert', async () => {
    // Arrange
    const world = approvalsWorld();
    const stored = await world.policies.put(aProtectedPolicy());
    const actor = aCaller('oid-oncall', ['Rotation.BreakGlass']);
    const justification = world.service.checkBreakGlass(actor, '  credential posted in a public channel  ');

    // Act
    const recorded = await world.service.recordBreakGlass(stored.policy.id, actor, justification, {
      result: { summary: 'rotation rot-9 succeeded', rotationId: 'rot-9', previousVersion: 'v1', newVersion: 'v2' },
    });

    // Assert
    expect(recorded).toMatchObject({ action: 'rotation.break-glass', status: 'review', body: { justification: 'credential posted in a public channel' }, policyEtag: stored.etag, environment: 'production' });
    expect(world.audit.records()).toMatchObject([{ action: 'rotation.break-glass', actor: 'oid-oncall@contoso.com', actorId: 'oid-oncall', rotationId: 'rot-9', newVersion: 'v2', reason: expect.stringContaining('public channel') }]);
    expect(world.logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', event: 'rotation.break-glass' }));
    expect(world.alerts).toEqual([
      expect.objectContaining({
        type: 'BreakGlassUsed',
        id: `${recorded.id}.BreakGlassUsed`,
        policyId: stored.policy.id,
        vaultUrl: stored.policy.vaultUrl,
        secretName: stored.policy.secretName,
        actor: recorded.requester.displayName,
        rotationId: 'rot-9',
        newVersion: 'v2',
        reason: expect.stringContaining('credential posted in a public channel'),
      }),
    ]);
    expect((await world.service.list({ status: 'review' })).items.map((r) => r.id)).toEqual([recorded.id]);
  });

  it('needs the BreakGlass role and a justification before anything rotates', () => {
    // Arrange
    const world = approvalsWorld();

    // Act
    const withoutRole = () => world.service.checkBreakGlass(alice, 'urgent');
    const withoutReason = () => world.service.checkBreakGlass(aCaller('oid-oncall', ['Rotation.BreakGlass']), '   ');

    // Assert
    expect(withoutRole).toThrow(ForbiddenError);
    expect(withoutReason).toThrow(ValidationError);
  });

  it('is reviewed by two people other than the one who broke the glass', async () => {
    // Arrange
    const world = approvalsWorld();
    await world.policies.put(aProtectedPolicy());
    const actor = aCaller('oid-oncall', ['Rotation.BreakGlass', 'Rotation.Approve']);
    const recorded = await world.service.recordBreakGlass(aProtectedPolicy().id, actor, 'leak', { error: new Error('Key Vault answered 503') });

    // Act
    const ownReview = world.service.review(recorded.id, actor, 'fine');
    await expect(ownReview).rejects.toBeInstanceOf(ForbiddenError);
    const first = await world.service.review(recorded.id, alice, 'justified');
    await expect(world.service.review(recorded.id, alice, 'again')).rejects.toBeInstanceOf(AlreadyApprovedError);
    const second = await world.service.review(recorded.id, bob, 'agreed');

    // Assert
    expect(recorded.execution?.error).toBe('Error: Key Vault answered 503');
    expect(first.status).toBe('review');
    expect(second).toMatchObject({ status: 'reviewed', approvals: [{ oid: 'oid-alice' }, { oid: 'oid-bob' }] });
    await expect(world.service.review(recorded.id, carol, 'late')).rejects.toBeInstanceOf(ChangeRequestNotPendingError);
    await expect(world.service.approve(recorded.id, carol)).rejects.toBeInstanceOf(ChangeRequestNotPendingError);
    expect(world.executor.calls).toEqual([]);
    expect(auditActionsOf(world)).toEqual(['rotation.break-glass', 'change-request.reviewed', 'change-request.reviewed']);
  });

  it('requires a comment on a review', async () => {
    // Arrange
    const world = approvalsWorld();
    const recorded = await world.service.recordBreakGlass('payments-db-password', aCaller('oid-oncall'), 'leak', { result: { summary: 'ok' } });

    // Act
    const review = world.service.review(recorded.id, alice, '');

    // Assert
    await expect(review).rejects.toBeInstanceOf(ValidationError);
  });
});
