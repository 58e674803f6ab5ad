/**
 * Runs the rotation queue's messages in this process, as rotateDuePolicy does on a host: for
 * benches that compose the app without one. Takes up to 32 messages at a time, `concurrency`
 * at once, until the queue is empty; counts what each came to.
 */
import type { AppServices } from '../src/composition.js';
import type { DueRotationResult } from '../src/core/rotation/due-rotation.js';

export type DrainCounts = Record<DueRotationResult | 'threw', number>;

export async function drainRotationQueue(services: AppServices, concurrency = 16): Promise<DrainCounts> {
  const counts: DrainCounts = { rotated: 0, skipped: 0, 'in-progress': 0, 'waiting-for-drain': 0, failed: 0, stale: 0, threw: 0 };
  const queue = services.clients.queueClient(services.config.rotationQueueName);
  for (;;) {
    const { receivedMessageItems: batch } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
    if (batch.length === 0) return counts;
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, batch.length) }, async () => {
        while (next < batch.length) {
          const message = batch[next++]!;
          try {
            const result = await services.dueRotations.handleMessage(Buffer.from(message.messageText, 'base64').toString('utf8'), { dequeueCount: message.dequeueCount, messageId: message.messageId });
            counts[result]++;
          } catch {
            counts.threw++;
          }
          await queue.deleteMessage(message.messageId, message.popReceipt);
        }
      }),
    );
  }
}
