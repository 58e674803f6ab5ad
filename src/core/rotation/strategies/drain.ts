/**
 * The drain: an old credential is revoked only once its grace period has passed and no
 * session that may hold it remains. Waiting is visible (the rotation's drain status) and
 * bounded (maxDrainWait); past the bound the rotation fails loudly, naming who still holds
 * sessions, and nothing is forced.
 */
import { parseDuration, formatDuration } from '../../durations.js';
import { DomainError } from '../../errors.js';
import type { LoginSession } from '../../consumers/consumer-port.js';
import type { DrainStatus } from '../../ports.js';
import { boundText } from '../../untrusted-text.js';
import { progressOf, type BoundConsumer, type StepOutcome, type StepRun } from './step.js';

const MAX_CLIENTS_NAMED = 10;

export class DrainTimedOutError extends DomainError {
  readonly code = 'DrainTimedOut';
  // Retried within the budget: the sessions may end, and then the rotation goes on from here.
  readonly retryable = true;
}

export interface DrainCheck {
  login: (consumer: BoundConsumer) => string;
  graceEndsAt: Date;
  /** Which sessions hold the old credential (all of them, for a login nobody should use any more). */
  holdsOldCredential: (session: LoginSession) => boolean;
}

/** Undefined when drained; a wait, or a DrainTimedOutError, otherwise. */
export async function checkDrain(run: StepRun, check: DrainCheck): Promise<StepOutcome | undefined> {
  const { now } = run;
  const strategy = run.policy.strategy!;
  const held: LoginSession[] = [];
  const counts = new Map<string, number>();
  for (const consumer of run.consumers) {
    const sessions = (await consumer.kind.sessions(consumer.spec, await run.admin(consumer), check.login(consumer))).filter(check.holdsOldCredential);
    counts.set(consumer.spec.name, sessions.length);
    held.push(...sessions);
  }
  if (now >= check.graceEndsAt && held.length === 0) return undefined;

  const login = check.login(run.consumers[0]!);
  const previous = run.active.drain?.login === login ? run.active.drain : undefined;
  const waitingSince = held.length > 0 && now >= check.graceEndsAt ? (previous?.waitingSince ?? now) : undefined;
  const clients = describeClients(held);
  const maxDrainWaitMs = parseDuration(strategy.maxDrainWait).milliseconds;
  if (waitingSince && now.getTime() - waitingSince.getTime() > maxDrainWaitMs) {
    throw new DrainTimedOutError(
      `login '${login}' still has ${held.length} session(s) ${formatDuration(now.getTime() - waitingSince.getTime())} after its grace period ended (maxDrainWait ${strategy.maxDrainWait}): ${clients.join(', ')}. ` +
        'The old credential is not revoked while they last; restart or reconfigure those clients so they read the new version',
    );
  }
  const nextCheckAt = new Date(Math.min(now.getTime() + run.drainCheckIntervalInMs, Math.max(check.graceEndsAt.getTime(), now.getTime() + 1000)));
  const drain: DrainStatus = {
    login,
    graceEndsAt: check.graceEndsAt,
    ...(waitingSince ? { waitingSince } : {}),
    sessions: held.length,
    clients,
    checkedAt: now,
    nextCheckAt: held.length > 0 ? new Date(now.getTime() + run.drainCheckIntervalInMs) : nextCheckAt,
  };
  return { kind: 'wait', drain, patch: { consumers: progressOf(run.consumers, 'draining', check.login, now, counts) } };
}

function describeClients(sessions: readonly LoginSession[]): string[] {
  const named = sessions.slice(0, MAX_CLIENTS_NAMED).map((session) => {
    const where = session.clientAddress ? boundText(session.clientAddress, 64) : 'local socket';
    const app = session.applicationName ? ` (${boundText(session.applicationName, 64)})` : '';
    const node = session.node ? ` on ${boundText(session.node, 64)}` : '';
    return `${where}${app}${node}`;
  });
  if (sessions.length > MAX_CLIENTS_NAMED) named.push(`and ${sessions.length - MAX_CLIENTS_NAMED} more`);
  return named;
}
