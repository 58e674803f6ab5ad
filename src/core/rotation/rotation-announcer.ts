/**
 * What the engine announces to RotationEvents at each point of a rotation's life: a new
 * rotation claimed, each failed attempt, the budget spent, a revoke step finished, success.
 * Event ids derive from the rotation id, the type and the attempt, so a resumed or retried
 * rotation publishes the same ids again and subscribers drop the duplicates.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { RotationPolicy } from '../policy/policy.js';
import type { ActiveRotation } from '../ports.js';
import { GuardedRotationEvents, type RotationEvent, type RotationEventType, type RotationEvents } from '../rotation-events.js';

export class RotationAnnouncer {
  readonly #events: GuardedRotationEvents;
  readonly #clock: Clock;
  readonly #maxAttempts: number;

  constructor(events: RotationEvents, logger: Logger, clock: Clock, maxAttempts: number) {
    this.#events = new GuardedRotationEvents(events, logger);
    this.#clock = clock;
    this.#maxAttempts = maxAttempts;
  }

  started(policy: RotationPolicy, active: ActiveRotation): Promise<void> {
    return this.#publish('RotationStarted', policy, active, active.rotationId, { reason: active.trigger.reason });
  }

  succeeded(policy: RotationPolicy, active: ActiveRotation): Promise<void> {
    return this.#publish('RotationSucceeded', policy, active, active.rotationId, {});
  }

  /** Each failed attempt; with the budget spent, RotationParked as well. */
  async failed(policy: RotationPolicy, active: ActiveRotation, attempt: number, error: string, parked: boolean): Promise<void> {
    const detail = { step: active.step, attempt, maxAttempts: this.#maxAttempts, error };
    await this.#publish('RotationFailed', policy, active, `${active.rotationId}.${attempt}`, detail);
    if (parked) await this.#publish('RotationParked', policy, active, active.rotationId, detail);
  }

  /** The revoke step finished: the old credential no longer works on these consumers. */
  revoked(policy: RotationPolicy, active: ActiveRotation): Promise<void> {
    const consumers = Object.entries(active.consumers ?? {})
      .filter(([, progress]) => progress.status === 'revoked')
      .map(([name]) => name);
    return this.#publish('CredentialRevoked', policy, active, active.rotationId, { step: 'revoked', consumers });
  }

  #publish(type: RotationEventType, policy: RotationPolicy, active: ActiveRotation, key: string, detail: Partial<RotationEvent>): Promise<void> {
    return this.#events.publish({
      type,
      id: `${key}.${type}`,
      at: this.#clock.now(),
      policyId: policy.id,
      // A rotation's events name the secret it claimed, whatever the policy names now.
      vaultUrl: active.target.vaultUrl,
      secretName: active.target.secretName,
      rotationId: active.rotationId,
      trigger: active.trigger.kind,
      ...(active.previousVersion ? { previousVersion: active.previousVersion } : {}),
      ...(active.newVersion ? { newVersion: active.newVersion } : {}),
      ...detail,
    });
  }
}
