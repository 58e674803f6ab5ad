/**
 * Steps that several strategies share: a real sign-in with the new credential, and the
 * switch that writes the Key Vault version applications move to.
 */
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
