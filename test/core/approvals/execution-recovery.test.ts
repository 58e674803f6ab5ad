import { describe, expect, it } from 'vitest';
import { MAX_EXECUTION_ATTEMPTS } from '../../../src/core/approvals/change-request-service.js';
import { ChangeRequestNotPendingError } from '../../../src/core/approvals/errors.js';
import { alice, aPendingReplace, approvalsWorld, auditActionsOf, bob, carol, LEASE_MS } from './approvals-fixture.js';

/** The process dies right after the operation ran: the write that would record it never happens. */
function crashAfterNextExecution(world: ReturnType<typeof approvalsWorld>): void {
  const run = world.executor.behaviour;
  world.executor.behaviour = async (request) => {
    world.executor.behaviour = run;
    const result = await run(request);
    world.requests.failNext('replace', new Error('process killed'));
    return result;
  };
}

describe('a crash between executing and executed', () => {
  it('leaves the request executing until the lease passes, then the next get runs the (idempotent) operation again and records it', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);
    await world.service.approve(request.id, alice);
    crashAfterNextExecution(world);
    await expect(world.service.approve(request.id, bob)).rejects.toThrow('process killed');

    // Act
    const duringLease = await world.service.get(request.id);
    const approvalDuringLease = await world.service.approve(request.id, carol).catch((error: unknown) => error);
    world.clock.advance(LEASE_MS);
    const afterLease = await world.service.get(request.id);

    // Assert
    expect(duringLease.status).toBe('executing');
    expect(approvalDuringLease).toBeInstanceOf(ChangeRequestNotPendingError);
    expect((approvalDuringLease as Error).message).toMatch(/is executing/);
    expect(afterLease).toMatchObject({ status: 'executed', execution: { attempts: 2 } });
    expect(world.executor.calls.map((call) => call.id)).toEqual([request.id, request.id]);
    expect(auditActionsOf(world).filter((action) => action === 'change-request.executed')).toHaveLength(1);
    expect(world.logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', event: 'change-request.execution-resumed' }));
  });

  it('gives up after the last attempt and marks the request failed instead of running it forever', async () => {
    // Arrange
    const world = approvalsWorld();
    const request = await aPendingReplace(world);
    await world.service.approve(request.id, alice);
    crashAfterNextExecution(world);
    await expect(world.service.approve(request.id, bob)).rejects.toThrow('process killed');
    for (let attempt = 2; attempt <= MAX_EXECUTION_ATTEMPTS; attempt++) {
      world.clock.advance(LEASE_MS);
      crashAfterNextExecution(world);
      await expect(world.service.get(request.id)).rejects.toThrow('process killed');
    }
    world.clock.advance(LEASE_MS);

    // Act
    const final = await world.service.get(request.id);

    // Assert
    expect(final).toMatchObject({ status: 'failed', statusReason: `the operation did not finish in ${MAX_EXECUTION_ATTEMPTS} attempts` });
    expect(world.executor.calls).toHaveLength(MAX_EXECUTION_ATTEMPTS);
    expect(auditActionsOf(world).at(-1)).toBe('change-request.failed');
  });
});
