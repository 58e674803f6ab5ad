/**
 * The local host polls a queue trigger's Storage queue on Azurite as the Functions host does:
 * base64 messages decoded and delivered with their trigger metadata, deleted on success; a
 * failing message redelivered until its fifth dequeue, then moved to `<queue>-poison` as it
 * was written; a message already past that count moved without running; at most batchSize +
 * newBatchThreshold at once; a message kept invisible while its function runs; an empty queue
 * polled with the host's randomized exponential backoff. And host.json sets those options.
 */
import { fileURLToPath } from 'node:url';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ROTATION_QUEUE_MAX_DEQUEUE_COUNT } from '../../../src/core/rotation/due-queue.js';
import { startFunctionsHost, type RunningFunctionsHost } from '../../../src/local/functions-host/index.js';
import { DEFAULT_QUEUE_POLLING, PollingBackoff, parseTimeSpan, queuePollingFromHostJson } from '../../../src/local/functions-host/queues.js';
import { uniqueName } from '../../support/local-stand-ins.js';
import { captureLogs, type CapturedLogs } from './capture-logger.js';
import { queueFixtureState } from './fixtures/queue-fixture-state.js';

const queueApp = fileURLToPath(new URL('./fixtures/queue-app.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('local functions host: queue triggers on Azurite', () => {
  const queueName = uniqueName('fixture-q-');
  const connectionString = inject('azuriteConnectionString');
  const queue = new QueueClient(connectionString, queueName);
  const poison = new QueueClient(connectionString, `${queueName}-poison`);
  const state = queueFixtureState();
  let host: RunningFunctionsHost;
  let logs: CapturedLogs;

  const deliveriesOf = (tag: string) => state.deliveries.filter((d) => (d.message as { tag?: string } | undefined)?.tag === tag);
  const poisoned = async (): Promise<string[]> => (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) => m.messageText);

  beforeAll(async () => {
    await queue.create();
    logs = captureLogs();
    host = await startFunctionsHost({
      modules: [queueApp],
      port: 0,
      logger: logs.logger,
      runTimers: false,
      env: { FixtureStorage: connectionString, QUEUE_FIXTURE_NAME: queueName },
      appDirectory: repoRoot,
      // Failed messages come back at once here (host.json waits 30 s), and a run is kept invisible for 2 s at a time.
      queuePolling: { visibilityTimeoutInMs: 0, processingVisibilityInMs: 2_000 },
    });
  });

  afterAll(async () => {
    await host?.stop();
    await Promise.all([queue.deleteIfExists(), poison.deleteIfExists()]);
  });

  it('lists the queue it polls, with %SETTING% resolved', () => {
    expect(host.functions.find((f) => f.name === 'takeItem')).toMatchObject({ trigger: 'queueTrigger', queueName });
  });

  it('delivers a base64 message once, decoded, with its id and dequeue count, and deletes it', async () => {
    // Arrange
    const sent = await queue.sendMessage(base64(JSON.stringify({ tag: 'once', policyId: 'p1' })));

    // Act
    await host.queuesIdle(20_000);

    // Assert
    expect(deliveriesOf('once')).toEqual([{ message: { tag: 'once', policyId: 'p1' }, dequeueCount: 1, id: sent.messageId }]);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('redelivers a failing message until its fifth dequeue, then moves it, as written, to the poison queue', async () => {
    // Arrange
    const text = base64(JSON.stringify({ tag: 'failing', fail: true }));
    await queue.sendMessage(text);

    // Act
    await host.queuesIdle(30_000);

    // Assert
    expect(deliveriesOf('failing').map((d) => d.dequeueCount)).toEqual([1, 2, 3, 4, 5]);
    expect(await poisoned()).toContain(text);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
    expect(logs.entries.some((e) => e.message === `Message has reached MaxDequeueCount of 5. Moving message to queue '${queueName}-poison'.`)).toBe(true);
  });

  it('fails a message that is not base64 like the host binding does, up to the poison queue', async () => {
    // Act
    await queue.sendMessage('{"tag":"plain"}');
    await host.queuesIdle(30_000);

    // Assert
    expect(deliveriesOf('plain')).toEqual([]);
    expect(await poisoned()).toContain('{"tag":"plain"}');
  });

  it('moves a message already dequeued five times (its instances died) to the poison queue without running it', async () => {
    // Arrange: on a queue no host polls yet, a consumer takes a message five times and never completes it
    const otherName = uniqueName('fixture-orphans-');
    const other = new QueueClient(connectionString, otherName);
    const otherPoison = new QueueClient(connectionString, `${otherName}-poison`);
    await other.create();
    const text = base64(JSON.stringify({ tag: 'orphan' }));
    await other.sendMessage(text);
    for (let i = 0; i < 5; i++) {
      const [taken] = (await other.receiveMessages({ visibilityTimeout: 30 })).receivedMessageItems;
      await other.updateMessage(taken!.messageId, taken!.popReceipt, undefined, 0);
    }

    // Act: a host starts polling it
    const second = await startFunctionsHost({ modules: [queueApp], port: 0, logger: captureLogs().logger, runTimers: false, env: { FixtureStorage: connectionString, QUEUE_FIXTURE_NAME: otherName }, appDirectory: repoRoot });
    try {
      await second.queuesIdle(30_000);
    } finally {
      await second.stop();
    }

    // Assert
    expect(deliveriesOf('orphan')).toEqual([]);
    expect((await otherPoison.peekMessages()).peekedMessageItems.map((m) => m.messageText)).toEqual([text]);
    await Promise.all([other.deleteIfExists(), otherPoison.deleteIfExists()]);
  });

  it('runs at most batchSize + newBatchThreshold messages at once, and all of them', async () => {
    // Arrange
    state.mostRunning = 0;
    const { batchSize, newBatchThreshold } = queuePollingFromHostJson(repoRoot);
    await Promise.all(Array.from({ length: 100 }, (_, i) => queue.sendMessage(base64(JSON.stringify({ tag: 'batch', i, holdInMs: 100 })))));

    // Act
    await host.queuesIdle(60_000);

    // Assert
    expect(new Set(deliveriesOf('batch').map((d) => (d.message as { i: number }).i)).size).toBe(100);
    expect(state.mostRunning).toBeGreaterThan(1);
    expect(state.mostRunning).toBeLessThanOrEqual(batchSize + newBatchThreshold);
  });

  it('keeps a message invisible while its function runs longer than the visibility window', async () => {
    // Act: the function holds it for 3.5 s; it was taken for 2 s at a time
    await queue.sendMessage(base64(JSON.stringify({ tag: 'slow', holdInMs: 3_500 })));
    await host.queuesIdle(30_000);

    // Assert
    expect(deliveriesOf('slow').map((d) => d.dequeueCount)).toEqual([1]);
  });
});

describe('queue polling options', () => {
  it("are host.json's, set deliberately, and give up after the dequeue count the app logs rotation.poison at", () => {
    // Act
    const polling = queuePollingFromHostJson(repoRoot);

    // Assert
    expect(polling).toEqual({ ...DEFAULT_QUEUE_POLLING, batchSize: 32, newBatchThreshold: 16, maxDequeueCount: 5, visibilityTimeoutInMs: 30_000, maxPollingIntervalInMs: 2_000, messageEncoding: 'base64' });
    expect(polling.maxDequeueCount).toBe(ROTATION_QUEUE_MAX_DEQUEUE_COUNT);
  });

  it.each([
    ['00:00:30', 30_000],
    ['00:01:00', 60_000],
    ['1.02:00:00', 26 * 3_600_000],
    ['00:00:00.250', 250],
    [2000, 2000],
  ] as const)('reads the time span %j as %d ms', (text, ms) => {
    expect(parseTimeSpan(text, 'visibilityTimeout')).toBe(ms);
  });

  it('backs off an empty queue exponentially from 100 ms up to the maximum, and returns to 100 ms once a message is found', () => {
    // Arrange
    const backoff = new PollingBackoff(2_000);

    // Act
    const empty = Array.from({ length: 12 }, () => backoff.next(false));
    const afterFound = backoff.next(true);

    // Assert
    expect(empty[0]).toBe(100);
    for (let i = 1; i < empty.length; i++) expect(empty[i]!).toBeGreaterThanOrEqual(empty[i - 1]!);
    expect(empty.at(-1)).toBe(2_000);
    expect(Math.max(...empty)).toBe(2_000);
    expect(afterFound).toBe(100);
  });
});
