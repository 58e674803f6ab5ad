/**
 * Steps that several strategies share: a real sign-in with the new credential, the switch
 * that writes the Key Vault version applications move to, and the delivery of that version
 * to the followers.
 */
import { DomainError, describeError } from '../../errors.js';
import type { ConsumerProgress } from '../../ports.js';
import { connectionOf } from './connection.js';
import { credentialValue } from './credential.js';
import { progressOf, type BoundConsumer, type RotationStepDefinition, type StepRun } from './step.js';

/** Signs in to every consumer with the new credential before any application is pointed at it. */
export function verifyStep(loginOf: (run: StepRun, consumer: BoundConsumer) => string): RotationStepDefinition {
  return {
    name: 'verified',
    usesNewValue: true,
    async run(run) {
      const password = run.pendingValue;
      if (!password) throw new Error('verify ran without a prepared password: the engine must run prepare first');
      for (const consumer of run.consumers) {
        const login = loginOf(run, consumer);
        await consumer.kind.verify(consumer.spec, { username: login, password });
        await run.recordConsumer(consumer, login, 'signed in with the new credential');
      }
      return { kind: 'done', patch: { consumers: progressOf(run.consumers, 'verified', (c) => loginOf(run, c), run.now) } };
    },
  };
}

/** Writes the JSON credential as the new version: from here on, applications use it. */
export function switchToCredentialStep(loginOf: (run: StepRun, consumer: BoundConsumer) => string): RotationStepDefinition {
  return {
    name: 'switched',
    usesNewValue: true,
    async run(run) {
      const password = run.pendingValue;
      const first = run.consumers[0];
      if (!password || !first) throw new Error('switch ran without a prepared password: the engine must run prepare first');
      const patch = await run.switchTo(credentialValue(loginOf(run, first), password, connectionOf(first)));
      return { kind: 'done', patch: { ...patch, consumers: progressOf(run.consumers, 'switched', (c) => loginOf(run, c), run.now) } };
    },
  };
}

/** Some followers did not confirm the switched version; the ones that did are on the record. */
export class FollowersNotConfirmedError extends DomainError {
  readonly code = 'FollowersNotConfirmed';
  // The version is written and works: a retry within the budget delivers it again, and nothing is revoked before.
  readonly retryable = true;
}

/**
 * Tells every follower about the switched version and waits for each confirmation. Each is
 * tried even when another failed, so a broken webhook never keeps a replica on the old value;
 * any that did not confirm fail the step, and with it everything after it (the drain, the revoke).
 */
export const deliverStep: RotationStepDefinition = {
  name: 'delivered',
  async run(run) {
    if (run.followers.length === 0) return { kind: 'done' };
    const switched = await run.switchedVersion();
    const confirmed: Record<string, ConsumerProgress> = {};
    const failures: string[] = [];
    for (const follower of run.followers) {
      try {
        const detail = await follower.kind.deliver(follower.spec, switched);
        await run.recordConsumer(follower, undefined, detail);
        confirmed[follower.spec.name] = { status: 'confirmed', updatedAt: run.now };
      } catch (error) {
        failures.push(`${follower.spec.name} (${follower.spec.kind}): ${describeError(error)}`);
      }
    }
    if (failures.length > 0) {
      throw new FollowersNotConfirmedError(
        `${failures.length} of ${run.followers.length} follower(s) did not confirm version '${switched.version.version}': ${failures.join('; ')}. ` +
          'The new version is written and applications can use it; the old credential is not revoked until every follower confirms',
      );
    }
    return { kind: 'done', patch: { consumers: { ...run.active.consumers, ...confirmed } } };
  },
};
