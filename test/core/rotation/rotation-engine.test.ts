import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { MANAGED_TAGS } from '../../../src/core/policy/policy.js';
import { NotFoundError, PolicyDisabledError, RotationInProgressError, TransientDependencyError } from '../../../src/core/errors.js';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { silentLogger, type LogProperties } from '../../../src/core/logger.js';
import { aPolicy } from '../../support/policy-mother.js';
import { LEASE_MS, MAX_ATTEMPTS, auditActions, createStores, processOver, refOf, scheduleEntries } from './engine-fixture.js';

const http = (reason = 'on demand', idempotencyKey?: string): RotationTrigger => ({
  kind: 'http',
  actor: 'admin@example.com',
  reason,
  ...(idempotencyKey ? { idempotencyKey } : {}),
});
const DAY = 24 * 60 * 60 * 1000;

async function withPolicy(overrides: Parameters<typeof aPolicy>[0] = {}) {
  const stores = createStores();
  const policy = aPolicy(overrides);
  const app = processOver(stores);
  await app.admin.put(policy.id, policy, 'test');
  return { stores, policy, app };
}

describe('RotationEngine', () => {
  it('writes a new version with expiry, content type and identifying tags, and records it', async () => {
    // Arrange
    const { stores, policy, app } = await withPolicy({ contentType: 'text/plain', tags: { CostCenter: 'eng' } });

    // Act
    const outcome = await app.engine.rotate(policy.id, http('first'));

    // Assert
    const [version] = stores.secrets.versions(refOf(policy));
    expect(outcome).toMatchObject({ status: 'succeeded', newVersion: version!.version, rotationId: expect.any(String) });
    expect(version!.expiresOn!.getTime() - stores.clock.now().getTime()).toBe(120 * DAY);
    expect(version!.contentType).toBe('text/plain');
    expect(version!.tags).toMatchObject({ CostCenter: 'eng', [MANAGED_TAGS.policyId]: policy.id, [MANAGED_TAGS.rotationId]: outcome.rotationId });
    const state = (await stores.states.get(policy.id))!.state;
    expect(state).toMatchObject({ currentVersion: version!.version, lastResult: 'succeeded', consecutiveFailures: 0, lastRotationId: outcome.rotationId });
    expect(state.active).toBeUndefined();
    expect(state.nextDueAt!.getTime()).toBe(stores.clock.now().getTime() + 90 * DAY);
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
    expect(await auditActions(stores, policy.id)).toEqual(['rotation.succeeded', 'policy.created']);
  });

  it('costs one Key Vault create and at most two other operations', async () => {
    // Arrange
    const { stores, policy, app } = await withPolicy();
    await app.engine.rotate(policy.id, http());
    stores.secrets.resetCounts();

    // Act
    await app.engine.rotate(policy.id, http('second'));

    // Assert
    expect(stores.secrets.counts.creates).toBe(1);
    expect(stores.secrets.counts.others).toBeLessThanOrEqual(2);
  });

  it('never puts the value in the outcome, the state or the audit trail', async () => {
    // Arrange
    const { stores, policy, app } = await withPolicy();

    // Act
    const outcome = await app.engine.rotate(policy.id, http());

    // Assert
    const value = stores.secrets.valueOf(refOf(policy), outcome.newVersion!)!;
    expect(value.length).toBeGreaterThan(8);
    const everything = inspect([outcome, await stores.states.get(policy.id), await stores.audit.listForPolicy(policy.id)], { depth: 10 });
    expect(everything).not.toContain(value);
    expect(JSON.stringify(outcome)).not.toContain(value);
  });

  it('refuses an unknown policy and, over HTTP, a disabled one', async () => {
    const { policy, app } = await withPolicy({ enabled: false });
    await expect(app.engine.rotate('no-such-policy', http())).rejects.toBeInstanceOf(NotFoundError);
    await expect(app.engine.rotate(policy.id, http())).rejects.toBeInstanceOf(PolicyDisabledError);
    await expect(app.engine.rotate(policy.id, { kind: 'timer', actor: 'scheduler', reason: 'scan' })).resolves.toMatchObject({ status: 'skipped' });
  });

  it('answers 409-style while another rotation holds the lease, and resumes it once the lease lapses', async () => {
    // Arrange: a rotation claimed and then abandoned by a dead instance
    const { stores, policy, app } = await withPolicy();
    const versioned = (await stores.states.get(policy.id))!;
    const now = stores.clock.now();
    await stores.states.save(
      { ...versioned.state, active: { rotationId: 'r-dead', step: 'claimed', trigger: http(), target: refOf(policy), startedAt: now, leaseExpiresAt: new Date(now.getTime() + LEASE_MS), attempt: 1 } },
      versioned.etag,
    );

    // Act + Assert
    await expect(app.engine.rotate(policy.id, http())).rejects.toBeInstanceOf(RotationInProgressError);
    await expect(app.engine.rotate(policy.id, { kind: 'timer', actor: 'scheduler', reason: 'scan' })).resolves.toMatchObject({ status: 'in-progress' });
    stores.clock.advance(LEASE_MS + 1);
    const resumed = await app.engine.rotate(policy.id, { kind: 'timer', actor: 'scheduler', reason: 'scan' });
    expect(resumed).toMatchObject({ status: 'succeeded', rotationId: 'r-dead' });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it('replays a repeated idempotency key instead of rotating again', async () => {
    const { stores, policy, app } = await withPolicy();
    const first = await app.engine.rotate(policy.id, http('once', 'http:key-1'));
    const again = await app.engine.rotate(policy.id, http('once', 'http:key-1'));
    expect(again).toMatchObject({ status: 'succeeded', replayed: true, rotationId: first.rotationId, newVersion: first.newVersion });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it('rotates on an event for the current version and ignores stale ones', async () => {
    // Arrange
    const { stores, policy, app } = await withPolicy();
    const first = await app.engine.rotate(policy.id, http());
    stores.clock.advance(91 * DAY);
    const event = (version: string, id: string): RotationTrigger => ({ kind: 'event', actor: id, reason: 'SecretNearExpiry', eventVersion: version, eventClaim: 'near-expiry', idempotencyKey: id });

    // Act
    const stale = await app.engine.rotate(policy.id, event('not-current', 'e1'));
    const current = await app.engine.rotate(policy.id, event(first.newVersion!, 'e2'));
    const duplicate = await app.engine.rotate(policy.id, event(first.newVersion!, 'e3'));

    // Assert
    expect(stale).toMatchObject({ status: 'skipped', reason: expect.stringContaining('stale') });
    expect(current).toMatchObject({ status: 'succeeded', previousVersion: first.newVersion });
    expect(duplicate).toMatchObject({ status: 'skipped' });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
  });

  it('is due at once when the secret does not exist, and not again until `every` has passed', async () => {
    const { stores, policy, app } = await withPolicy();
    expect(await app.scan.run()).toMatchObject({ rotated: 1 });
    expect(await app.scan.run()).toMatchObject({ examined: 0 });
    stores.clock.advance(90 * DAY - 1000);
    expect(await app.scan.run()).toMatchObject({ examined: 0 });
    stores.clock.advance(1000);
    expect(await app.scan.run()).toMatchObject({ rotated: 1 });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
  });

  it('records a failure loudly, retries with backoff, and parks the policy when the budget is spent', async () => {
    // Arrange: Key Vault keeps failing writes
    const { stores, policy } = await withPolicy();
    const errors: Array<{ message: string; properties?: LogProperties }> = [];
    const app = processOver(stores, undefined, { ...silentLogger, error: (message, properties) => errors.push({ message, ...(properties ? { properties } : {}) }) });
    stores.secrets.write = async () => {
      throw new TransientDependencyError('Key Vault writing failed: 503');
    };

    // Act
    const outcomes = [];
    for (let attempt = 0; attempt < MAX_ATTEMPTS + 1; attempt++) {
      outcomes.push(await app.engine.rotate(policy.id, { kind: 'timer', actor: 'scheduler', reason: 'scan' }));
      stores.clock.advance(2 * 60 * 60_000);
    }

    // Assert
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'failed', 'skipped']);
    expect(outcomes[2]).toMatchObject({ parked: true });
    expect(outcomes[3]).toMatchObject({ parked: true, reason: expect.stringContaining('retry budget') });
    const state = (await stores.states.get(policy.id))!.state;
    expect(state).toMatchObject({ lastResult: 'failed', consecutiveFailures: MAX_ATTEMPTS });
    expect(state.nextDueAt).toBeUndefined();
    expect(await scheduleEntries(stores, policy.id)).toEqual([]);
    expect((await auditActions(stores, policy.id)).filter((a) => a === 'rotation.failed')).toHaveLength(MAX_ATTEMPTS);
    // 'rotation.failed' is the log line the alert in infra/ fires on.
    expect(errors.map((e) => e.message)).toEqual(['rotation.failed', 'rotation.failed', 'rotation.failed']);
    expect(errors[2]!.properties).toMatchObject({ policyId: policy.id, parked: true, attempt: MAX_ATTEMPTS, error: expect.stringContaining('503') });
    // An admin's explicit rotation is the way out once the cause is fixed.
    delete (stores.secrets as { write?: unknown }).write;
    await expect(app.engine.rotate(policy.id, http('fixed the vault firewall'))).resolves.toMatchObject({ status: 'succeeded' });
    expect((await stores.states.get(policy.id))!.state.consecutiveFailures).toBe(0);
  });

  it('dry run reports the plan and writes nothing', async () => {
    const { stores, policy, app } = await withPolicy();
    const auditBefore = await auditActions(stores, policy.id);
    const plan = await app.engine.plan(policy.id, http());
    expect(plan).toMatchObject({ wouldRotate: true, keyVaultOperations: { creates: 1, others: 1 }, tagNames: expect.arrayContaining([MANAGED_TAGS.rotationId]) });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(0);
    expect(await auditActions(stores, policy.id)).toEqual(auditBefore);
  });
});
