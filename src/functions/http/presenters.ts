/** JSON shapes of the HTTP API. Nothing here can hold a secret value: the core never gives one out. */
import type { PolicyView } from '../../core/admin/policy-admin.js';
import type { AuditRecord, Page, PolicyState, StoredPolicy } from '../../core/ports.js';

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
    rotationInProgress: state.active
      ? { rotationId: state.active.rotationId, step: state.active.step, startedAt: iso(state.active.startedAt), trigger: state.active.trigger.kind }
      : null,
  };
}

export function presentPolicy(stored: StoredPolicy) {
  return { policy: stored.policy, createdAt: iso(stored.createdAt), updatedAt: iso(stored.updatedAt), etag: stored.etag };
}

export function presentPolicyView(view: PolicyView) {
  return { ...presentPolicy(view.stored), state: presentState(view.state) };
}

export function presentAuditRecord(record: AuditRecord) {
  return { ...record, at: record.at.toISOString() };
}

/** A page of items, with the token for the next page only when there is one. */
export function presentPage<T, R>(page: Page<T>, present: (item: T) => R) {
  return { items: page.items.map(present), ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
}
