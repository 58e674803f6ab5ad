/**
 * The scan's batching (a bounded number of policies at once, the last partial batch
 * included), its per-policy isolation (one policy throwing stops no other), and the
 * report it gives of what it found.
 */
import { describe, expect, it } from 'vitest';
import type { LogProperties, Logger } from '../../../src/core/logger.js';
import { silentLogger } from '../../../src/core/logger.js';
import { DueScan } from '../../../src/core/rotation/due-scan.js';
import type { RotationTrigger } from '../../../src/core/ports.js';
import { aPolicy } from '../../support/policy-mother.js';
import { LEASE_MS, createStores, processOver, refOf, scheduleEntries } from './engine-fixture.js';
import { PortGate } from './port-gate.js';

type Stores = ReturnType<typeof createStores>;
const http: RotationTrigger = { kind: 'http', actor: 'admin@example.com', reason: 'rotate now' };

async function policies(stores: Stores, count: number) {
  const app = processOver(stores);
  const created = Array.from({ length: count }, (_, i) => aPolicy({ id: `policy-${i}`, secretName: `secret-${i}` }));
  for (const policy of created) await app.admin.put(policy.id, policy, 'test');
  return created;
}

function scanOver(stores: Stores, options: { concurrency?: number; logger?: Logger } = {}): DueScan {
  const logger = options.logger ?? silentLogger;
  const { engine } = processOver(stores, undefined, logger);
  return new DueScan({ ...stores, engine, clock: stores.clock, logger, ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}) });
}

/** Counts how many policies are being looked up in Key Vault at the same time. */
function measureConcurrency(stores: Stores): { max: () => number } {
  const getLatest = stores.secrets.getLatest.bind(stores.secrets);
  let inFlight = 0;
  let max = 0;
  stores.secrets.getLatest = async (ref) => {
    inFlight++;
    max = Math.max(max, inFlight);
    try {
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      return await getLatest(ref);
    } finally {
      inFlight--;
    }
  };
  return { max: () => max };
}

function capture(): { logger: Logger; lines: Array<{ level: string; message: string; properties?: LogProperties }> } {
  const lines: Array<{ level: string; message: string; properties?: LogProperties }> = [];
  const log = (level: string) => (message: string, properties?: LogProperties) => lines.push({ level, message, ...(properties ? { properties } : {}) });
  return { logger: { info: log('info'), warn: log('warn'), error: log('error') }, lines };
}

describe('DueScan batching', () => {
  it.each([
    { concurrency: 1, due: 3 },
    { concurrency: 2, due: 5 },
    { concurrency: 3, due: 7 },
  ])('handles at most $concurrency policies at once and all $due of them', async ({ concurrency, due }) => {
    // Arrange
    const stores = createStores();
    const created = await policies(stores, due);
    const measured = measureConcurrency(stores);

    // Act
    const report = await scanOver(stores, { concurrency }).run();

    // Assert
    expect(report).toMatchObject({ examined: due, rotated: due, failed: 0 });
    expect(measured.max()).toBe(concurrency);
    for (const policy of created) expect(stores.secrets.versions(refOf(policy))).toHaveLength(1);
  });

  it('handles a few policies at a time by default, not every due policy at once', async () => {
    const stores = createStores();
    await policies(stores, 10);
    const measured = measureConcurrency(stores);
    const report = await scanOver(stores).run();
    expect(report).toMatchObject({ examined: 10, rotated: 10 });
    expect(measured.max()).toBe(4);
  });
});

describe('DueScan isolation and report', () => {
  it('goes on with the other policies when one throws, and logs which one failed', async () => {
    // Arrange: reading one secret fails with an error the engine does not handle
    const stores = createStores();
    const created = await policies(stores, 5);
    const getLatest = stores.secrets.getLatest.bind(stores.secrets);
    stores.secrets.getLatest = async (ref) => {
      if (ref.secretName === 'secret-2') throw new Error('socket hang up');
      return getLatest(ref);
    };
    const { logger, lines } = capture();

    // Act
    const report = await scanOver(stores, { concurrency: 2, logger }).run();

    // Assert
    expect(report).toEqual({ examined: 5, enqueued: 0, rotated: 4, skipped: 0, inProgress: 0, waitingForDrain: 0, failed: 1, staleEntriesRemoved: 0 });
    expect(created.filter((policy) => stores.secrets.versions(refOf(policy)).length === 1).map((p) => p.id)).toEqual([
      'policy-0',
      'policy-1',
      'policy-3',
      'policy-4',
    ]);
    expect(lines).toContainEqual({ level: 'error', message: 'scan.policy-failed', properties: expect.objectContaining({ policyId: 'policy-2', error: 'Error: socket hang up' }) });
    expect(lines.at(-1)).toEqual({ level: 'info', message: 'scan.finished', properties: expect.objectContaining({ ...report }) });
    // It stays due, so the next scan tries it again.
    expect(await scanOver(stores).run()).toMatchObject({ examined: 1, failed: 1 });
  });

  it('counts what it rotated, skipped, found in progress and removed as stale', async () => {
    // Arrange
    const stores = createStores();
    const [rotates, skips, busy, stale] = await policies(stores, 4);
    // Skipped: a version written out of band since the policy was scheduled, so it is not due.
    await processOver(stores).engine.rotate(skips!.id, http);
    const skipState = (await stores.states.get(skips!.id))!;
    await stores.schedule.add({ policyId: skips!.id, dueAt: stores.clock.now() });
    await stores.states.save({ ...skipState.state, nextDueAt: stores.clock.now() }, skipState.etag);
    // In progress: another instance holds it.
    const gate = new PortGate('write', 'before');
    const held = processOver(stores, gate).engine.rotate(busy!.id, http);
    await gate.reached;
    await stores.schedule.add({ policyId: busy!.id, dueAt: stores.clock.now() });
    // Stale: an entry that is not the policy's due time.
    await stores.schedule.add({ policyId: stale!.id, dueAt: new Date(stores.clock.now().getTime() - 60_000) });

    // Act
    const report = await scanOver(stores).run();
    gate.release();
    await held;

    // Assert
    expect(report).toEqual({ examined: 5, enqueued: 0, rotated: 2, skipped: 1, inProgress: 1, waitingForDrain: 0, failed: 0, staleEntriesRemoved: 1 });
    expect(stores.secrets.versions(refOf(rotates!))).toHaveLength(1);
    expect(stores.secrets.versions(refOf(skips!))).toHaveLength(1);
    expect(stores.secrets.versions(refOf(stale!))).toHaveLength(1);
  });

  it('removes an entry that is not the policy’s due time without rotating, and keeps the one that is', async () => {
    // Arrange
    const stores = createStores();
    const [policy] = await policies(stores, 1);
    await processOver(stores).engine.rotate(policy!.id, http);
    const state = (await stores.states.get(policy!.id))!.state;
    const strayDue = new Date(stores.clock.now().getTime() - 1);
    await stores.schedule.add({ policyId: policy!.id, dueAt: strayDue });

    // Act
    const report = await scanOver(stores).run();

    // Assert
    expect(report).toMatchObject({ examined: 1, rotated: 0, staleEntriesRemoved: 1 });
    expect(await scheduleEntries(stores, policy!.id)).toEqual([state.nextDueAt]);
    expect(stores.secrets.versions(refOf(policy!))).toHaveLength(1);
  });

  it.each([
    { what: 'whose state row is gone', breakState: async (stores: Stores, policyId: string) => stores.states.delete(policyId) },
    {
      what: 'parked, with no due date',
      breakState: async (stores: Stores, policyId: string) => {
        const current = (await stores.states.get(policyId))!;
        const { nextDueAt: _dropped, ...parked } = current.state;
        await stores.states.save({ ...parked, consecutiveFailures: 99, lastResult: 'failed' }, current.etag);
      },
    },
  ])('removes the entry of a policy $what as stale, and fails nothing', async ({ breakState }) => {
    // Arrange
    const stores = createStores();
    const [policy] = await policies(stores, 1);
    await breakState(stores, policy!.id);

    // Act
    const report = await scanOver(stores).run();

    // Assert
    expect(report).toMatchObject({ examined: 1, staleEntriesRemoved: 1, failed: 0, rotated: 0 });
    expect(await scheduleEntries(stores, policy!.id)).toEqual([]);
    expect(stores.secrets.versions(refOf(policy!))).toEqual([]);
  });

  it('finishes a rotation interrupted before its policy was disabled, whatever its entry says', async () => {
    // Arrange: a rotation stalls after its claim, its lease lapses, and the policy is disabled meanwhile
    const stores = createStores();
    const [policy] = await policies(stores, 1);
    const gate = new PortGate('write', 'before');
    void processOver(stores, gate).engine.rotate(policy!.id, http);
    await gate.reached;
    const stored = (await stores.policies.get(policy!.id))!;
    await stores.policies.put({ ...stored.policy, enabled: false }, stored.etag);
    stores.clock.advance(LEASE_MS + 1);
    // An older entry than the lease's: current only because a rotation is active.
    await stores.schedule.add({ policyId: policy!.id, dueAt: new Date(stores.clock.now().getTime() - 2 * LEASE_MS) });

    // Act
    const report = await scanOver(stores).run();

    // Assert
    expect(report.rotated).toBe(1);
    expect(stores.secrets.versions(refOf(policy!))).toHaveLength(1);
    const state = (await stores.states.get(policy!.id))!.state;
    expect(state.active).toBeUndefined();
    expect(state.lastResult).toBe('succeeded');
  });
});
