/** What the engine reports to the RotationMetrics port, over in-memory ports: results, steps and drain waits. */
import { describe, expect, it } from 'vitest';
import type { DrainWaitReason, RotationAttributes, RotationMetrics, RotationResult, StepResult } from '../../../src/core/metrics.js';
import type { RotationStep } from '../../../src/core/ports.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createStores, processOver } from './engine-fixture.js';
import { DB_LOGIN, GRACE_MS, HTTP, stagedWorld } from './staged-fixture.js';
import { aPolicy } from '../../support/policy-mother.js';

type Recorded =
  | { kind: 'rotation'; result: RotationResult; attributes: RotationAttributes }
  | { kind: 'step'; step: RotationStep; result: StepResult; attributes: RotationAttributes }
  | { kind: 'drain'; consumerKind: string; reason: DrainWaitReason; attributes: RotationAttributes };

/** An in-memory RotationMetrics: what was recorded, in order. */
function recordingMetrics(): RotationMetrics & { recorded: Recorded[] } {
  const recorded: Recorded[] = [];
  return {
    recorded,
    rotationEnded: (result, attributes) => void recorded.push({ kind: 'rotation', result, attributes }),
    stepStarted: (step, attributes) => ({ end: (result) => void recorded.push({ kind: 'step', step, result, attributes }) }),
    drainWaited: (consumerKind, reason, attributes) => void recorded.push({ kind: 'drain', consumerKind, reason, attributes }),
  };
}

describe('the engine reports its rotations to RotationMetrics', () => {
  it('reports each step of a rotation, then its result, with the vault host, strategy and trigger only', async () => {
    // Arrange
    const stores = createStores();
    const metrics = recordingMetrics();
    const app = processOver(stores, undefined, silentLogger, { metrics });
    const policy = aPolicy({ id: 'orders-api-key', vaultUrl: 'https://kv-Orders.vault.azure.net', secretName: 'orders-api-key' });
    await app.admin.put(policy.id, policy, 'test');

    // Act
    const outcome = await app.engine.rotate(policy.id, HTTP);

    // Assert
    expect(outcome.status).toBe('succeeded');
    const attributes = { vault: 'kv-orders.vault.azure.net', strategy: 'vault-only', trigger: 'http' };
    const steps = metrics.recorded.flatMap((r) => (r.kind === 'step' ? [r] : []));
    expect(steps.map((s) => [s.step, s.result])).toContainEqual(['switched', 'done']);
    expect(steps.at(-1)).toEqual({ kind: 'step', step: 'completed', result: 'done', attributes });
    expect(metrics.recorded.at(-1)).toEqual({ kind: 'rotation', result: 'succeeded', attributes });
  });

  it('reports nothing for a trigger that did not rotate: not due, or the lease held', async () => {
    // Arrange
    const stores = createStores();
    const metrics = recordingMetrics();
    const app = processOver(stores, undefined, silentLogger, { metrics });
    const policy = aPolicy({ id: 'not-due', vaultUrl: 'https://kv-orders.vault.azure.net', secretName: 'not-due' });
    await app.admin.put(policy.id, policy, 'test');
    await processOver(stores).engine.rotate(policy.id, HTTP);

    // Act
    const outcome = await app.engine.rotate(policy.id, { kind: 'timer', actor: 'scheduler', reason: 'due' });

    // Assert
    expect(outcome.status).toBe('skipped');
    expect(metrics.recorded).toEqual([]);
  });

  it('counts a drain wait by the consumer kind that still drains, and why', async () => {
    // Arrange: the second rotation of alternating users waits for the first's grace period, then for a session.
    const world = await stagedWorld({ strategy: 'alternating-users' });
    await world.app.engine.rotate('orders-db', HTTP);
    const metrics = recordingMetrics();
    const app = processOver(world.stores, undefined, silentLogger, { consumerKinds: world.kinds, metrics });

    // Act
    const withinGrace = await app.engine.rotate('orders-db', HTTP);
    world.stores.clock.advance(GRACE_MS + 1000);
    const session = world.database.openSession(DB_LOGIN, '10.0.0.4', 'orders-api');
    const withSession = await app.engine.rotate('orders-db', HTTP);
    world.database.closeSession(session);

    // Assert
    expect([withinGrace.status, withSession.status]).toEqual(['waiting-for-drain', 'waiting-for-drain']);
    const drains = metrics.recorded.flatMap((r) => (r.kind === 'drain' ? [r] : []));
    expect(drains.map((d) => [d.consumerKind, d.reason, d.attributes.strategy])).toEqual([
      ['fake-db', 'grace-period', 'alternating-users'],
      ['fake-db', 'sessions', 'alternating-users'],
    ]);
    expect(metrics.recorded.filter((r) => r.kind === 'rotation').map((r) => r.result)).toEqual(['waiting-for-drain', 'waiting-for-drain']);
    const waits = metrics.recorded.flatMap((r) => (r.kind === 'step' && r.result === 'wait' ? [r.step] : []));
    expect(waits).toEqual(['drained', 'drained']);
  });
});
