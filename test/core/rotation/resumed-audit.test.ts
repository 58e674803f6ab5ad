/**
 * A rotation keeps its first caller's reason, and every later trigger that takes it
 * over is on the record too: who, how, why, at which step and attempt.
 */
import { describe, expect, it } from 'vitest';
import { TransientDependencyError } from '../../../src/core/errors.js';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { aPolicy } from '../../support/policy-mother.js';
import { LEASE_MS, createStores, processOver } from './engine-fixture.js';
import { PortGate } from './port-gate.js';

const MINUTE = 60_000;
const http: RotationTrigger = { kind: 'http', actor: 'alice@example.com', reason: 'incident 42' };

describe('a resumed rotation', () => {
  it('records each trigger that resumed it, and the success keeps the first caller', async () => {
    // Arrange: the first attempt stalls before its write; the second fails at the write
    const stores = createStores();
    const policy = aPolicy();
    await processOver(stores).admin.put(policy.id, policy, 'test');
    const gate = new PortGate('write', 'before');
    void processOver(stores, gate).engine.rotate(policy.id, http);
    await gate.reached;
    stores.clock.advance(LEASE_MS + 1);
    const write = stores.secrets.write.bind(stores.secrets);
    let failures = 1;
    stores.secrets.write = async (ref, value, options) => {
      if (failures-- > 0) throw new TransientDependencyError('Key Vault writing failed: 503');
      return write(ref, value, options);
    };
    const app = processOver(stores);

    // Act: a timer resumes it and fails; an admin resumes it again and it succeeds
    const failed = await app.engine.rotate(policy.id, { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' });
    stores.clock.advance(MINUTE);
    const succeeded = await app.engine.rotate(policy.id, { kind: 'http', actor: 'bob@example.com', reason: 'retry after the firewall fix' });

    // Assert
    expect(failed.status).toBe('failed');
    expect(succeeded).toMatchObject({ status: 'succeeded', rotationId: failed.rotationId });
    const resumed = stores.audit.records().filter((record) => record.action === 'rotation.resumed');
    expect(resumed).toHaveLength(2);
    expect(new Set(resumed.map((record) => record.id)).size).toBe(2);
    expect(resumed[0]).toMatchObject({
      policyId: policy.id,
      vaultUrl: policy.vaultUrl,
      secretName: policy.secretName,
      rotationId: failed.rotationId,
      trigger: 'timer',
      actor: 'scheduler',
      reason: expect.stringContaining("resumed at step 'claimed'"),
    });
    expect(resumed[0]!.reason).toContain('scheduled scan');
    expect(resumed[1]).toMatchObject({ trigger: 'http', actor: 'bob@example.com', reason: expect.stringContaining('retry after the firewall fix') });
    expect(resumed[0]!.reason).not.toBe(resumed[1]!.reason);
    const success = stores.audit.records().find((record) => record.action === 'rotation.succeeded');
    expect(success).toMatchObject({ trigger: 'http', actor: http.actor, reason: http.reason });
  });
});
