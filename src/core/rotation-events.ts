/**
 * Rotation events as a port: what the engine and the Key Vault event handler announce to
 * whoever subscribes (an Event Grid topic in Azure). Each event names the policy, the secret,
 * the rotation and its versions; never a value. Publishing is best effort and never decides a
 * rotation: GuardedRotationEvents logs and counts a refusal, and the rotation goes on.
 */
import { describeError } from './errors.js';
import type { Logger } from './logger.js';
import type { RotationStep, TriggerKind } from './ports.js';
import { boundText } from './untrusted-text.js';

export const ROTATION_EVENT_TYPES = [
  'RotationStarted',
  'RotationSucceeded',
  'RotationFailed',
  'RotationParked',
  'CredentialRevoked',
  'OutOfBandChangeDetected',
  // A rotation that skipped approvals: someone must hear of it at once, not at their next audit read.
  'BreakGlassUsed',
] as const;
export type RotationEventType = (typeof ROTATION_EVENT_TYPES)[number];

/** The longest free text (an error, a reason) an event carries; longer text is cut with a marker. */
export const MAX_EVENT_TEXT_CHARS = 512;

export interface RotationEvent {
  type: RotationEventType;
  /**
   * Unique per (rotation, type, attempt) and the same whenever that event is published again (a
   * resumed rotation, a redelivered trigger), so subscribers can drop duplicates by id.
   */
  id: string;
  at: Date;
  policyId: string;
  vaultUrl: string;
  secretName: string;
  rotationId?: string;
  trigger?: TriggerKind;
  previousVersion?: string;
  newVersion?: string;
  /** The step a failed attempt stopped at, or the step an event is about. */
  step?: RotationStep;
  attempt?: number;
  maxAttempts?: number;
  /** Why an attempt failed: a description of the error, bounded; never a value. */
  error?: string;
  /** The consumers an event is about (those whose old credential was revoked). */
  consumers?: string[];
  /** Bounded free text: the trigger's reason, what an out-of-band change was. */
  reason?: string;
  /** Who did it, by display name or object id, for events a person caused (break-glass). */
  actor?: string;
}

export interface RotationEvents {
  /** Resolves once the subscriber side accepted the event; throws when it did not. */
  publish(event: RotationEvent): Promise<void>;
}

/** When no topic is configured: the tests, the CLI, and a deployment without ROTATION_EVENTS_TOPIC_ENDPOINT. */
export const noRotationEvents: RotationEvents = {
  async publish() {},
};

/**
 * What the engine publishes through: never throws. A refused publish is logged at error as
 * 'rotation.events-publish-failed' (what an alert can match) and counted, and the caller goes on.
 */
export class GuardedRotationEvents {
  readonly #events: RotationEvents;
  readonly #logger: Logger;
  #failures = 0;

  constructor(events: RotationEvents, logger: Logger) {
    this.#events = events;
    this.#logger = logger;
  }

  /** Publishes that failed since this instance was built. */
  get failures(): number {
    return this.#failures;
  }

  async publish(event: RotationEvent): Promise<void> {
    try {
      await this.#events.publish(bounded(event));
    } catch (error) {
      this.#failures += 1;
      this.#logger.error('rotation.events-publish-failed', {
        eventType: event.type,
        eventId: event.id,
        policyId: event.policyId,
        vaultUrl: event.vaultUrl,
        secretName: event.secretName,
        rotationId: event.rotationId,
        failures: this.#failures,
        error: describeError(error),
      });
    }
  }
}

function bounded(event: RotationEvent): RotationEvent {
  return {
    ...event,
    ...(event.error !== undefined ? { error: boundText(event.error, MAX_EVENT_TEXT_CHARS) } : {}),
    ...(event.reason !== undefined ? { reason: boundText(event.reason, MAX_EVENT_TEXT_CHARS) } : {}),
  };
}
