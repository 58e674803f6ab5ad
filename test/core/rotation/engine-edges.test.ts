/** Edges of a rotation's decision: a deleted secret, a lost claim, and a repeated request whose rotation failed. */
import { describe, expect, it } from 'vitest';
import { TransientDependencyError } from '../../../src/core/errors.js';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { aGovernedPolicy, processOver, refOf } from './engine-fixture.js';

const DAY = 24 * 60 * 60 * 1000;
const timer: RotationTrigger = { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' };

const governed = aGovernedPolicy;

describe('the engine', () => {
  it('does not rotate on an event about a secret that no longer exists', async () => {
    const { stores, policy, app } = await governed();
    const outcome = await app.engine.rotate(policy.id, {
      kind: 'event',
      actor: 'eventgrid:e-1',
      reason: 'SecretNearExpiry',
      eventVersion: '0123456789abcdef0123456789abcdef',
      eventClaim: 'near-expiry',
      idempotencyKey: 'event:e-1',
    });
    expect(outcome).toEqual({ policyId: policy.id, status: 'skipped', reason: 'the secret no longer exists' });
    expect(stores.secrets.versions(refOf(policy))).toEqual([]);
  });

  it('tells a timer that lost the claim which rotation won', async () => {
    // Arrange: another trigger claims the rotation just before this timer saves its own claim
    const { stores, policy, app } = await governed();
    const other = processOver(stores);
    let winner: Promise<unknown> | undefined;
    stores.states.beforeNext('save', async () => {
      winner = other.engine.rotate(policy.id, { kind: 'http', actor: 'admin', reason: 'first' });
      // Let the winner save its claim before this save goes on.
      for (let i = 0; i < 500 && !(await stores.states.get(policy.id))?.state.active; i++) await new Promise((resolve) => setImmediate(resolve));
    });

    // Act
    const outcome = await app.engine.rotate(policy.id, timer);
    await winner;

    // Assert
    const state = (await stores.states.get(policy.id))!.state;
    expect(outcome).toEqual({ policyId: policy.id, status: 'in-progress', reason: 'another trigger claimed this rotation first', rotationId: state.lastRotationId });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it('finishes the failed rotation of a repeated request rather than starting another', async () => {
    // Arrange
    const { stores, policy, app } = await governed();
    const write = stores.secrets.write.bind(stores.secrets);
    let fail = true;
    stores.secrets.write = async (ref, value, options) => {
      if (fail) throw new TransientDependencyError('Key Vault writing failed: 503');
      return write(ref, value, options);
    };
    const trigger: RotationTrigger = { kind: 'http', actor: 'admin', reason: 'now', idempotencyKey: 'http:k-1' };
    const first = await app.engine.rotate(policy.id, trigger);
    fail = false;
    stores.clock.advance(DAY);

    // Act
    const again = await app.engine.rotate(policy.id, trigger);

    // Assert
    expect(first.status).toBe('failed');
    expect(again).toMatchObject({ status: 'succeeded', rotationId: first.rotationId });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });
});
