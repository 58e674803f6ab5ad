/** The rotation queue in memory: each message is the JSON text the Storage adapter would send, in order. */
import { dueRotationMessage, type DueRotationQueue } from '../../../src/core/rotation/due-queue.js';
import type { DueEntry } from '../../../src/core/ports.js';

export class InMemoryDueQueue implements DueRotationQueue {
  readonly messages: string[] = [];

  async enqueue(entry: DueEntry): Promise<void> {
    this.messages.push(JSON.stringify(dueRotationMessage(entry)));
  }

  /** Takes every message now in the queue, as a worker would. */
  take(): string[] {
    return this.messages.splice(0);
  }
}
