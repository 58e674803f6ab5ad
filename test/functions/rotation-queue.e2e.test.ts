/**
 * The fan-out end to end on the local host, through the real @azure/storage-queue client on
 * Azurite: the timer sends each due policy to the rotation queue and the host's queue poller
 * runs rotateDuePolicy for each, which rotates it as the scheduler. Duplicate messages change
 * nothing. A message that fails five times (Table Storage refusing that policy's rows, or junk)
 * lands in rotation-due-poison, is logged as rotation.poison and counted by GET /api/health,
 * and the policy is rotated by a later scan once the fault clears.
 */
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureConsole, startAppStack, type AppStack, type ConsoleCapture } from '../support/app-stack.js';
import { aPolicyJson } from '../support/policy-mother.js';

let stack: AppStack;
let output: ConsoleCapture;
let queue: QueueClient;
let poison: QueueClient;

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The app's JSON log lines with this event. */
function logged(event: string): Record<string, unknown>[] {
  return output.lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
      return entry['event'] === event ? [entry] : [];
    } catch {
      return [];
    }
  });
}

async function governed(id: string): Promise<void> {
  const answer = await stack.call({ method: 'PUT', path: `/policies/${id}`, body: JSON.stringify(aPolicyJson({ id, vaultUrl: stack.vaultUrl(), secretName: id })) });
  expect(answer.status).toBe(201);
}

async function versionsOf(id: string): Promise<string[]> {
  const versions: string[] = [];
  for await (const properties of stack.secrets(stack.vaultUrl()).listPropertiesOfSecretVersions(id)) versions.push(properties.tags?.['rotation-id'] ?? 'untagged');
  return versions;
}

async function history(id: string): Promise<Array<Record<string, unknown>>> {
  return (await stack.call({ method: 'GET', path: `/policies/${id}/rotations` })).json.items;
}

async function poisonMessages(): Promise<number> {
  return (await stack.call({ method: 'GET', path: '/health' })).json.poisonMessages;
}

beforeAll(async () => {
  output = captureConsole();
  // A failed message comes back at once instead of after host.json's 30 s, so five deliveries take moments.
  stack = await startAppStack({ queuePolling: { visibilityTimeoutInMs: 0 } });
  queue = new QueueClient(stack.tables.connectionString, 'rotation-due');
  poison = new QueueClient(stack.tables.connectionString, 'rotation-due-poison');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  output?.restore();
});

describe('the rotation queue on the local host', () => {
  it('carries each due policy from the timer to a rotation by the scheduler', async () => {
    // Arrange: three new policies, due at once (their secrets do not exist yet)
    for (const id of ['fan-a', 'fan-b', 'fan-c']) await governed(id);

    // Act: the timer fires; the host's poller takes the messages
    await stack.host.invoke('scanDuePolicies');
    await stack.host.queuesIdle();

    // Assert
    expect(logged('scan.finished').at(-1)).toMatchObject({ examined: 3, enqueued: 3, failed: 0 });
    for (const id of ['fan-a', 'fan-b', 'fan-c']) {
      expect(await versionsOf(id)).toHaveLength(1);
      expect((await history(id))[0]).toMatchObject({ action: 'rotation.succeeded', trigger: 'timer', actor: 'scheduler' });
    }
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
    expect(await poisonMessages()).toBe(0);
  });

  it('rotates once however many copies of a message arrive, in turn or at once', async () => {
    // Arrange: the policy's due entry, as the scan would send it, six times, and the scan's own copy
    await governed('fan-dup');
    const { nextDueAt } = (await stack.call({ method: 'GET', path: '/policies/fan-dup' })).json.state;
    const message = base64(JSON.stringify({ policyId: 'fan-dup', dueAt: nextDueAt }));

    // Act
    await Promise.all(Array.from({ length: 6 }, () => queue.sendMessage(message)));
    await stack.host.invoke('scanDuePolicies');
    await stack.host.queuesIdle();
    await Promise.all(Array.from({ length: 3 }, () => queue.sendMessage(message)));
    await stack.host.queuesIdle();

    // Assert
    const versions = await versionsOf('fan-dup');
    expect(versions).toHaveLength(1);
    const records = await history('fan-dup');
    expect(records.filter((r) => r['action'] === 'rotation.succeeded')).toEqual([expect.objectContaining({ rotationId: versions[0] })]);
    expect(await poisonMessages()).toBe(0);
  });

  it('moves a message that fails five times to the poison queue, says rotation.poison, counts it in health, and a later scan rotates the policy', async () => {
    // Arrange: Table Storage refuses every read of this policy's rows (a 403 no SDK retries)
    await governed('fan-poison');
    const poisonedBefore = await poisonMessages();
    stack.tables.addRule({ pathPattern: 'fan-poison', status: 403 });

    // Act
    await stack.host.invoke('scanDuePolicies');
    await stack.host.queuesIdle();
    stack.tables.clearRules();

    // Assert: five deliveries, the last one said so, and the host moved it
    const failures = [...logged('rotation.dequeue-failed'), ...logged('rotation.poison')].filter((e) => e['policyId'] === 'fan-poison');
    expect(failures.map((e) => e['dequeueCount'])).toEqual([1, 2, 3, 4, 5]);
    expect(logged('rotation.poison').filter((e) => e['policyId'] === 'fan-poison')).toEqual([expect.objectContaining({ level: 'error', maxDequeueCount: 5 })]);
    expect((await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) => Buffer.from(m.messageText, 'base64').toString('utf8'))).toContainEqual(expect.stringContaining('"policyId":"fan-poison"'));
    expect(await poisonMessages()).toBe(poisonedBefore + 1);
    expect(await versionsOf('fan-poison')).toHaveLength(0);

    // ...and nothing is lost: the entry is still due, so the next scan rotates it
    await stack.scan();
    expect(await versionsOf('fan-poison')).toHaveLength(1);
  });

  it('sends a message that is not one of ours to the poison queue without rotating anything', async () => {
    // Arrange
    const poisonedBefore = await poisonMessages();
    const junk = base64(JSON.stringify({ policyId: 'Not An Id', dueAt: 'now', value: 'hunter2' }));

    // Act
    await queue.sendMessage(junk);
    await stack.host.queuesIdle();

    // Assert
    expect(await poisonMessages()).toBe(poisonedBefore + 1);
    expect((await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) => m.messageText)).toContain(junk);
    expect(output.lines.join('\n')).not.toContain('hunter2');
  });
});
