/**
 * issued-credential (storage account keys, Entra application secrets): the consumer issues the
 * credential, we never generate it. A new one is issued without touching the one applications
 * use, proven with a real sign-in or signed request, written to the vault, and only after the
 * grace period is the replaced one revoked. The issuer keeps both working in between, so no
 * application is ever holding a credential that no longer works.
 *
 * The credential's id at the issuer (key1/key2, an Entra keyId) travels as the rotation's
 * `logins`, and the state's `currentLogin` remembers which one the current version holds.
 */
import { parseDuration } from '../../durations.js';
import type { IssuedCredential } from '../../consumers/consumer-port.js';
import { progressOf, type BoundIssuer, type RotationStrategy, type StepRun } from './step.js';

function issuerOf(run: StepRun): BoundIssuer {
  if (!run.issuer) throw new Error('issued-credential runs only with an issuer: policy validation requires one');
  return run.issuer;
}

/** The credential applications use now: what the vault holds, as the issuer tells it, else what the last rotation left. */
async function inUse(run: StepRun, issuer: BoundIssuer): Promise<string | undefined> {
  if (issuer.kind.identify) {
    const latest = await run.latest();
    const value = latest?.enabled ? await run.readValue(latest.version) : undefined;
    const identified = value ? await issuer.kind.identify(issuer.spec, value) : undefined;
    if (identified) return identified;
  }
  return run.state.currentLogin;
}

function issuedOf(run: StepRun): IssuedCredential {
  const value = run.pendingValue;
  const id = run.active.logins?.target;
  if (!value || !id) throw new Error('the issued credential is held only by the invocation that issued it: the engine must run prepare first');
  return { id, value };
}

export const issuedCredential: RotationStrategy = {
  steps: [
    {
      name: 'prepared',
      usesNewValue: true,
      async run(run) {
        const issuer = issuerOf(run);
        const current = await inUse(run, issuer);
        // An earlier attempt issued this one and died before the switch: its value is known to nobody.
        const orphan = run.active.logins?.target;
        if (orphan && orphan !== current && issuer.kind.discard) await issuer.kind.discard(issuer.spec, orphan);
        const issued = await issuer.kind.issue(issuer.spec, current);
        run.adoptNewValue(issued.value);
        await run.recordConsumer(issuer, issued.id, current ? `issued '${issued.id}'; '${current}', which applications use, is untouched` : `issued '${issued.id}'`);
        return {
          kind: 'done',
          patch: { logins: { ...(current ? { current } : {}), target: issued.id }, consumers: progressOf([issuer], 'prepared', () => issued.id, run.now) },
        };
      },
    },
    {
      name: 'verified',
      usesNewValue: true,
      async run(run) {
        const issuer = issuerOf(run);
        const issued = issuedOf(run);
        await issuer.kind.verify(issuer.spec, issued);
        await run.recordConsumer(issuer, issued.id, 'a real sign-in with the issued credential succeeded');
        return { kind: 'done', patch: { consumers: progressOf([issuer], 'verified', () => issued.id, run.now) } };
      },
    },
    {
      name: 'switched',
      usesNewValue: true,
      async run(run) {
        const issuer = issuerOf(run);
        const issued = issuedOf(run);
        const patch = await run.switchTo(issued.value);
        return { kind: 'done', patch: { ...patch, consumers: progressOf([issuer], 'switched', () => issued.id, run.now) } };
      },
    },
    {
      name: 'drained',
      async run(run) {
        // Neither a storage account nor Entra ID says who still holds a key or a secret: the grace period is the drain.
        const issuer = issuerOf(run);
        const replaced = run.active.logins?.current ?? run.active.logins!.target;
        const switchedAt = run.active.switchedAt ?? run.active.newVersionCreatedOn ?? run.now;
        const graceEndsAt = new Date(switchedAt.getTime() + parseDuration(run.policy.strategy!.gracePeriod).milliseconds);
        if (run.now < graceEndsAt) {
          return {
            kind: 'wait',
            drain: { login: replaced, graceEndsAt, sessions: 0, clients: [], checkedAt: run.now, nextCheckAt: graceEndsAt },
            patch: { consumers: progressOf([issuer], 'draining', () => replaced, run.now) },
          };
        }
        return { kind: 'done', patch: { consumers: progressOf([issuer], 'drained', () => replaced, run.now) } };
      },
    },
    {
      name: 'revoked',
      async run(run) {
        const issuer = issuerOf(run);
        const { current, target } = run.active.logins!;
        // A first rotation cannot know which credential applications held before the vault did: it revokes nothing.
        if (current && current !== target) {
          const detail = await issuer.kind.revoke(issuer.spec, current, target);
          await run.recordConsumer(issuer, current, detail);
        }
        if (run.active.previousVersion) await run.retireVersion(run.active.previousVersion);
        return { kind: 'done', patch: { consumers: progressOf([issuer], 'revoked', () => target, run.now) } };
      },
    },
  ],
  /** A credential issued but never switched to is known to nobody: it is removed where the issuer can remove one. */
  async rollback(run) {
    const issuer = issuerOf(run);
    const orphan = run.active.logins?.target;
    if (!orphan || orphan === run.active.logins?.current || !issuer.kind.discard) return;
    await issuer.kind.discard(issuer.spec, orphan);
    await run.recordConsumer(issuer, orphan, `rolled back: '${orphan}', issued for a switch that did not happen, was removed`);
  },
};
