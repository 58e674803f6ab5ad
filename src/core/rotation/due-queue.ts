/**
 * The fan-out of due rotations: the scan hands each due schedule entry to a queue, and
 * whichever instance takes the message rotates it. A message names a policy and the due
 * time of its schedule entry, never a value, and is plain JSON so an operator can read a
 * poison message. The queue's delivery is at least once; the rotation's ETag claim makes
 * a duplicate harmless.
 */
import { ValidationError } from '../errors.js';
import { POLICY_ID } from '../policy/policy.js';
import type { DueEntry } from '../ports.js';

/** Where the scan puts due entries. Implemented by a Storage queue in Azure and on Azurite. */
export interface DueRotationQueue {
  enqueue(entry: DueEntry): Promise<void>;
}

/**
 * Failed deliveries of one message before the Functions host moves it to `<queue>-poison`:
 * host.json's extensions.queues.maxDequeueCount, which a test keeps equal to this.
 */
export const ROTATION_QUEUE_MAX_DEQUEUE_COUNT = 5;

/** ROTATION_QUEUE_NAME's default, and the queue infra/ creates. */
export const DEFAULT_ROTATION_QUEUE_NAME = 'rotation-due';

export function poisonQueueName(queueName: string): string {
  return `${queueName}-poison`;
}

export interface DueRotationMessage {
  policyId: string;
  /** ISO 8601, the schedule entry's due time to the millisecond. */
  dueAt: string;
}

export function dueRotationMessage(entry: DueEntry): DueRotationMessage {
  return { policyId: entry.policyId, dueAt: entry.dueAt.toISOString() };
}

/** Real messages are about 90 characters; anything much longer was not written by the scan. */
const MAX_MESSAGE_CHARS = 1024;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * Reads a message as the Functions library hands it over: already parsed from JSON, or text,
 * or bytes. Anything but exactly a policy id and an instant is refused with a ValidationError,
 * which no redelivery can cure: it ends in the poison queue, where an operator sees it.
 */
export function parseDueRotationMessage(message: unknown): DueEntry {
  let body = message;
  if (Buffer.isBuffer(body)) body = body.toString('utf8');
  if (typeof body === 'string') {
    if (body.length > MAX_MESSAGE_CHARS) throw new ValidationError(`a due-rotation message has at most ${MAX_MESSAGE_CHARS} characters, this one ${body.length}`);
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      throw new ValidationError('a due-rotation message must be JSON {"policyId","dueAt"}');
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('a due-rotation message must be a JSON object {"policyId","dueAt"}');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => key !== 'policyId' && key !== 'dueAt');
  if (unknown.length > 0) throw new ValidationError('a due-rotation message has only policyId and dueAt', unknown.slice(0, 5).map((path) => ({ path, message: 'not a field of a due-rotation message' })));
  const { policyId, dueAt } = fields;
  if (typeof policyId !== 'string' || !POLICY_ID.test(policyId)) throw new ValidationError('a due-rotation message needs a policy id', [{ path: 'policyId', message: 'must be a policy id' }]);
  const at = typeof dueAt === 'string' && ISO_INSTANT.test(dueAt) ? new Date(dueAt) : undefined;
  if (!at || Number.isNaN(at.getTime())) throw new ValidationError('a due-rotation message needs its due time', [{ path: 'dueAt', message: 'must be an ISO 8601 instant in UTC' }]);
  return { policyId, dueAt: at };
}
