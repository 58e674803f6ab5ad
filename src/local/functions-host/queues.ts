/**
 * Polls a Storage queue for a queue-triggered function the way the Functions host's queue
 * listener does (Microsoft.Azure.WebJobs.Extensions.Storage.Queues 5.x, QueueListener and
 * QueueProcessor), against Azurite:
 *
 * - it takes up to `batchSize` messages at a time, each invisible for 10 minutes and kept
 *   invisible (renewed at half that) while its function runs, and takes the next batch as
 *   soon as no more than `newBatchThreshold` are still running;
 * - an empty queue is polled again after a randomized exponential backoff, from 100 ms up to
 *   `maxPollingInterval`, back to 100 ms once a message is found;
 * - a message's text is base64-decoded (`messageEncoding`, base64 by default) and handed over
 *   with the host's trigger metadata (Id, DequeueCount, InsertionTime, ...);
 * - a message that succeeded is deleted; one that failed is made visible again after
 *   `visibilityTimeout` (default 0), until it has been dequeued `maxDequeueCount` times (default
 *   5): then it is copied to `<queue>-poison` and deleted. A message found already past that
 *   count (its instance died) goes to the poison queue without running.
 *
 * Options come from host.json's `extensions.queues`, as the real host reads them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueClient, type DequeuedMessageItem } from '@azure/storage-queue';
import type { Logger } from '../../core/logger.js';
import type { RpcTypedData } from './core-types.js';
import { InvocationFailedError } from './invoker.js';

export interface QueuePollingOptions {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  /** How long a failed message stays invisible before it is retried. */
  visibilityTimeoutInMs: number;
  maxPollingIntervalInMs: number;
  messageEncoding: 'base64' | 'none';
  /** How long a taken message stays invisible while its function runs (renewed at half). The host's is 10 minutes. */
  processingVisibilityInMs: number;
}

const MINIMUM_POLLING_INTERVAL_MS = 100;
const RANDOMIZATION_FACTOR = 0.2;

export const DEFAULT_QUEUE_POLLING: QueuePollingOptions = {
  batchSize: 16,
  newBatchThreshold: 8,
  maxDequeueCount: 5,
  visibilityTimeoutInMs: 0,
  maxPollingIntervalInMs: 60_000,
  messageEncoding: 'base64',
  processingVisibilityInMs: 10 * 60_000,
};

/** A .NET TimeSpan as host.json writes it ("[d.]hh:mm:ss[.fff]"), or milliseconds as a number. */
export function parseTimeSpan(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const match = typeof value === 'string' ? /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value.trim()) : null;
  if (!match) throw new Error(`host.json extensions.queues.${name}: '${String(value)}' is not a time span like 00:00:30`);
  const [, days, hours, minutes, seconds, fraction] = match;
  return ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000 + Math.round(Number(`0.${fraction ?? '0'}`) * 1000);
}

/** host.json's extensions.queues over the host's defaults; newBatchThreshold defaults to half the batch. */
export function queuePollingFromHostJson(appDirectory: string): QueuePollingOptions {
  let hostJson: unknown;
  try {
    hostJson = JSON.parse(readFileSync(join(appDirectory, 'host.json'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_QUEUE_POLLING };
    throw new Error(`host.json in ${appDirectory} cannot be read: ${(error as Error).message}`);
  }
  const queues = ((hostJson as { extensions?: { queues?: Record<string, unknown> } })?.extensions?.queues ?? {}) as Record<string, unknown>;
  const integer = (name: string, min: number, max: number): number | undefined => {
    const value = queues[name];
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw new Error(`host.json extensions.queues.${name} must be a whole number from ${min} to ${max}`);
    return value as number;
  };
  const batchSize = integer('batchSize', 1, 32) ?? DEFAULT_QUEUE_POLLING.batchSize;
  const encoding = queues['messageEncoding'];
  if (encoding !== undefined && encoding !== 'base64' && encoding !== 'none') throw new Error("host.json extensions.queues.messageEncoding must be 'base64' or 'none'");
  return {
    ...DEFAULT_QUEUE_POLLING,
    batchSize,
    newBatchThreshold: integer('newBatchThreshold', 0, 10_000) ?? Math.floor(batchSize / 2),
    maxDequeueCount: integer('maxDequeueCount', 1, 10_000) ?? DEFAULT_QUEUE_POLLING.maxDequeueCount,
    ...(queues['visibilityTimeout'] !== undefined ? { visibilityTimeoutInMs: parseTimeSpan(queues['visibilityTimeout'], 'visibilityTimeout') } : {}),
    ...(queues['maxPollingInterval'] !== undefined ? { maxPollingIntervalInMs: Math.max(MINIMUM_POLLING_INTERVAL_MS, parseTimeSpan(queues['maxPollingInterval'], 'maxPollingInterval')) } : {}),
    ...(encoding ? { messageEncoding: encoding } : {}),
  };
}

/** The host's RandomizedExponentialBackoffStrategy, with its minimum as the step. */
export class PollingBackoff {
  #current = MINIMUM_POLLING_INTERVAL_MS;
  #exponent = 0;

  constructor(private readonly maximumInMs: number) {}

  next(foundMessages: boolean): number {
    if (foundMessages) {
      this.#current = MINIMUM_POLLING_INTERVAL_MS;
      this.#exponent = 1;
    } else if (this.#current !== this.maximumInMs) {
      let interval = MINIMUM_POLLING_INTERVAL_MS;
      if (this.#exponent > 0) {
        const random = 1 - RANDOMIZATION_FACTOR + Math.random() * 2 * RANDOMIZATION_FACTOR;
        interval += random * 2 ** (this.#exponent - 1) * MINIMUM_POLLING_INTERVAL_MS;
      }
      if (interval < this.maximumInMs) {
        this.#current = interval;
        this.#exponent++;
      } else {
        this.#current = this.maximumInMs;
      }
    }
    return this.#current;
  }
}

export interface QueueInvocation {
  /** The message as the worker receives it. */
  data: RpcTypedData;
  triggerMetadata: Record<string, RpcTypedData>;
}

export interface QueueListenerOptions {
  functionName: string;
  queue: QueueClient;
  poisonQueue: QueueClient;
  polling: QueuePollingOptions;
  /** Runs the function; rejects when it failed. */
  invoke(invocation: QueueInvocation): Promise<unknown>;
  logger: Logger;
}

/** The queue client for a trigger's `connection` setting: a connection string (Azurite) only. */
export function queueClientsFor(connectionSetting: string, queueName: string, settings: Record<string, string | undefined>): { queue: QueueClient; poisonQueue: QueueClient } {
  const connectionString = settings[connectionSetting];
  if (!connectionString) {
    const identityBased = Object.keys(settings).some((name) => name.startsWith(`${connectionSetting}__`) && settings[name]);
    throw new Error(
      identityBased
        ? `queue trigger connection '${connectionSetting}' is identity-based; the local host polls queues through a connection string (Azurite) only`
        : `queue trigger connection '${connectionSetting}' is not set`,
    );
  }
  return { queue: new QueueClient(connectionString, queueName), poisonQueue: new QueueClient(connectionString, `${queueName}-poison`) };
}

export class QueueListener {
  readonly #options: QueueListenerOptions;
  readonly #backoff: PollingBackoff;
  readonly #processing = new Set<Promise<void>>();
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #queueExists = false;

  constructor(options: QueueListenerOptions) {
    this.#options = options;
    this.#backoff = new PollingBackoff(options.polling.maxPollingIntervalInMs);
  }

  get queueName(): string {
    return this.#options.queue.name;
  }

  start(): void {
    this.#running ??= this.#poll();
  }

  /** Ends a backoff wait now, as the host does when a function of its own adds a message. */
  notify(): void {
    this.#wake?.();
  }

  /** Stops taking messages and waits for those being processed. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.notify();
    await this.#running;
    await Promise.all([...this.#processing]);
  }

  /** Nothing is being processed and the queue holds no message, visible or not. */
  async isIdle(): Promise<boolean> {
    if (this.#processing.size > 0) return false;
    try {
      return ((await this.#options.queue.getProperties()).approximateMessagesCount ?? 0) === 0 && this.#processing.size === 0;
    } catch {
      return false;
    }
  }

  async #poll(): Promise<void> {
    const { polling, logger, functionName } = this.#options;
    let foundSinceLastDelay = false;
    while (!this.#stopping) {
      let batch: DequeuedMessageItem[] = [];
      try {
        if (!this.#queueExists) this.#queueExists = await this.#options.queue.exists();
        if (this.#queueExists) {
          const received = await this.#options.queue.receiveMessages({ numberOfMessages: polling.batchSize, visibilityTimeout: Math.ceil(polling.processingVisibilityInMs / 1000) });
          batch = received.receivedMessageItems;
        }
      } catch (error) {
        this.#queueExists = false;
        logger.warn(`queue '${this.queueName}' could not be polled for '${functionName}': ${error instanceof Error ? error.message : String(error)}`, { functionName });
      }
      if (batch.length === 0) {
        await this.#sleep(this.#backoff.next(foundSinceLastDelay));
        foundSinceLastDelay = false;
        continue;
      }
      foundSinceLastDelay = true;
      for (const message of batch) {
        const work = this.#process(message).catch((error: unknown) =>
          logger.error(`queue '${this.queueName}' message ${message.messageId} could not be completed: ${error instanceof Error ? error.message : String(error)}`, { functionName }),
        );
        this.#processing.add(work);
        void work.then(() => this.#processing.delete(work));
      }
      while (this.#processing.size > polling.newBatchThreshold && !this.#stopping) await Promise.race([...this.#processing]);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #process(message: DequeuedMessageItem): Promise<void> {
    const { polling, queue, logger, functionName } = this.#options;
    if (message.dequeueCount > polling.maxDequeueCount) {
      await this.#moveToPoison(message);
      return;
    }
    let popReceipt = message.popReceipt;
    // Keep it invisible while the function runs, renewing at half the window, as the host does.
    const renewEveryInMs = polling.processingVisibilityInMs / 2;
    let renewal: NodeJS.Timeout | undefined;
    const renew = (): void => {
      renewal = setTimeout(() => {
        queue
          .updateMessage(message.messageId, popReceipt, undefined, Math.ceil(polling.processingVisibilityInMs / 1000))
          .then((updated) => {
            if (updated.popReceipt) popReceipt = updated.popReceipt;
            if (renewal) renew();
          })
          .catch((error: unknown) => logger.warn(`could not keep message ${message.messageId} invisible: ${error instanceof Error ? error.message : String(error)}`, { functionName }));
      }, renewEveryInMs);
    };
    renew();
    let succeeded: boolean;
    try {
      await this.#options.invoke(this.#invocation(message));
      succeeded = true;
    } catch (error) {
      // A handler's failure the host has logged with its invocation id; one before the handler ran is logged here.
      if (!(error instanceof InvocationFailedError)) logger.error(`queue '${this.queueName}' message ${message.messageId} could not be handed to '${functionName}': ${error instanceof Error ? error.message : String(error)}`, { functionName });
      succeeded = false;
    } finally {
      clearTimeout(renewal);
      renewal = undefined;
    }
    const current = { ...message, popReceipt };
    if (succeeded) await this.#delete(current);
    else if (message.dequeueCount >= polling.maxDequeueCount) await this.#moveToPoison(current);
    else await this.#release(current);
  }

  #invocation(message: DequeuedMessageItem): QueueInvocation {
    const text = this.#options.polling.messageEncoding === 'base64' ? decodeBase64(message.messageText) : message.messageText;
    return {
      data: { string: text },
      triggerMetadata: {
        QueueTrigger: { string: text },
        Id: { string: message.messageId },
        DequeueCount: { json: String(message.dequeueCount) },
        InsertionTime: { string: message.insertedOn.toISOString() },
        ExpirationTime: { string: message.expiresOn.toISOString() },
        NextVisibleTime: { string: message.nextVisibleOn.toISOString() },
        PopReceipt: { string: message.popReceipt },
      },
    };
  }

  async #delete(message: DequeuedMessageItem): Promise<void> {
    try {
      await this.#options.queue.deleteMessage(message.messageId, message.popReceipt);
    } catch (error) {
      // Another instance took it over (its visibility lapsed), or it is gone: theirs to complete.
      if (!isGone(error)) throw error;
    }
  }

  async #release(message: DequeuedMessageItem): Promise<void> {
    try {
      await this.#options.queue.updateMessage(message.messageId, message.popReceipt, undefined, Math.ceil(this.#options.polling.visibilityTimeoutInMs / 1000));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }

  async #moveToPoison(message: DequeuedMessageItem): Promise<void> {
    const { poisonQueue, polling, logger, functionName } = this.#options;
    logger.warn(`Message has reached MaxDequeueCount of ${polling.maxDequeueCount}. Moving message to queue '${poisonQueue.name}'.`, { functionName });
    await poisonQueue.createIfNotExists();
    // The text as it was stored, so the poison queue holds what the sender wrote.
    await poisonQueue.sendMessage(message.messageText);
    await this.#delete(message);
  }
}

function decodeBase64(text: string): string {
  // The host refuses what is not base64; so does this, and the invocation fails like the host's binding.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error('the queue message is not base64, which host.json messageEncoding expects');
  return Buffer.from(text, 'base64').toString('utf8');
}

function isGone(error: unknown): boolean {
  const status = error instanceof Error && error.name === 'RestError' ? (error as { statusCode?: number }).statusCode : undefined;
  // 404: the message or queue is gone; 400 PopReceiptMismatch: another instance has it now.
  return status === 404 || status === 400;
}
