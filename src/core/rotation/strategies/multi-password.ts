/**
 * multi-password (Redis ACL users): one login with two passwords during the switch-over.
 * The new password is added beside the current one in a single atomic command, a sign-in
 * proves it, the Key Vault version moves applications over, and the old password is removed
 * only after the grace period, once no connection older than the switch-over remains.
 */
import { parseDuration } from '../../durations.js';
import { PermanentDependencyError } from '../../errors.js';
import { verifyStep, switchToCredentialStep } from './common-steps.js';
import { checkDrain } from './drain.js';
import { progressOf, type BoundConsumer, type RotationStrategy, type StepRun } from './step.js';
import type { Credential } from './credential.js';

/** Connection ages come in whole seconds: a session this close to the switch-over may predate it. */
const SESSION_AGE_RESOLUTION_MS = 1000;

const loginOf = (_run: StepRun, consumer: BoundConsumer) => consumer.spec.login;

async function currentCredential(run: StepRun): Promise<Credential | undefined> {
  if (!run.active.previousVersion) return undefined;
  const credential = await run.readCredential(run.active.previousVersion);
  const login = run.consumers[0]!.spec.login;
  if (credential && credential.username !== login) {
    throw new PermanentDependencyError(`the current version of '${run.policy.secretName}' holds login '${credential.username}', not the policy's login '${login}'`);
  }
  return credential;
}

export const multiPassword: RotationStrategy = {
  steps: [
    {
      name: 'prepared',
      usesNewValue: true,
      async run(run) {
        const current = await currentCredential(run);
        const password = run.newValue();
        // Both values derive from what Key Vault holds and what this invocation generated: repeating this after a crash
        // replaces the extra password a dead attempt added instead of accumulating them.
        for (const consumer of run.consumers) {
          const admin = await run.admin(consumer);
          if (current) {
            await consumer.kind.setAcceptedPasswords!(consumer.spec, admin, consumer.spec.login, [current.password, password]);
            await run.recordConsumer(consumer, consumer.spec.login, 'accepts the current and the new password');
          } else {
            // A first rotation: the vault holds no credential, but applications may use a password set by hand.
            // It stays until the revoke, after the drain; replacing the login's passwords here would lock them out.
            await consumer.kind.addAcceptedPassword!(consumer.spec, admin, consumer.spec.login, password);
            await run.recordConsumer(consumer, consumer.spec.login, 'accepts the new password beside the passwords it had');
          }
        }
        return { kind: 'done', patch: { consumers: progressOf(run.consumers, 'prepared', (c) => c.spec.login, run.now) } };
      },
    },
    verifyStep(loginOf),
    switchToCredentialStep(loginOf),
    {
      name: 'drained',
      async run(run) {
        const switchedAt = run.active.switchedAt ?? run.active.newVersionCreatedOn ?? run.now;
        const graceEndsAt = new Date(switchedAt.getTime() + parseDuration(run.policy.strategy!.gracePeriod).milliseconds);
        const cutoff = switchedAt.getTime() + SESSION_AGE_RESOLUTION_MS;
        const waiting = await checkDrain(run, {
          login: (consumer) => consumer.spec.login,
          graceEndsAt,
          // A connection opened after the switch-over read the new version; one of unknown age is assumed old.
          holdsOldCredential: (session) => !session.connectedAt || session.connectedAt.getTime() <= cutoff,
        });
        if (waiting) return waiting;
        for (const consumer of run.consumers) await run.recordConsumer(consumer, consumer.spec.login, 'no connection older than the switch-over remains and the grace period has passed');
        return { kind: 'done', patch: { consumers: progressOf(run.consumers, 'drained', (c) => c.spec.login, run.now) } };
      },
    },
    {
      name: 'revoked',
      async run(run) {
        // Read back from Key Vault: the value this rotation switched to is the only one that stays.
        const switched = await run.readCredential(run.active.newVersion);
        if (!switched) throw new PermanentDependencyError(`version '${run.active.newVersion}' of '${run.policy.secretName}' could not be read back to revoke the old password`);
        for (const consumer of run.consumers) {
          await consumer.kind.setAcceptedPasswords!(consumer.spec, await run.admin(consumer), consumer.spec.login, [switched.password]);
          await run.recordConsumer(consumer, consumer.spec.login, 'the old password no longer works');
        }
        if (run.active.previousVersion) await run.retireVersion(run.active.previousVersion);
        return { kind: 'done', patch: { consumers: progressOf(run.consumers, 'revoked', (c) => c.spec.login, run.now) } };
      },
    },
  ],
  /**
   * The extra password goes: nothing switched to it, and the current one is all that stays. A first
   * rotation has no current one to go back to, and the login's own passwords must stay: its added
   * password is left (never stored anywhere, it is known to nobody) until the next rotation's revoke.
   */
  async rollback(run) {
    const current = await currentCredential(run);
    if (!current) return;
    for (const consumer of run.consumers) {
      await consumer.kind.setAcceptedPasswords!(consumer.spec, await run.admin(consumer), consumer.spec.login, [current.password]);
      await run.recordConsumer(consumer, consumer.spec.login, 'rolled back: only the current password is accepted');
    }
  },
};
