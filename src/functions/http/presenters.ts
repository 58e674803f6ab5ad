/** JSON shapes of the HTTP API. Nothing here can hold a secret value: the core never gives one out. */
import type { PolicyView } from '../../core/admin/policy-admin.js';
import type { ActiveRotation, AuditRecord, Page, PolicyState, StoredPolicy } from '../../core/ports.js';

const iso = (date: Date | undefined) => date?.toISOString();

export function presentState(state: PolicyState) {
  return {
    currentVersion: state.currentVersion,
    currentVersionExpiresOn: iso(state.currentVersionExpiresOn),
    lastRotationId: state.lastRotationId,
    lastRotatedAt: iso(state.lastRotatedAt),
    lastResult: state.lastResult,
    lastError: state.lastError,
    consecutiveFailures: state.consecutiveFailures,
    nextDueAt: iso(state.nextDueAt),
    currentLogin: state.currentLogin,
    rotationInProgress: state.active ? presentActive(state.active, state) : null,
  };
}

/** A rotation in progress: the last step it finished, where each consumer stands, and any drain it waits for. */
function presentActive(active: ActiveRotation, state: PolicyState) {
  const { drain } = active;
  return {
    rotationId: active.rotationId,
    status: drain ? 'waiting-for-drain' : state.lastResult === 'failed' ? 'failed-will-retry' : 'running',
    step: active.step,
    startedAt: iso(active.startedAt),
    trigger: active.trigger.kind,
    attempt: active.attempt,
    previousVersion: active.previousVersion,
    newVersion: active.newVersion,
    logins: active.logins ?? null,
    consumers: Object.entries(active.consumers ?? {}).map(([name, progress]) => ({
      name,
      status: progress.status,
      login: progress.login,
      ...(progress.sessions !== undefined ? { sessions: progress.sessions } : {}),
      updatedAt: iso(progress.updatedAt),
    })),
    drain: drain
      ? {
          login: drain.login,
          sessions: drain.sessions,
          clients: drain.clients,
          graceEndsAt: iso(drain.graceEndsAt),
          waitingSince: iso(drain.waitingSince) ?? null,
          checkedAt: iso(drain.checkedAt),
          nextCheckAt: iso(drain.nextCheckAt),
        }
      : null,
  };
}

export function presentPolicy(stored: StoredPolicy) {
  return { policy: stored.policy, createdAt: iso(stored.createdAt), updatedAt: iso(stored.updatedAt), etag: stored.etag };
}

export function presentPolicyView(view: PolicyView) {
  return { ...presentPolicy(view.stored), state: presentState(view.state), ...(view.warnings ? { warnings: view.warnings } : {}) };
}

export function presentAuditRecord(record: AuditRecord) {
  return { ...record, at: record.at.toISOString() };
}

/** A page of items, with the token for the next page only when there is one. */
export function presentPage<T, R>(page: Page<T>, present: (item: T) => R) {
  return { items: page.items.map(present), ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
}
