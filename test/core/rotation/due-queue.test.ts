/**
 * The fan-out through the rotation queue, in memory: the scan reads only the schedule index
 * and sends one message per due entry (a policy id and a due time, nothing else); whoever
 * takes a message rotates that policy as the scheduler. Duplicates (in turn or at once),
 * messages redelivered before or after a crashed claimant's lease lapsed, and messages about
 * policies deleted or disabled since all end with at most one new version per due date;
 * drains are checked again through the queue; a message that keeps failing says so loudly
 * on the delivery after which the host gives it up.
 */
import { describe, expect, it } from 'vitest';
import { TransientDependencyError, ValidationError } from '../../../src/core/errors.js';
import type { Logger, LogProperties } from '../../../src/core/logger.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { DueEntry } from '../../../src/core/ports.js';
import { parseDueRotationMessage, ROTATION_QUEUE_MAX_DEQUEUE_COUNT } from '../../../src/core/rotation/due-queue.js';
import { DueRotation } from '../../../src/core/rotation/due-rotation.js';
import { DueScan } from '../../../src/core/rotation/due-scan.js';
import { CrashInjector, SimulatedCrash, type CrashMoment } from '../../support/fakes/crash-injector.js';
import { InMemoryDueQueue } from '../../support/in-memory/in-memory-due-queue.js';
import { aPolicy } from '../../support/policy-mother.js';
import { LEASE_MS, auditActions, createStores, processOver, refOf, scheduleEntries, type Stores } from './engine-fixture.js';
import { DB_LOGIN, GRACE_MS, HTTP, stagedWorld } from './staged-fixture.js';

interface Logged {
  level: 'info' | 'warn' | 'error';
  event: string;
  properties: LogProperties;
}

function recordingLogger(): Logger & { lines: Logged[] } {
  const lines: Logged[] = [];
  const record = (level: Logged['level']) => (event: string, properties: LogProperties = {}) => void lines.push({ level, event, properties });
  return { lines, info: record('info'), warn: record('warn'), error: record('error') };
}

/** A scan that fans out to `queue`, over the stores, counting every read it makes of policies and states. */
function fanOutScan(stores: Stores, queue: InMemoryDueQueue, engine = processOver(stores).engine) {
  const reads = { policies: 0, states: 0 };
  const counted = <T extends object>(target: T, name: keyof typeof reads): T =>
    new Proxy(target, { get: (object, property, receiver) => (reads[name]++, Reflect.get(object, property, receiver)) });
  const scan = new DueScan({ policies: counted(stores.policies, 'policies'), states: counted(stores.states, 'states'), schedule: stores.schedule, engine, clock: stores.clock, logger: silentLogger, queue });
  return { scan, reads };
}

/** Real ports are async: a dead process's call rejects rather than throwing where it is made. */
function rejecting<T extends object>(target: T): T {
  return new Proxy(target, {
    get: (object, property, receiver) => {
      const member = Reflect.get(object, property, receiver) as unknown;
      return typeof member === 'function' ? async (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(object, args) : member;
    },
  });
}

/** An instance taking messages: its engine and every port behind the same crash injector. */
function worker(stores: Stores, injector = new CrashInjector(undefined), logger: Logger = silentLogger) {
  const app = processOver(stores, injector, logger);
  const port = <T extends object>(target: T): T => rejecting(injector.wrap(target));
  const rotation = new DueRotation({ policies: port(stores.policies), states: port(stores.states), schedule: port(stores.schedule), engine: app.engine, logger });
  return { ...app, rotation };
}

async function governed(stores: Stores, ...ids: string[]) {
  const admin = processOver(stores).admin;
  const policies = ids.map((id) => aPolicy({ id, secretName: id }));
  for (const policy of policies) await admin.put(policy.id, policy, 'test');
  return policies;
}

describe('the scan with a rotation queue', () => {
  it('reads only the schedule index and sends one message per due policy: its id and due time, nothing else', async () => {
    // Arrange: three new policies, due at once
    const stores = createStores();
    const queue = new InMemoryDueQueue();
    const policies = await governed(stores, 'alpha', 'bravo', 'charlie');
    const { scan, reads } = fanOutScan(stores, queue);

    // Act
    const report = await scan.run();

    // Assert
    expect(report).toMatchObject({ examined: 3, enqueued: 3, rotated: 0, failed: 0 });
    expect(reads).toEqual({ policies: 0, states: 0 });
    const messages = queue.messages.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(messages.map((m) => Object.keys(m).sort())).toEqual([['dueAt', 'policyId'], ['dueAt', 'policyId'], ['dueAt', 'policyId']]);
    expect(messages.map((m) => m['policyId']).sort()).toEqual(['alpha', 'bravo', 'charlie']);
    for (const policy of policies) expect(stores.secrets.versions(refOf(policy))).toHaveLength(0);
  });

  it('keeps an entry it could not send in the index, so the next scan sends it', async () => {
    // Arrange
    const stores = createStores();
    await governed(stores, 'alpha', 'bravo');
    const queue = new InMemoryDueQueue();
    let refusals = 1;
    const flaky = {
      enqueue: async (entry: DueEntry) => {
        if (entry.policyId === 'bravo' && refusals-- > 0) throw new TransientDependencyError('the queue answered 503');
        return queue.enqueue(entry);
      },
    };
    const engine = processOver(stores).engine;
    const scan = new DueScan({ ...stores, engine, logger: silentLogger, queue: flaky });

    // Act
    const first = await scan.run();
    const second = await scan.run();

    // Assert
    expect(first).toMatchObject({ examined: 2, enqueued: 1, failed: 1 });
    expect(second).toMatchObject({ examined: 2, enqueued: 2, failed: 0 });
    expect(queue.messages.map((text) => parseDueRotationMessage(text).policyId).sort()).toEqual(['alpha', 'alpha', 'bravo']);
  });
});

describe('a message of the rotation queue', () => {
  it('rotates its policy once, as the scheduler', async () => {
    // Arrange
    const stores = createStores();
    const queue = new InMemoryDueQueue();
    const [policy] = await governed(stores, 'alpha');
    await fanOutScan(stores, queue).scan.run();

    // Act
    const [message] = queue.take();
    const result = await worker(stores).rotation.handleMessage(message, { dequeueCount: 1 });

    // Assert
    expect(result).toBe('rotated');
    expect(stores.secrets.versions(refOf(policy!))).toHaveLength(1);
    const page = await stores.audit.listForPolicy('alpha', { pageSize: 10 });
    expect(page.items.find((r) => r.action === 'rotation.succeeded')).toMatchObject({ actor: 'scheduler', trigger: 'timer' });
    expect(await scheduleEntries(stores, 'alpha')).toEqual([(await stores.states.get('alpha'))!.state.nextDueAt]);
  });

  it('changes nothing when a duplicate is taken after the first', async () => {
    // Arrange
    const stores = createStores();
    const queue = new InMemoryDueQueue();
    const [policy] = await governed(stores, 'alpha');
    await fanOutScan(stores, queue).scan.run();
    const [message] = queue.take();

    // Act
    const first = await worker(stores).rotation.handleMessage(message, { dequeueCount: 1 });
    const duplicate = await worker(stores).rotation.handleMessage(message, { dequeueCount: 1 });

    // Assert
    expect([first, duplicate]).toEqual(['rotated', 'stale']);
    expect(stores.secrets.versions(refOf(policy!))).toHaveLength(1);
    expect((await auditActions(stores, 'alpha')).filter((a) => a === 'rotation.succeeded')).toHaveLength(1);
    expect(await scheduleEntries(stores, 'alpha')).toEqual([(await stores.states.get('alpha'))!.state.nextDueAt]);
  });

  it('rotates once when duplicates are taken at the same time by several instances, and leaves one schedule entry', async () => {
    // Arrange: one due policy; the scan ran three times before any message was taken
    const stores = createStores();
    const queue = new InMemoryDueQueue();
    const [policy] = await governed(stores, 'alpha');
    const { scan } = fanOutScan(stores, queue);
    for (let i = 0; i < 3; i++) await scan.run();
    const messages = queue.take();

    // Act: each copy twice, on five instances at once
    const results = await Promise.all([...messages, ...messages].map((message, i) => worker(stores).rotation.handleMessage(message, { dequeueCount: 1 + (i % 2) })));

    // Assert
    expect(messages).toHaveLength(3);
    expect(results.filter((r) => r === 'rotated')).toHaveLength(1);
    expect(results.every((r) => ['rotated', 'in-progress', 'stale'].includes(r))).toBe(true);
    expect(stores.secrets.versions(refOf(policy!))).toHaveLength(1);
    expect(await scheduleEntries(stores, 'alpha')).toEqual([(await stores.states.get('alpha'))!.state.nextDueAt]);
  });

  it('removes its entry and rotates nothing when the policy was deleted or disabled since', async () => {
    // Arrange
    const stores = createStores();
    const queue = new InMemoryDueQueue();
    const [gone, paused] = await governed(stores, 'gone', 'paused');
    await fanOutScan(stores, queue).scan.run();
    await stores.policies.delete('gone');
    const stored = (await stores.policies.get('paused'))!;
    await stores.policies.put({ ...stored.policy, enabled: false }, stored.etag);

    // Act
    const results = await Promise.all(queue.take().map((message) => worker(stores).rotation.handleMessage(message, { dequeueCount: 1 })));

    // Assert
    expect(results).toEqual(['stale', 'stale']);
    expect(stores.secrets.versions(refOf(gone!))).toHaveLength(0);
    expect(stores.secrets.versions(refOf(paused!))).toHaveLength(0);
    expect(await scheduleEntries(stores, 'gone')).toEqual([]);
    expect(await scheduleEntries(stores, 'paused')).toEqual([]);
  });

  it('finishes with one new version whatever port call the instance that took it died at, redelivered before and after the lease lapsed', async () => {
    // Arrange: how many port calls one rotation from a message makes
    const counting = createStores();
    await governed(counting, 'alpha');
    const countQueue = new InMemoryDueQueue();
    await fanOutScan(counting, countQueue).scan.run();
    const counter = new CrashInjector(undefined);
    await worker(counting, counter).rotation.handleMessage(countQueue.take()[0], { dequeueCount: 1 });
    const cases: Array<[number, CrashMoment]> = [];
    for (let call = 0; call < counter.calls; call++) cases.push([call, 'before'], [call, 'after']);
    expect(cases.length).toBeGreaterThan(10);

    for (const [call, moment] of cases) {
      const where = `killed ${moment} port call ${call}`;
      const stores = createStores();
      const [policy] = await governed(stores, 'alpha');
      const queue = new InMemoryDueQueue();
      const { scan } = fanOutScan(stores, queue);
      await scan.run();
      const [message] = queue.take();

      // Act: the instance dies; the host redelivers at once (another instance), then again after the lease; scans go on
      const injector = new CrashInjector(call, moment);
      await worker(stores, injector)
        .rotation.handleMessage(message, { dequeueCount: 1 })
        .catch((error: unknown) => expect(error, where).toBeInstanceOf(SimulatedCrash));
      await worker(stores).rotation.handleMessage(message, { dequeueCount: 2 });
      stores.clock.advance(LEASE_MS + 1);
      await worker(stores).rotation.handleMessage(message, { dequeueCount: 3 });
      await scan.run();
      for (const next of queue.take()) await worker(stores).rotation.handleMessage(next, { dequeueCount: 1 });

      // Assert
      const versions = stores.secrets.versions(refOf(policy!));
      const state = (await stores.states.get('alpha'))!.state;
      expect(versions, where).toHaveLength(1);
      expect(state.active, where).toBeUndefined();
      expect(state.currentVersion, where).toBe(versions[0]!.version);
      expect(await scheduleEntries(stores, 'alpha'), where).toEqual([state.nextDueAt]);
    }
  });

  it('checks a rotation waiting for a drain again when its check is due, and finishes it once the sessions end', async () => {
    // Arrange: a rotation waits for the idle login's sessions to end
    const world = await stagedWorld({ strategy: 'alternating-users' });
    await world.app.engine.rotate('orders-db', HTTP);
    world.stores.clock.advance(GRACE_MS + 1000);
    const straggler = world.server.openSession(DB_LOGIN, '10.0.0.4', 'orders-api');
    const waiting = await world.app.engine.rotate('orders-db', HTTP);
    const queue = new InMemoryDueQueue();
    const scan = new DueScan({ ...world.stores, engine: world.app.engine, logger: silentLogger, queue });
    const rotation = new DueRotation({ ...world.stores, engine: world.app.engine, logger: silentLogger });
    const takeAll = async () => Promise.all(queue.take().map((message) => rotation.handleMessage(message, { dequeueCount: 1 })));

    // Act
    await scan.run();
    const beforeItsCheck = await takeAll();
    world.stores.clock.advance(60_000);
    await scan.run();
    const stillHeld = await takeAll();
    world.server.closeSession(straggler);
    world.stores.clock.advance(60_000);
    await scan.run();
    const drained = await takeAll();

    // Assert
    expect(waiting.status).toBe('waiting-for-drain');
    expect(beforeItsCheck).toEqual([]);
    expect(stillHeld).toEqual(['waiting-for-drain']);
    expect(drained).toEqual(['rotated']);
    const state = (await world.stores.states.get('orders-db'))!.state;
    expect(state.active).toBeUndefined();
    expect(state.lastRotationId).toBe(waiting.rotationId);
  });

  it.each([
    ['text that is not JSON', 'rotate everything'],
    ['an object with a value in it', JSON.stringify({ policyId: 'alpha', dueAt: '2026-11-23T12:00:00.000Z', value: 'hunter2' })],
    ['a policy id that is not one', JSON.stringify({ policyId: '../alpha', dueAt: '2026-11-23T12:00:00.000Z' })],
    ['a due time that is not an instant', { policyId: 'alpha', dueAt: 'tomorrow' }],
  ])('refuses %s on every delivery, and says rotation.poison on the last the host allows', async (_name, message) => {
    // Arrange
    const stores = createStores();
    const logger = recordingLogger();
    const { rotation } = worker(stores, undefined, logger);

    // Act
    const errors: unknown[] = [];
    for (let dequeueCount = 1; dequeueCount <= ROTATION_QUEUE_MAX_DEQUEUE_COUNT; dequeueCount++) {
      errors.push(await rotation.handleMessage(message, { dequeueCount, messageId: 'm-1' }).catch((error: unknown) => error));
    }

    // Assert
    expect(errors.every((error) => error instanceof ValidationError)).toBe(true);
    expect(logger.lines.map((l) => `${l.level} ${l.event}`)).toEqual([...Array(ROTATION_QUEUE_MAX_DEQUEUE_COUNT - 1).fill('warn rotation.dequeue-failed'), 'error rotation.poison']);
    expect(logger.lines.at(-1)!.properties).toMatchObject({ messageId: 'm-1', dequeueCount: ROTATION_QUEUE_MAX_DEQUEUE_COUNT, maxDequeueCount: ROTATION_QUEUE_MAX_DEQUEUE_COUNT });
    expect(JSON.stringify(logger.lines)).not.toContain('hunter2');
  });

  it('says rotation.poison with the policy when storage fails on the last delivery, and rethrows so the host moves it', async () => {
    // Arrange
    const stores = createStores();
    await governed(stores, 'alpha');
    const queue = new InMemoryDueQueue();
    await fanOutScan(stores, queue).scan.run();
    const [message] = queue.take();
    stores.states.get = async () => {
      throw new TransientDependencyError('Table Storage answered 503');
    };
    const logger = recordingLogger();

    // Act
    const error = await worker(stores, undefined, logger).rotation.handleMessage(message, { dequeueCount: ROTATION_QUEUE_MAX_DEQUEUE_COUNT }).catch((thrown: unknown) => thrown);

    // Assert
    expect(error).toBeInstanceOf(TransientDependencyError);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'error', event: 'rotation.poison', properties: expect.objectContaining({ policyId: 'alpha', error: expect.stringContaining('503') }) })]);
  });
});
