/**
 * The rotation queue on Azure Storage: one message per due entry, the JSON the core writes,
 * base64-encoded because that is what the Functions host's queue trigger decodes by default
 * (host.json's messageEncoding). The poison queue is the host's (`<queue>-poison`); the app
 * only counts it, for GET /api/health.
 */
import type { QueueClient } from '@azure/storage-queue';
import { TransientDependencyError } from '../../core/errors.js';
import type { DueEntry } from '../../core/ports.js';
import { dueRotationMessage, poisonQueueName, type DueRotationQueue } from '../../core/rotation/due-queue.js';
import type { AzureClientFactory } from '../azure-clients.js';

function statusOf(error: unknown): number | undefined {
  // Duck-typed, as in the Table adapters: copies of @azure/core-rest-pipeline may coexist.
  return error instanceof Error && error.name === 'RestError' ? (error as { statusCode?: number }).statusCode : undefined;
}

/** Storage errors carry the request; what is kept is the operation and the status. */
function unavailable(operation: string, error: unknown): TransientDependencyError {
  const status = statusOf(error);
  return new TransientDependencyError(`Queue Storage: ${operation} failed${status ? ` (${status})` : error instanceof Error ? ` (${error.message})` : ''}`);
}

export class StorageDueRotationQueue implements DueRotationQueue {
  readonly #queue: QueueClient;
  readonly #poison: QueueClient;

  constructor(clients: Pick<AzureClientFactory, 'queueClient'>, readonly queueName: string) {
    this.#queue = clients.queueClient(queueName);
    this.#poison = clients.queueClient(poisonQueueName(queueName));
  }

  /** Both queues, so the host's first poison message and the health check find theirs (Bicep creates them in Azure). */
  async ensureQueues(): Promise<void> {
    try {
      await Promise.all([this.#queue.createIfNotExists(), this.#poison.createIfNotExists()]);
    } catch (error) {
      throw unavailable(`creating queue '${this.queueName}'`, error);
    }
  }

  async enqueue(entry: DueEntry): Promise<void> {
    const text = JSON.stringify(dueRotationMessage(entry));
    try {
      await this.#queue.sendMessage(Buffer.from(text, 'utf8').toString('base64'));
    } catch (error) {
      throw unavailable(`sending policy '${entry.policyId}' to '${this.queueName}'`, error);
    }
  }

  /** Messages the host gave up on (approximate, as Storage counts them). */
  async poisonCount(): Promise<number> {
    return approximateCount(this.#poison, poisonQueueName(this.queueName));
  }

  /** Both queues' approximate message counts, for the queue depth metric. */
  async depth(): Promise<RotationQueueDepth> {
    const [queued, poison] = await Promise.all([approximateCount(this.#queue, this.queueName), this.poisonCount()]);
    return { queued, poison };
  }
}

export interface RotationQueueDepth {
  /** Due rotations waiting in the rotation queue, in flight ones included. */
  queued: number;
  /** Messages the host gave up on. */
  poison: number;
}

async function approximateCount(queue: QueueClient, name: string): Promise<number> {
  try {
    return (await queue.getProperties()).approximateMessagesCount ?? 0;
  } catch (error) {
    if (statusOf(error) === 404) return 0;
    throw unavailable(`reading '${name}'`, error);
  }
}
