/**
 * What a failed attempt leaves behind: a failure the caller hears of, a retry the
 * schedule holds at the backoff's time, and a resumption that never writes twice.
 */
import { actorName } from '../../../src/core/audit-fields.js';
import { describe, expect, it } from 'vitest';
import { TransientDependencyError } from '../../../src/core/errors.js';
import type { AuditRecord, PolicyState, RotationTrigger } from '../../../src/core/ports.js';
import { LEASE_MS, MAX_ATTEMPTS, auditActions, createStores, processOver, refOf, scheduleEntries, aGovernedPolicy } from './engine-fixture.js';

const MINUTE = 60_000;
const timer: RotationTrigger = { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' };
const http: RotationTrigger = { kind: 'http', actor: 'admin@example.com', reason: 'rotate now' };

const governed = aGovernedPolicy;

/** Key Vault refuses the next `times` writes, each after `takingMs` of the clock. */
function failWrites(stores: ReturnType<typeof createStores>, times: number, takingMs = 0): void {
  const write = stores.secrets.write.bind(stores.secrets);
  let left = times;
  stores.secrets.write = async (ref, value, options) => {
    if (left <= 0) return write(ref, value, options);
    left--;
    stores.clock.advance(takingMs);
    throw new TransientDependencyError('Key Vault writing failed: 503');
  };
}

async function stateOf(stores: ReturnType<typeof createStores>, policyId: string): Promise<PolicyState> {
  return (await stores.states.get(policyId))!.state;
}

describe('a failed attempt', () => {
  it('schedules its retry 1 minute after the first failure and 2 minutes after the second', async () => {
    // Arrange
    const { stores, policy, app } = await governed();
    failWrites(stores, 2);

    // Act + Assert
    const first = await app.engine.rotate(policy.id, timer);
    const firstFailedAt = stores.clock.now();
    expect(first).toMatchObject({ status: 'failed', reason: expect.stringContaining('503') });
    expect((await stateOf(stores, policy.id)).nextDueAt).toEqual(new Date(firstFailedAt.getTime() + MINUTE));
    expect(await app.scan.run()).toMatchObject({ examined: 0 });

    stores.clock.advance(MINUTE);
    expect(await app.scan.run()).toMatchObject({ examined: 1, failed: 1 });
    const secondFailedAt = stores.clock.now();
    const state = await stateOf(stores, policy.id);
    expect(state).toMatchObject({ consecutiveFailures: 2, lastResult: 'failed', lastError: expect.stringContaining('503') });
    expect(state.nextDueAt).toEqual(new Date(secondFailedAt.getTime() + 2 * MINUTE));
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);

    stores.clock.advance(2 * MINUTE - 1);
    expect(await app.scan.run()).toMatchObject({ examined: 0 });
    stores.clock.advance(1);
    expect(await app.scan.run()).toMatchObject({ examined: 1, rotated: 1 });
    const recovered = await stateOf(stores, policy.id);
    expect(recovered).toMatchObject({ consecutiveFailures: 0, lastResult: 'succeeded', lastRotationId: first.rotationId });
    expect(recovered.active).toBeUndefined();
    expect(recovered.lastError).toBeUndefined();
  });

  it.each([
    { takingMs: 0, what: 'at once' },
    { takingMs: LEASE_MS - MINUTE, what: 'just when the retry falls on the end of the lease' },
    { takingMs: 2 * LEASE_MS, what: 'after the lease ended' },
  ])('keeps the policy in the schedule when the write fails $what', async ({ takingMs }) => {
    // Arrange
    const { stores, policy, app } = await governed();
    failWrites(stores, 1, takingMs);

    // Act
    const failed = await app.engine.rotate(policy.id, timer);

    // Assert: the retry is due once, and the scan then finishes the same rotation
    const state = await stateOf(stores, policy.id);
    expect(state.nextDueAt).toEqual(new Date(stores.clock.now().getTime() + MINUTE));
    expect(await scheduleEntries(stores, policy.id)).toEqual([state.nextDueAt]);
    stores.clock.advance(MINUTE);
    expect(await app.scan.run()).toMatchObject({ rotated: 1 });
    expect(await stateOf(stores, policy.id)).toMatchObject({ lastRotationId: failed.rotationId, lastResult: 'succeeded' });
    expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it('records the failure in the audit trail with the error, the trigger and the attempt', async () => {
    // Arrange
    const { stores, policy, app } = await governed();
    failWrites(stores, MAX_ATTEMPTS);

    // Act
    const outcomes = [];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      outcomes.push(await app.engine.rotate(policy.id, attempt === 0 ? http : timer));
      stores.clock.advance(60 * MINUTE);
    }

    // Assert
    const failures = stores.audit.records().filter((record) => record.action === 'rotation.failed');
    expect(failures).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(failures.map((record) => record.id)).size).toBe(MAX_ATTEMPTS);
    for (const record of failures) {
      expect(record).toMatchObject<Partial<AuditRecord>>({
        policyId: policy.id,
        vaultUrl: policy.vaultUrl,
        secretName: policy.secretName,
        rotationId: outcomes[0]!.rotationId!,
        trigger: 'http',
        actor: actorName(http.actor),
        reason: http.reason,
        error: expect.stringContaining('503'),
      });
    }
    expect(failures[0]!.error).not.toContain('retry budget');
    expect(failures[MAX_ATTEMPTS - 1]!.error).toContain(`retry budget of ${MAX_ATTEMPTS} attempts spent`);
    expect(outcomes.map((o) => o.parked)).toEqual([...Array(MAX_ATTEMPTS - 1).fill(undefined), true]);
  });
});

describe('a rotation whose audit record cannot be written', () => {
  it('does not report success, and its retry records it without writing a second version', async () => {
    // Arrange: Table Storage refuses the success record once
    const { stores, policy, app } = await governed();
    const append = stores.audit.append.bind(stores.audit);
    let refused = 0;
    stores.audit.append = async (record) => {
      if (record.action === 'rotation.succeeded' && refused === 0) {
        refused++;
        throw new TransientDependencyError('Table Storage answered 503');
      }
      return append(record);
    };

    // Act
    const outcome = await app.engine.rotate(policy.id, http);

    // Assert
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringContaining('Table Storage answered 503') });
    expect(await stateOf(stores, policy.id)).toMatchObject({ lastResult: 'failed', consecutiveFailures: 1 });
    expect(await auditActions(stores, policy.id)).not.toContain('rotation.succeeded');
    const [written] = stores.secrets.versions(refOf(policy));

    stores.clock.advance(MINUTE);
    expect(await app.scan.run()).toMatchObject({ rotated: 1 });
    expect(stores.secrets.versions(refOf(policy))).toEqual([written]);
    const state = await stateOf(stores, policy.id);
    expect(state).toMatchObject({ lastResult: 'succeeded', currentVersion: written!.version, consecutiveFailures: 0 });
    expect((await auditActions(stores, policy.id)).filter((a) => a === 'rotation.succeeded')).toHaveLength(1);
  });
});

describe('a failure after the version was written', () => {
  it('is resumed by the next trigger, which finds that version instead of writing another', async () => {
    // Arrange: recording the written step fails once
    const { stores, policy, app } = await governed();
    const save = stores.states.save.bind(stores.states);
    let failed = false;
    stores.states.save = async (state, etag) => {
      if (!failed && state.active?.newVersion) {
        failed = true;
        throw new TransientDependencyError('Table Storage answered 503');
      }
      return save(state, etag);
    };
    const first = await app.engine.rotate(policy.id, http);

    // Act
    stores.clock.advance(MINUTE);
    const retried = await app.engine.rotate(policy.id, timer);

    // Assert
    expect(first.status).toBe('failed');
    const versions = stores.secrets.versions(refOf(policy));
    expect(versions).toHaveLength(1);
    expect(retried).toMatchObject({ status: 'succeeded', rotationId: first.rotationId, newVersion: versions[0]!.version });
    expect(await stateOf(stores, policy.id)).toMatchObject({ currentVersion: versions[0]!.version, currentVersionCreatedOn: versions[0]!.createdOn });
  });
});
