/** JSON shapes of the HTTP API. Nothing here can hold a secret value: the core never gives one out. */
import type { HttpResponseInit } from '@azure/functions';
import type { PolicyView } from '../../core/admin/policy-admin.js';
import type { ChangeRequest } from '../../core/approvals/change-request.js';
import { auditRecordFields } from '../../core/audit/record-fields.js';
import type { ActiveRotation, AuditRecord, Page, PolicyState, RotationStep, SmokeTestRecord, StoredPolicy } from '../../core/ports.js';

const iso = (date: Date | undefined) => date?.toISOString();

/** `steps`: every step a rotation of the policy persists, in order (RotationEngine.stepsOf). */
export function presentState(state: PolicyState, steps: readonly RotationStep[]) {
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
    rotationInProgress: state.active ? presentActive(state.active, state, steps) : null,
  };
}

/** A rotation in progress: the steps it walks, the last one it finished, where each consumer stands, and any drain it waits for. */
function presentActive(active: ActiveRotation, state: PolicyState, steps: readonly RotationStep[]) {
  const { drain } = active;
  return {
    rotationId: active.rotationId,
    status: drain ? 'waiting-for-drain' : state.lastResult === 'failed' ? 'failed-will-retry' : 'running',
    steps,
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

export function presentPolicyView(view: PolicyView, steps: readonly RotationStep[]) {
  return { ...presentPolicy(view.stored), state: presentState(view.state, steps), ...(view.warnings ? { warnings: view.warnings } : {}) };
}

/** Every field of the record, who asked included (actor, actorId, clientIp, correlationId); nothing else. */
export function presentAuditRecord(record: AuditRecord) {
  return { ...auditRecordFields(record), at: record.at.toISOString() };
}

/** A page of items, with the token for the next page only when there is one. */
export function presentPage<T, R>(page: Page<T>, present: (item: T) => R) {
  return { items: page.items.map(present), ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
}

/**
 * A change request as approvers see it: exactly what will run (action, policy, bound ETag, body),
 * who asked and who approved, and the hash each approval was given for.
 */
export function presentChangeRequest(request: ChangeRequest) {
  const { execution } = request;
  return {
    id: request.id,
    status: request.status,
    action: request.action,
    policyId: request.policyId,
    policyEtag: request.policyEtag ?? null,
    environment: request.environment,
    body: request.body,
    requester: request.requester,
    requestedAt: iso(request.requestedAt),
    expiresAt: iso(request.expiresAt),
    hash: request.hash,
    approvals: request.approvals.map((approval) => ({ ...approval, at: iso(approval.at) })),
    rejection: request.rejection ? { ...request.rejection, at: iso(request.rejection.at) } : null,
    statusReason: request.statusReason ?? null,
    closedAt: iso(request.closedAt) ?? null,
    execution: execution
      ? { startedAt: iso(execution.startedAt), finishedAt: iso(execution.finishedAt) ?? null, attempts: execution.attempts, result: execution.result ?? null, error: execution.error ?? null }
      : null,
  };
}

/** 202: the operation waits for approvals; Location is where to follow the request. */
export function presentChangeRequestAccepted(request: ChangeRequest): HttpResponseInit {
  return {
    status: 202,
    headers: { location: `/api/change-requests/${request.id}` },
    jsonBody: { approvalRequired: true, changeRequestId: request.id, changeRequest: presentChangeRequest(request) },
  };
}

export function presentSmokeTest(record: SmokeTestRecord) {
  return {
    environment: record.environment,
    at: record.at.toISOString(),
    passed: record.passed,
    fileHash: record.fileHash,
    policies: record.policies,
    checks: record.checks.map((check) => ({ name: check.name, passed: check.passed })),
    by: { oid: record.by.oid, name: record.by.name },
  };
}
