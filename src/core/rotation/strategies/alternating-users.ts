/**
 * alternating-users (PostgreSQL, MariaDB): two logins, `login` and `login` plus a suffix.
 * A rotation changes only the login applications are not using, and only once that login
 * has drained: its grace period since it stopped being current has passed and none of its
 * sessions remain. It then signs in with the new password, and only then writes the Key Vault
 * version that moves applications over. The login they leave keeps working until the next
 * rotation drains it in turn: nobody is ever holding a credential that no longer works.
 */
import { PermanentDependencyError } from '../../errors.js';
import { secondLoginOf } from '../../policy/policy.js';
import { parseDuration } from '../../durations.js';
import { verifyStep, switchToCredentialStep } from './common-steps.js';
import { checkDrain } from './drain.js';
import { progressOf, type BoundConsumer, type RotationStrategy, type StepRun } from './step.js';

/** Key Vault's creation times are whole seconds; a grace measured from one is rounded up by this. */
const CREATED_ON_RESOLUTION_MS = 1000;

function pairOf(run: StepRun, consumer: BoundConsumer): [string, string] {
  return [consumer.spec.login, secondLoginOf(run.policy, consumer.spec)];
}

/** The login this rotation changes on a consumer: fixed at the drain step, read from the rotation afterwards. */
function targetOf(run: StepRun, consumer: BoundConsumer): string {
  const target = run.active.logins?.target;
  if (!target) throw new Error('alternating-users: the target login is chosen by the drain step, which has not run');
  return target;
}

function otherOf(run: StepRun, consumer: BoundConsumer, login: string): string {
  const [first, second] = pairOf(run, consumer);
  return login === first ? second : first;
}

export const alternatingUsers: RotationStrategy = {
  steps: [
    {
      name: 'drained',
      async run(run) {
        const first = run.consumers[0]!;
        const [primaryLogin, secondLogin] = pairOf(run, first);
        const latest = await run.latest();
        const current = latest ? (await run.readCredential(latest.version))?.username : undefined;
        if (current !== undefined && current !== primaryLogin && current !== secondLogin) {
          throw new PermanentDependencyError(
            `the current version of '${run.policy.secretName}' holds login '${current}', which is neither '${primaryLogin}' nor '${secondLogin}': alternating-users changes only those two. Write the current credential with one of them by hand, or fix the policy's login`,
          );
        }
        // With no credential in the vault yet, the first rotation starts on the second login: the first may be in use by something the vault never knew about.
        const target = current === undefined ? secondLogin : current === primaryLogin ? secondLogin : primaryLogin;
        const switchedAt = run.state.currentVersion === latest?.version ? run.state.currentVersionSwitchedAt : undefined;
        const becameIdleAt = current === undefined ? undefined : (switchedAt ?? (latest?.createdOn ? new Date(latest.createdOn.getTime() + CREATED_ON_RESOLUTION_MS) : run.now));
        const graceEndsAt = becameIdleAt ? new Date(becameIdleAt.getTime() + parseDuration(run.policy.strategy!.gracePeriod).milliseconds) : run.now;
        const logins = { ...(current !== undefined ? { current } : {}), target };
        const waiting = await checkDrain(run, { login: () => target, graceEndsAt, holdsOldCredential: () => true });
        if (waiting) return { ...waiting, patch: { ...waiting.patch, logins } };
        for (const consumer of run.consumers) await run.recordConsumer(consumer, target, 'no sessions remain and the grace period has passed');
        return { kind: 'done', patch: { logins, consumers: progressOf(run.consumers, 'drained', () => target, run.now) } };
      },
    },
    {
      name: 'prepared',
      usesNewValue: true,
      async run(run) {
        const password = run.newValue();
        for (const consumer of run.consumers) {
          const target = targetOf(run, consumer);
          await consumer.kind.replaceLoginPassword!(consumer.spec, await run.admin(consumer), target, password, otherOf(run, consumer, target));
          await run.recordConsumer(consumer, target, 'the idle login accepts the new password; its previous password no longer works');
        }
        return { kind: 'done', patch: { consumers: progressOf(run.consumers, 'prepared', (c) => targetOf(run, c), run.now) } };
      },
    },
    verifyStep(targetOf),
    switchToCredentialStep(targetOf),
    {
      name: 'revoked',
      async run(run) {
        // The version before the one this rotation replaced held the target login's old password, which prepare replaced.
        const retired = run.state.previousVersion;
        if (retired && retired !== run.active.previousVersion && retired !== run.active.newVersion) await run.retireVersion(retired, run.active.logins!.target);
        return { kind: 'done' };
      },
    },
  ],
  // Before the switch only the idle login was touched, and nothing uses it: it is left as it is.
};
