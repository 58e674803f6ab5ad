/**
 * An idempotency key replays the outcome its own rotation produced: the rotation id and
 * version it made, never a later rotation's. The same key with another request is
 * refused. Keys are forgotten by count and by age.
 */
import { describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError, RotationInProgressError, TransientDependencyError } from '../../../src/core/errors.js';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { IDEMPOTENCY, aGovernedPolicy, processOver, refOf } from './engine-fixture.js';
import { failingSecretWrites, holdSecretWrites } from './held-writes.js';

const keyed = (key: string, fingerprint = 'body-a', reason = 'rotate now'): RotationTrigger => ({
  kind: 'http',
  actor: 'admin@example.com',
  reason,
  idempotencyKey: `http:${key}`,
  idempotencyFingerprint: fingerprint,
});

const governed = aGovernedPolicy;

describe('idempotency keys', () => {
  it('a replay returns the rotation and version the key produced, not a later rotation made without a key', async () => {
    // Arrange
    const { stores, policy, app } = await governed();
    const original = await app.engine.rotate(policy.id, keyed('abc-123'));
    const later = await app.engine.rotate(policy.id, { kind: 'http', actor: 'someone-else', reason: 'unrelated' });

    // Act
    const replay = await app.engine.rotate(policy.id, keyed('abc-123'));

    // Assert
    expect(later.rotationId).not.toBe(original.rotationId);
    expect(replay).toMatchObject({ status: 'succeeded', replayed: true, rotationId: original.rotationId, newVersion: original.newVersion });
    expect(replay.newVersion).not.toBe(later.newVersion);
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(2);
  });

  it('the same key with a different request is refused and changes nothing', async () => {
    const { stores, policy, app } = await governed();
    await app.engine.rotate(policy.id, keyed('abc-123', 'body-a'));
    const before = await stores.states.get(policy.id);
    await expect(app.engine.rotate(policy.id, keyed('abc-123', 'body-b'))).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await stores.states.get(policy.id)).toEqual(before);
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it('a repeat while the key\'s rotation runs is told it is in progress, over HTTP as a 409', async () => {
    const { stores, policy } = await governed();
    const held = holdSecretWrites(stores);
    const running = processOver(held.stores).engine.rotate(policy.id, keyed('abc-123'));
    await held.reached;
    await expect(processOver(stores).engine.rotate(policy.id, keyed('abc-123'))).rejects.toBeInstanceOf(RotationInProgressError);
    held.release();
    const outcome = await running;
    await expect(processOver(stores).engine.rotate(policy.id, keyed('abc-123'))).resolves.toMatchObject({ replayed: true, rotationId: outcome.rotationId });
  });

  it('a repeat after its rotation failed resumes that same rotation instead of starting another', async () => {
    const { stores, policy, app } = await governed();
    const failed = await processOver(failingSecretWrites(stores, new TransientDependencyError('Key Vault answered 503'))).engine.rotate(policy.id, keyed('abc-123'));
    expect(failed.status).toBe('failed');
    const retried = await app.engine.rotate(policy.id, keyed('abc-123'));
    expect(retried).toMatchObject({ status: 'succeeded', rotationId: failed.rotationId });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it('a replay after the scan finished a failed rotation reports how it ended', async () => {
    // Arrange: the key's rotation fails, then the scan's retry finishes it
    const { stores, policy, app } = await governed();
    const failed = await processOver(failingSecretWrites(stores, new TransientDependencyError('Key Vault answered 503'))).engine.rotate(policy.id, keyed('abc-123'));
    stores.clock.advance(60_000);
    await app.scan.run();

    // Act
    const replay = await app.engine.rotate(policy.id, keyed('abc-123'));

    // Assert
    const [version] = stores.secrets.versions(refOf(policy));
    expect(replay).toMatchObject({ status: 'succeeded', replayed: true, rotationId: failed.rotationId, newVersion: version!.version });
  });

  it(`forgets the oldest key once ${IDEMPOTENCY.keysKept} newer ones were used`, async () => {
    const { stores, policy, app } = await governed();
    const first = await app.engine.rotate(policy.id, keyed('key-0'));
    for (let i = 1; i <= IDEMPOTENCY.keysKept; i++) await app.engine.rotate(policy.id, keyed(`key-${i}`));
    const versions = stores.secrets.versions(refOf(policy)).length;
    const again = await app.engine.rotate(policy.id, keyed('key-0'));
    expect(again.replayed).toBeUndefined();
    expect(again.rotationId).not.toBe(first.rotationId);
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(versions + 1);
    // The newest keys are still remembered.
    await expect(app.engine.rotate(policy.id, keyed(`key-${IDEMPOTENCY.keysKept}`))).resolves.toMatchObject({ replayed: true });
  });

  it('forgets a key after the retention time', async () => {
    const { stores, policy, app } = await governed();
    const first = await app.engine.rotate(policy.id, keyed('abc-123'));
    stores.clock.advance(IDEMPOTENCY.retentionInMs - 1);
    await expect(app.engine.rotate(policy.id, keyed('abc-123'))).resolves.toMatchObject({ replayed: true, rotationId: first.rotationId });
    stores.clock.advance(2);
    const after = await app.engine.rotate(policy.id, keyed('abc-123'));
    expect(after.replayed).toBeUndefined();
    expect(after.rotationId).not.toBe(first.rotationId);
  });
});
