/**
 * One due schedule entry, handled: what an instance does with each message of the rotation
 * queue (and the scan with each entry when it has no queue). The entry is checked against the
 * policy's current state first, because a message can be old by the time it is taken: the
 * policy may have been rotated, deleted or disabled since, or the message may be a duplicate.
 * Only then does the engine run, whose ETag claim decides between duplicates taken at once.
 */
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DueEntry, PolicyRepository, PolicyStateStore, ScheduleIndex } from '../ports.js';
import { parseDueRotationMessage, ROTATION_QUEUE_MAX_DEQUEUE_COUNT } from './due-queue.js';
import type { RotationEngine } from './rotation-engine.js';

/** `stale`: the entry no longer stands for anything (rotated since, deleted, disabled); it was removed. */
export type DueRotationResult = 'rotated' | 'skipped' | 'in-progress' | 'waiting-for-drain' | 'failed' | 'stale';

export interface DueRotationDependencies {
  policies: PolicyRepository;
  states: PolicyStateStore;
  schedule: ScheduleIndex;
  engine: RotationEngine;
  logger: Logger;
}

/** How the queue delivered a message: the Functions host's trigger metadata. */
export interface QueueDelivery {
  /** 1 on the first delivery; the host gives up after ROTATION_QUEUE_MAX_DEQUEUE_COUNT. */
  dequeueCount: number;
  messageId?: string;
}

export class DueRotation {
  readonly #deps: DueRotationDependencies;

  constructor(deps: DueRotationDependencies) {
    this.#deps = deps;
  }

  /**
   * Rotates the entry's policy if the entry is still its current one, as the scheduler
   * (trigger 'timer', actor 'scheduler'): a due date, a lapsed lease to resume, a failure's
   * backoff or a drain to check again. Throws only what storage or Key Vault threw before the
   * engine could record an outcome; a rotation that fails is recorded and retried by the engine.
   */
  async rotate(entry: DueEntry): Promise<DueRotationResult> {
    const [stored, state] = await Promise.all([this.#deps.policies.get(entry.policyId), this.#deps.states.get(entry.policyId)]);
    const current = state?.state;
    const entryIsCurrent = current?.active !== undefined || current?.nextDueAt?.getTime() === entry.dueAt.getTime();
    // A disabled policy leaves the index until it is enabled again (the policy API re-adds it).
    if (!stored || !current || !entryIsCurrent || (!stored.policy.enabled && !current.active)) {
      await this.#deps.schedule.remove(entry);
      return 'stale';
    }
    const outcome = await this.#deps.engine.rotate(entry.policyId, { kind: 'timer', actor: 'scheduler', reason: 'scheduled scan' }, { policy: stored.policy, state: state! });
    if (outcome.status === 'succeeded') return 'rotated';
    return outcome.status;
  }

  /**
   * A message of the rotation queue. When it fails on the last delivery the host allows, it is
   * about to be moved to the poison queue: that is logged as `rotation.poison` (an alert fires
   * on it). The error is rethrown either way, so the host redelivers or moves it.
   */
  async handleMessage(message: unknown, delivery: QueueDelivery): Promise<DueRotationResult> {
    let entry: DueEntry | undefined;
    try {
      entry = parseDueRotationMessage(message);
      return await this.rotate(entry);
    } catch (error) {
      const fields = {
        ...(entry ? { policyId: entry.policyId, dueAt: entry.dueAt.toISOString() } : {}),
        ...(delivery.messageId ? { messageId: delivery.messageId } : {}),
        dequeueCount: delivery.dequeueCount,
        maxDequeueCount: ROTATION_QUEUE_MAX_DEQUEUE_COUNT,
        error: describeError(error),
      };
      if (delivery.dequeueCount >= ROTATION_QUEUE_MAX_DEQUEUE_COUNT) this.#deps.logger.error('rotation.poison', fields);
      else this.#deps.logger.warn('rotation.dequeue-failed', fields);
      throw error;
    }
  }
}
