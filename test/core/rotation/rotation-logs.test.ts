/**
 * What an operator reads in the logs about each rotation: one line per turn in its
 * life, naming the policy, vault, secret, rotation, trigger and actor, and never a value.
 */
import { describe, expect, it } from 'vitest';
import { TransientDependencyError } from '../../../src/core/errors.js';
import type { LogProperties, Logger } from '../../../src/core/logger.js';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { aPolicy } from '../../support/policy-mother.js';
import { LEASE_MS, createStores, processOver, refOf } from './engine-fixture.js';
import { PortGate } from './port-gate.js';

const DAY = 24 * 60 * 60 * 1000;
const http: RotationTrigger = { kind: 'http', actor: 'admin@example.com', reason: 'rotate now' };
const timer: RotationTrigger = { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' };

interface Line {
  level: 'info' | 'warn' | 'error';
  message: string;
  properties: LogProperties;
}

function capture(): { logger: Logger; lines: Line[]; find: (message: string) => Line[] } {
  const lines: Line[] = [];
  const log = (level: Line['level']) => (message: string, properties: LogProperties = {}) => void lines.push({ level, message, properties });
  return { logger: { info: log('info'), warn: log('warn'), error: log('error') }, lines, find: (message) => lines.filter((line) => line.message === message) };
}

async function governed() {
  const stores = createStores();
  const policy = aPolicy();
  const logs = capture();
  const app = processOver(stores, undefined, logs.logger);
  await app.admin.put(policy.id, policy, 'test');
  const subject = { policyId: policy.id, vaultUrl: policy.vaultUrl, secretName: policy.secretName };
  return { stores, policy, app, logs, subject };
}

describe('the rotation log', () => {
  it('says when a rotation starts and when it succeeds, with both versions and the next due date', async () => {
    // Arrange
    const { stores, policy, app, logs, subject } = await governed();
    const first = await app.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'initial' });
    stores.clock.advance(DAY);
    logs.lines.length = 0;

    // Act
    const outcome = await app.engine.rotate(policy.id, http);

    // Assert
    const who = { ...subject, rotationId: outcome.rotationId, trigger: 'http', actor: http.actor };
    const state = (await stores.states.get(policy.id))!.state;
    expect(logs.find('rotation.started')).toEqual([{ level: 'info', message: 'rotation.started', properties: expect.objectContaining({ ...who, reason: http.reason }) }]);
    expect(logs.find('rotation.succeeded')).toEqual([
      {
        level: 'info',
        message: 'rotation.succeeded',
        properties: expect.objectContaining({ ...who, previousVersion: first.newVersion, newVersion: outcome.newVersion, nextDueAt: state.nextDueAt!.toISOString() }),
      },
    ]);
    const value = stores.secrets.valueOf(refOf(policy), outcome.newVersion!)!;
    expect(JSON.stringify(logs.lines)).not.toContain(value);
  });

  it('warns when a rotation is resumed, naming the step and the trigger that resumed it', async () => {
    // Arrange: a rotation stalls before its write and its lease lapses
    const { stores, policy, app, logs, subject } = await governed();
    const gate = new PortGate('write', 'before');
    void processOver(stores, gate).engine.rotate(policy.id, http);
    await gate.reached;
    stores.clock.advance(LEASE_MS + 1);

    // Act
    const outcome = await app.engine.rotate(policy.id, timer);

    // Assert
    expect(logs.find('rotation.resumed')).toEqual([
      {
        level: 'warn',
        message: 'rotation.resumed',
        properties: expect.objectContaining({ ...subject, rotationId: outcome.rotationId, trigger: 'http', actor: http.actor, step: 'claimed', resumedBy: 'timer' }),
      },
    ]);
    expect(logs.find('rotation.started')).toEqual([]);
  });

  it('warns when a claimant finds its rotation taken over', async () => {
    // Arrange: the claimant wrote its version, then its lease lapsed and another instance finished
    const stores = createStores();
    const policy = aPolicy();
    const logs = capture();
    await processOver(stores).admin.put(policy.id, policy, 'test');
    const gate = new PortGate('write', 'after');
    const slow = processOver(stores, gate, logs.logger).engine.rotate(policy.id, timer);
    await gate.reached;
    stores.clock.advance(LEASE_MS + 1);
    await processOver(stores).engine.rotate(policy.id, timer);

    // Act
    gate.release();
    const outcome = await slow;

    // Assert
    expect(logs.find('rotation.lease-lost')).toEqual([
      {
        level: 'warn',
        message: 'rotation.lease-lost',
        properties: expect.objectContaining({ policyId: policy.id, vaultUrl: policy.vaultUrl, secretName: policy.secretName, rotationId: outcome.rotationId, trigger: 'timer', actor: timer.actor }),
      },
    ]);
    expect(logs.find('rotation.failed')).toEqual([]);
  });

  it('errors when an attempt fails, saying whether it can be retried and whether the policy is parked', async () => {
    // Arrange
    const { stores, policy, app, logs, subject } = await governed();
    stores.secrets.write = async () => {
      throw new TransientDependencyError('Key Vault writing failed: 503');
    };

    // Act
    const outcome = await app.engine.rotate(policy.id, http);

    // Assert
    expect(logs.find('rotation.failed')).toEqual([
      {
        level: 'error',
        message: 'rotation.failed',
        properties: expect.objectContaining({
          ...subject,
          rotationId: outcome.rotationId,
          trigger: 'http',
          actor: http.actor,
          step: 'claimed',
          attempt: 1,
          maxAttempts: 3,
          retryable: true,
          parked: false,
          error: expect.stringContaining('503'),
        }),
      },
    ]);
  });

  it('keeps a schedule entry it failed to remove, and says so, without failing the rotation', async () => {
    // Arrange: removing the old due entry fails once
    const { stores, policy, app, logs } = await governed();
    const previousDue = (await stores.states.get(policy.id))!.state.nextDueAt!;
    stores.schedule.failNext('remove');

    // Act
    const outcome = await app.engine.rotate(policy.id, http);

    // Assert
    expect(outcome.status).toBe('succeeded');
    expect(logs.find('schedule.stale-entry-kept')).toEqual([
      { level: 'warn', message: 'schedule.stale-entry-kept', properties: expect.objectContaining({ policyId: policy.id, dueAt: previousDue.toISOString(), error: expect.stringContaining('remove') }) },
    ]);
  });
});
