/**
 * Change requests for policies of protected environments: an on-demand rotation
 * or a policy change is stored as a request, and runs only when enough people
 * other than the requester have approved exactly it.
 *
 * Every decision reads the request, checks it against its hash, and writes it back
 * conditionally on the ETag it read; a write that loses a race reads again and
 * decides again. The approval that completes a request moves it from pending to
 * executing in that same conditional write, so among concurrent approvals one
 * wins and runs the operation; the others find it executing or executed.
 */
import { actorFields } from '../audit-fields.js';
import type { Caller, AppRole } from '../auth/caller.js';
import type { Clock } from '../clock.js';
import { changedPaths } from '../admin/changed-paths.js';
import { ConcurrencyConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError, describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RotationPolicy } from '../policy/policy.js';
import type { AuditAction, AuditLog, AuditRecord, Page, PageOptions, PolicyRepository } from '../ports.js';
import { boundText, quote, unsafeTrimmedTextProblem } from '../untrusted-text.js';
import { canonicalJson, changeRequestHash } from './canonical-hash.js';
import {
  CHANGE_ACTIONS,
  CHANGE_REQUEST_STATUSES,
  isChangeRequestStatus,
  type Approval,
  type ChangeAction,
  type ChangeBody,
  type ChangeRequest,
  type ChangeRequestStatus,
  type ExecutionResult,
  type Person,
} from './change-request.js';
import { AlreadyApprovedError, ChangeRequestExpiredError, ChangeRequestNotPendingError, ChangeRequestTamperedError, ChangeRequestVoidError } from './errors.js';
import { isProtectedEnvironment, type GovernanceSettings } from './governance-settings.js';
import type { BreakGlassAlerts, ChangeExecutor, ChangeRequestStore, VersionedChangeRequest } from './ports.js';

export interface ChangeRequestServiceDependencies {
  requests: ChangeRequestStore;
  policies: PolicyRepository;
  clock: Clock;
  newId: () => string;
  audit: AuditLog;
  logger: Logger;
  settings: GovernanceSettings;
  execute: ChangeExecutor;
  /** Announces break-glass rotations; without it they are only audited and logged (event 'rotation.break-glass'). */
  alerts?: BreakGlassAlerts;
  /** How long an execution is left to the process that started it before get or approve runs it again. Default 10 minutes. */
  executionLeaseInMs?: number;
}

export interface ListChangeRequestsOptions extends PageOptions {
  /** Default 'pending'. */
  status?: ChangeRequestStatus;
}

/** What a break-glass rotation came to: the executor's result, or the error it threw. */
export type BreakGlassOutcome = { result: ExecutionResult } | { error: unknown };

export const DEFAULT_EXECUTION_LEASE_MS = 10 * 60_000;
/** A break-glass rotation is reviewed afterwards by this many people other than the one who broke the glass. */
export const BREAK_GLASS_REVIEWERS = 2;
/** An operation that died this many times is not run again; the request fails and is requested anew if still wanted. */
export const MAX_EXECUTION_ATTEMPTS = 3;
/** A policy is a few KiB; the limit keeps a stored request within what one Table Storage entity holds, with room to spare. */
export const MAX_CHANGE_BODY_CHARS = 64 * 1024;
const MAX_NOTE_CHARS = 512;
/** Each lost race means another decision landed; a handful of concurrent deciders settle well within this. */
const MAX_WRITE_ATTEMPTS = 10;
/** The actor of transitions nobody asked for (a request found expired while listing). */
const GOVERNANCE_ACTOR = 'governance';

/** How the audit names a person: readable, and the oid that approvals count. */
export function actorOf(person: Person): string {
  return `${person.displayName} (${person.oid})`;
}

/** Which change request a PUT of `after` over `before` is: a flip of `enabled` alone is an enable or a disable. */
export function policyWriteAction(before: RotationPolicy | undefined, after: RotationPolicy): ChangeAction {
  if (!before) return 'policy.create';
  const changed = changedPaths(before, after);
  if (changed.length === 1 && changed[0] === 'enabled') return after.enabled ? 'policy.enable' : 'policy.disable';
  return 'policy.replace';
}

export class ChangeRequestService {
  readonly #deps: ChangeRequestServiceDependencies;
  readonly #leaseMs: number;

  constructor(deps: ChangeRequestServiceDependencies) {
    this.#deps = deps;
    this.#leaseMs = deps.executionLeaseInMs ?? DEFAULT_EXECUTION_LEASE_MS;
  }

  isProtected(environment: string): boolean {
    return isProtectedEnvironment(this.#deps.settings, environment);
  }

  /**
   * Whether this operation must wait for approvals: the policy's environment is protected
   * before or after it. Break-glass is the way around approvals, so it never needs them.
   */
  requiresApproval(action: ChangeAction, policyBefore?: RotationPolicy, policyAfter?: RotationPolicy): boolean {
    if (action === 'rotation.break-glass') return false;
    return this.isProtected(policyBefore?.environment ?? '') || this.isProtected(policyAfter?.environment ?? '');
  }

  /**
   * Stores the operation as a pending request. `body` is its exact input (the policy's JSON, or
   * `{reason}` for a rotation), validated by the HTTP layer as it would be for an immediate
   * operation. The request binds the policy's ETag: `policyEtag` when given (If-Match), else the
   * current one; a change to the policy before the last approval voids the request.
   */
  async request(action: ChangeAction, policyId: string, body: unknown, caller: Caller, policyEtag?: string): Promise<ChangeRequest> {
    if (!CHANGE_ACTIONS.includes(action) || action === 'rotation.break-glass') {
      throw new ValidationError(`${quote(String(action))} is not an action that waits for approval`, [{ path: 'action', message: 'not a requestable action' }]);
    }
    const exact = exactBody(body);
    const stored = await this.#deps.policies.get(policyId);
    if (action === 'policy.create') {
      if (policyEtag !== undefined) throw new ValidationError('a create binds no policy ETag', [{ path: 'If-Match', message: 'not allowed when creating' }]);
      if (stored) throw new ConcurrencyConflictError(`policy '${policyId}' already exists`);
    } else {
      if (!stored) throw new NotFoundError(`policy '${policyId}' does not exist`);
      if (policyEtag !== undefined && policyEtag !== '*' && policyEtag !== stored.etag) {
        throw new PreconditionFailedError(`policy '${policyId}' has changed since the ETag in If-Match`);
      }
    }
    const environments = [stored?.policy.environment, typeof exact['environment'] === 'string' ? exact['environment'] : undefined];
    // The body's environment is not validated yet (the operation validates it when it runs): escaped and bounded, as it is logged and audited.
    const named = environments.find((name) => isProtectedEnvironment(this.#deps.settings, name)) ?? environments.find((name) => name !== undefined) ?? '';
    const environment = boundText(named, 64);
    const now = this.#now();
    const fields = {
      id: this.#deps.newId(),
      action,
      policyId,
      ...(stored ? { policyEtag: stored.etag } : {}),
      environment,
      body: exact,
      requester: personOf(caller),
      requestedAt: now,
      expiresAt: new Date(now.getTime() + this.#deps.settings.approvalTtlMs),
    };
    const created = await this.#deps.requests.create({ ...fields, hash: changeRequestHash(fields), status: 'pending', approvals: [] });
    const request = created.request;
    await this.#audit('change-request.created', request, caller, `${describeRequest(request)} in environment '${environment}' requested; expires ${request.expiresAt.toISOString()}`);
    this.#log('info', 'change-request.created', request, caller);
    return request;
  }

  /** The request as it stands: a pending one past its expiry is marked expired, an execution whose process died is run again. */
  async get(id: string): Promise<ChangeRequest> {
    return (await this.#current(id)).request;
  }

  /** One page of requests in a status (pending by default). Pending requests found past their expiry are marked expired and left out. */
  async list(options: ListChangeRequestsOptions = {}): Promise<Page<ChangeRequest>> {
    const status = options.status ?? 'pending';
    if (!isChangeRequestStatus(status)) {
      throw new ValidationError(`status must be one of ${CHANGE_REQUEST_STATUSES.join(', ')}`, [
        { path: 'status', message: 'unknown status' },
      ]);
    }
    const page = await this.#deps.requests.listByStatus(status, { ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}), ...(options.continuationToken !== undefined ? { continuationToken: options.continuationToken } : {}) });
    const items: ChangeRequest[] = [];
    const now = this.#now();
    for (const request of page.items) {
      if (!intact(request)) {
        // Left out rather than shown: nobody should approve from a listing what no longer matches its hash.
        this.#deps.logger.warn('change-request.tampered', { requestId: request.id, policyId: request.policyId });
        continue;
      }
      if (request.status === 'pending' && now >= request.expiresAt) {
        await this.#current(request.id).catch((error: unknown) => {
          if (!(error instanceof NotFoundError || error instanceof ChangeRequestTamperedError || error instanceof ConcurrencyConflictError)) throw error;
        });
        continue;
      }
      items.push(request);
    }
    return page.continuationToken === undefined ? { items } : { items, continuationToken: page.continuationToken };
  }

  /**
   * Adds the caller's approval. Refused to the requester, to someone who approved already, and for a
   * request that expired or whose policy changed since (it becomes expired or void). The approval
   * that reaches the required count runs the operation and answers the request as executed or failed.
   */
  async approve(id: string, caller: Caller, comment?: string): Promise<ChangeRequest> {
    requireRole(caller, 'Rotation.Approve', 'approve a change request');
    const note = noteOf(comment, 'comment', false);
    for (let attempt = 1; ; attempt++) {
      const current = await this.#current(id, { caller, attempted: 'approval' });
      const { request } = current;
      if (request.status !== 'pending') throw notActionable(request);
      if (request.requester.oid === caller.oid) {
        throw new ForbiddenError(`you requested change request '${id}' and cannot approve it yourself; it needs ${this.#deps.settings.requiredApprovals} approvals from other people`);
      }
      if (request.approvals.some((approval) => approval.oid === caller.oid)) throw new AlreadyApprovedError(id);

      const voided = await this.#voidReason(request);
      if (voided) {
        if (await this.#close(current, { status: 'void', statusReason: voided }, 'change-request.void', caller, voided)) throw new ChangeRequestVoidError(id, voided);
        continue;
      }

      const now = this.#now();
      const approvals = [...request.approvals, approvalBy(caller, now, request.hash, note)];
      const complete = approverCount({ ...request, approvals }) >= this.#deps.settings.requiredApprovals;
      const next: ChangeRequest = complete
        ? { ...request, approvals, status: 'executing', execution: { startedAt: now, leaseExpiresAt: this.#leaseEnd(now), attempts: 1 } }
        : { ...request, approvals };
      const saved = await this.#replaceUnlessRaced(next, current.etag);
      if (!saved) {
        if (attempt >= MAX_WRITE_ATTEMPTS) throw new ConcurrencyConflictError(`change request '${id}' kept changing while it was being approved; try again`);
        continue;
      }
      const count = approverCount(saved.request);
      await this.#audit('change-request.approved', saved.request, caller, `${describeRequest(saved.request)}: approval ${count} of ${this.#deps.settings.requiredApprovals}${note ? `: ${note}` : ''}`);
      this.#log('info', 'change-request.approved', saved.request, caller);
      return complete ? (await this.#execute(saved)).request : saved.request;
    }
  }

  /** Closes a pending request without running it. The requester withdraws with cancel instead. */
  async reject(id: string, caller: Caller, reason?: string): Promise<ChangeRequest> {
    requireRole(caller, 'Rotation.Approve', 'reject a change request');
    const note = noteOf(reason, 'reason', false);
    return this.#decide(id, caller, 'rejection', (request, now) => {
      if (request.status !== 'pending') throw notActionable(request);
      if (request.requester.oid === caller.oid) throw new ForbiddenError(`you requested change request '${id}'; withdraw it with cancel rather than reject it`);
      const rejection = { ...personOf(caller), at: now, ...(note ? { reason: note } : {}) };
      return {
        next: { ...request, status: 'rejected', rejection, closedAt: now },
        audit: ['change-request.rejected', `${describeRequest(request)} rejected${note ? `: ${note}` : ''}`],
      };
    });
  }

  /** The requester withdraws their pending request. */
  async cancel(id: string, caller: Caller): Promise<ChangeRequest> {
    return this.#decide(id, caller, 'cancellation', (request, now) => {
      if (request.requester.oid !== caller.oid) throw new ForbiddenError(`only the requester can cancel change request '${id}'`);
      if (request.status !== 'pending') throw notActionable(request);
      return {
        next: { ...request, status: 'cancelled', statusReason: 'cancelled by the requester', closedAt: now },
        audit: ['change-request.cancelled', `${describeRequest(request)} cancelled by the requester`],
      };
    });
  }

  /** A review of a break-glass rotation after the fact; two people other than the one who broke the glass close it. */
  async review(id: string, caller: Caller, comment: string): Promise<ChangeRequest> {
    requireRole(caller, 'Rotation.Approve', 'review a break-glass rotation');
    const note = noteOf(comment, 'comment', true);
    return this.#decide(id, caller, 'review', (request, now) => {
      if (request.status !== 'review') throw new ChangeRequestNotPendingError(id, request.status, 'review');
      if (request.requester.oid === caller.oid) throw new ForbiddenError(`you broke the glass in change request '${id}' and cannot review it yourself`);
      if (request.approvals.some((approval) => approval.oid === caller.oid)) throw new AlreadyApprovedError(id);
      const approvals = [...request.approvals, approvalBy(caller, now, request.hash, note)];
      const reviewed = approverCount({ ...request, approvals }) >= BREAK_GLASS_REVIEWERS;
      return {
        next: { ...request, approvals, ...(reviewed ? { status: 'reviewed' as const, closedAt: now } : {}) },
        audit: ['change-request.reviewed', `${describeRequest(request)}: review ${approvals.length} of ${BREAK_GLASS_REVIEWERS}: ${note}`],
      };
    });
  }

  /**
   * For the HTTP layer, before it rotates: the caller holds Rotation.BreakGlass and gave a
   * justification. Returns the justification as it will be recorded.
   */
  checkBreakGlass(caller: Caller, justification: unknown): string {
    requireRole(caller, 'Rotation.BreakGlass', 'rotate a protected policy without approvals');
    return noteOf(justification, 'justification', true)!;
  }

  /**
   * Records a break-glass rotation that has run (or failed): audited as rotation.break-glass,
   * logged as a warning under that event name, announced through `alerts`, and stored as a
   * request in 'review' for two other people. Never refuses: the rotation has happened, and
   * an unrecorded one is worse than a badly justified one (checkBreakGlass refuses beforehand).
   */
  async recordBreakGlass(policyId: string, caller: Caller, justification: string, outcome: BreakGlassOutcome): Promise<ChangeRequest> {
    const stored = await this.#deps.policies.get(policyId);
    const now = this.#now();
    const text = boundText(String(justification).trim(), MAX_NOTE_CHARS);
    const fields = {
      id: this.#deps.newId(),
      action: 'rotation.break-glass' as const,
      policyId,
      ...(stored ? { policyEtag: stored.etag } : {}),
      environment: stored?.policy.environment ?? 'unknown',
      body: { justification: text },
      requester: personOf(caller),
      requestedAt: now,
      // Nothing waited for approval: the request is born past its approval window, and reviews do not expire.
      expiresAt: now,
    };
    const error = 'error' in outcome ? describeError(outcome.error) : undefined;
    const result = 'result' in outcome ? outcome.result : undefined;
    const request: ChangeRequest = {
      ...fields,
      hash: changeRequestHash(fields),
      status: 'review',
      approvals: [],
      execution: { startedAt: now, leaseExpiresAt: now, attempts: 1, finishedAt: now, ...(result ? { result } : {}), ...(error ? { error } : {}) },
    };
    // The audit record first: should anything after it fail, the break-glass is still on record.
    await this.#audit('rotation.break-glass', request, caller, `break-glass rotation (change request '${request.id}'): ${text}`, {
      ...(stored ? { vaultUrl: stored.policy.vaultUrl, secretName: stored.policy.secretName } : {}),
      ...(result?.rotationId ? { rotationId: result.rotationId } : {}),
      ...(result?.previousVersion ? { previousVersion: result.previousVersion } : {}),
      ...(result?.newVersion ? { newVersion: result.newVersion } : {}),
      ...(error ? { error } : {}),
    });
    this.#log('warn', 'rotation.break-glass', request, caller, error ? { error } : {});
    const created = await this.#deps.requests.create(request);
    if (this.#deps.alerts) {
      try {
        await this.#deps.alerts.breakGlassUsed(created.request, stored ? { vaultUrl: stored.policy.vaultUrl, secretName: stored.policy.secretName } : undefined);
      } catch (alertError) {
        this.#log('error', 'rotation.break-glass.alert-failed', request, caller, { error: describeError(alertError) });
      }
    }
    return created.request;
  }

  /** Reads, decides, writes conditionally; reads and decides again when a concurrent write won. */
  async #decide(
    id: string,
    caller: Caller,
    attempted: string,
    decide: (request: ChangeRequest, now: Date) => { next: ChangeRequest; audit: [AuditAction, string] },
  ): Promise<ChangeRequest> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.#current(id, { caller, attempted });
      const { next, audit } = decide(current.request, this.#now());
      const saved = await this.#replaceUnlessRaced(next, current.etag);
      if (!saved) {
        if (attempt >= MAX_WRITE_ATTEMPTS) throw new ConcurrencyConflictError(`change request '${id}' kept changing; try again`);
        continue;
      }
      await this.#audit(audit[0], saved.request, caller, audit[1]);
      this.#log('info', audit[0], saved.request, caller);
      return saved.request;
    }
  }

  /** The request, checked against its hash and brought up to date (see #settle). */
  async #current(id: string, acting?: { caller: Caller; attempted: string }): Promise<VersionedChangeRequest> {
    for (let attempt = 1; ; attempt++) {
      const read = await this.#deps.requests.get(id);
      if (!read) throw new NotFoundError(`change request '${id}' does not exist`);
      if (!intact(read.request)) {
        this.#log('warn', 'change-request.tampered', read.request, acting?.caller);
        if (acting) await this.#audit('change-request.tampered', read.request, acting.caller, `${acting.attempted} refused: the stored request no longer matches its hash`);
        throw new ChangeRequestTamperedError(id);
      }
      const settled = await this.#settle(read, acting?.caller);
      if (settled) return settled;
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new ConcurrencyConflictError(`change request '${id}' kept changing; try again`);
    }
  }

  /**
   * A pending request past its expiry becomes expired. An execution whose lease ran out
   * belonged to a process that died (or is very slow): it is run again, up to
   * MAX_EXECUTION_ATTEMPTS, which is why the executor must be idempotent.
   * Undefined when a concurrent write won; the caller reads again.
   */
  async #settle(current: VersionedChangeRequest, caller: Caller | undefined): Promise<VersionedChangeRequest | undefined> {
    const { request } = current;
    const now = this.#now();
    if (request.status === 'pending' && now >= request.expiresAt) {
      const why = `not approved by ${request.expiresAt.toISOString()}`;
      return this.#close(current, { status: 'expired', statusReason: why }, 'change-request.expired', caller, `${describeRequest(request)} expired: ${why}`);
    }
    const execution = request.execution;
    if (request.status !== 'executing' || !execution || now < execution.leaseExpiresAt) return current;
    if (execution.attempts >= MAX_EXECUTION_ATTEMPTS) {
      const why = `the operation did not finish in ${execution.attempts} attempts`;
      const failed = { status: 'failed' as const, statusReason: why, execution: { ...execution, finishedAt: now, error: why } };
      return this.#close(current, failed, 'change-request.failed', caller, `${describeRequest(request)} failed: ${why}; ${decidedBy(request)}`);
    }
    const resumed = await this.#replaceUnlessRaced({ ...request, execution: { ...execution, attempts: execution.attempts + 1, leaseExpiresAt: this.#leaseEnd(now) } }, current.etag);
    if (!resumed) return undefined;
    this.#log('warn', 'change-request.execution-resumed', request, caller, { attempt: execution.attempts + 1 });
    return this.#execute(resumed);
  }

  /** Runs the operation of a request this process holds in 'executing', then records how it went. */
  async #execute(claimed: VersionedChangeRequest): Promise<VersionedChangeRequest> {
    const request = claimed.request;
    let result: ExecutionResult | undefined;
    let error: string | undefined;
    try {
      result = await this.#deps.execute.execute(structuredClone(request));
    } catch (thrown) {
      error = describeError(thrown);
    }
    const now = this.#now();
    const execution = { ...request.execution!, finishedAt: now, ...(result ? { result } : {}), ...(error ? { error } : {}) };
    const next: ChangeRequest = error
      ? { ...request, status: 'failed', statusReason: error, execution, closedAt: now }
      : { ...request, status: 'executed', execution, closedAt: now };
    const saved = await this.#replaceUnlessRaced(next, claimed.etag);
    if (!saved) {
      // Our lease ran out and another process took the execution over; what it records stands.
      this.#log('warn', 'change-request.execution-overtaken', request, undefined);
      return (await this.#deps.requests.get(request.id)) ?? claimed;
    }
    const action = error ? 'change-request.failed' : 'change-request.executed';
    const what = error ? `failed: ${error}` : `executed: ${result!.summary}`;
    await this.#audit(action, saved.request, request.requester, `${describeRequest(request)} ${what}; ${decidedBy(request)}`, {
      ...(result?.rotationId ? { rotationId: result.rotationId } : {}),
      ...(result?.previousVersion ? { previousVersion: result.previousVersion } : {}),
      ...(result?.newVersion ? { newVersion: result.newVersion } : {}),
      ...(error ? { error } : {}),
    });
    this.#log(error ? 'error' : 'info', action, saved.request, undefined, error ? { error } : {});
    return saved;
  }

  /** Moves a request to a status nobody decided on (void, expired, failed), audited. Undefined when a concurrent write won. */
  async #close(
    current: VersionedChangeRequest,
    change: Partial<ChangeRequest> & { status: ChangeRequestStatus },
    action: AuditAction,
    caller: Person | undefined,
    reason: string,
  ): Promise<VersionedChangeRequest | undefined> {
    const now = this.#now();
    const saved = await this.#replaceUnlessRaced({ ...current.request, ...change, closedAt: now }, current.etag);
    if (!saved) return undefined;
    await this.#audit(action, saved.request, caller ?? GOVERNANCE_ACTOR, reason);
    this.#log('info', action, saved.request, caller);
    return saved;
  }

  /** Why the request can no longer run as approved: its policy moved on since it was made. */
  async #voidReason(request: ChangeRequest): Promise<string | undefined> {
    const stored = await this.#deps.policies.get(request.policyId);
    if (request.action === 'policy.create') return stored ? `policy '${request.policyId}' was created since the request` : undefined;
    if (!stored) return `policy '${request.policyId}' was deleted since the request`;
    if (stored.etag !== request.policyEtag) return `policy '${request.policyId}' was changed since the request (its ETag moved)`;
    return undefined;
  }

  async #replaceUnlessRaced(next: ChangeRequest, etag: string): Promise<VersionedChangeRequest | undefined> {
    try {
      return await this.#deps.requests.replace(next, etag);
    } catch (error) {
      if (error instanceof ConcurrencyConflictError) return undefined;
      throw error;
    }
  }

  async #audit(action: AuditAction, request: ChangeRequest, actor: Person | string, reason: string, extra: Partial<AuditRecord> = {}): Promise<void> {
    await this.#deps.audit.append({
      id: this.#deps.newId(),
      at: this.#now(),
      action,
      policyId: request.policyId,
      ...actorFields(typeof actor === 'string' ? actor : { oid: actor.oid, displayName: actor.displayName, ...(actor as Partial<Caller>).origin }),
      reason,
      ...extra,
    });
  }

  #log(level: 'info' | 'warn' | 'error', event: string, request: ChangeRequest, caller: Person | undefined, extra: Record<string, string | number> = {}): void {
    this.#deps.logger[level](event, {
      requestId: request.id,
      action: request.action,
      policyId: request.policyId,
      status: request.status,
      ...(caller ? { actorOid: caller.oid } : {}),
      requesterOid: request.requester.oid,
      ...extra,
    });
  }

  #now(): Date {
    return this.#deps.clock.now();
  }

  #leaseEnd(now: Date): Date {
    return new Date(now.getTime() + this.#leaseMs);
  }
}

/**
 * The stored request still hashes to its hash, every approval was given for that hash,
 * and no person appears twice or as their own approver: anything else was edited in storage.
 */
function intact(request: ChangeRequest): boolean {
  let hash: string;
  try {
    hash = changeRequestHash(request);
  } catch {
    return false;
  }
  const oids = request.approvals.map((approval) => approval.oid);
  return (
    hash === request.hash &&
    request.approvals.every((approval) => approval.hash === hash) &&
    new Set(oids).size === oids.length &&
    !oids.includes(request.requester.oid)
  );
}

/** Distinct people, other than the requester, who approved this very content. */
function approverCount(request: ChangeRequest): number {
  return new Set(request.approvals.filter((approval) => approval.hash === request.hash && approval.oid !== request.requester.oid).map((approval) => approval.oid)).size;
}

function approvalBy(caller: Caller, at: Date, hash: string, comment: string | undefined): Approval {
  return { ...personOf(caller), at, ...(comment ? { comment } : {}), hash };
}

function personOf(caller: Caller): Person {
  return { oid: caller.oid, displayName: caller.displayName };
}

function describeRequest(request: ChangeRequest): string {
  return `change request '${request.id}' (${request.action} of policy '${request.policyId}')`;
}

function decidedBy(request: ChangeRequest): string {
  const approvers = request.approvals.map(actorOf).join(', ') || 'nobody';
  return `requested by ${actorOf(request.requester)}; approved by ${approvers}`;
}

/** The refusal for a request that is no longer pending: expired and void say so in their own words. */
function notActionable(request: ChangeRequest): Error {
  if (request.status === 'expired') return new ChangeRequestExpiredError(request.id, request.expiresAt);
  if (request.status === 'void') return new ChangeRequestVoidError(request.id, request.statusReason ?? 'its policy changed since the request');
  return new ChangeRequestNotPendingError(request.id, request.status);
}

function requireRole(caller: Caller, role: AppRole, doing: string): void {
  if (!caller.roles.has(role)) throw new ForbiddenError(`the app role '${role}' is required to ${doing}`);
}

/** The body as stored and hashed: a JSON object, normalised through its canonical JSON so that what is stored reads back the same. */
function exactBody(body: unknown): ChangeBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('the operation body must be a JSON object', [{ path: '', message: 'expected an object' }]);
  }
  let text: string;
  try {
    text = canonicalJson(body);
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) {
      throw new ValidationError('the operation body is not storable JSON (too deep or not JSON)', [{ path: '', message: 'not JSON' }]);
    }
    throw error;
  }
  if (text.length > MAX_CHANGE_BODY_CHARS) {
    throw new ValidationError(`the operation body has ${text.length} characters as JSON; a change request holds at most ${MAX_CHANGE_BODY_CHARS}`, [
      { path: '', message: 'too large' },
    ]);
  }
  return JSON.parse(text) as ChangeBody;
}

/** Free text that is audited and logged: trimmed, bounded, without control or bidi characters. */
function noteOf(text: unknown, field: string, required: boolean): string | undefined {
  if (text === undefined || text === null) {
    if (required) throw new ValidationError(`${field} is required`, [{ path: field, message: 'required' }]);
    return undefined;
  }
  if (typeof text !== 'string') throw new ValidationError(`${field} must be a string`, [{ path: field, message: 'expected a string' }]);
  const problem = unsafeTrimmedTextProblem(text);
  if (problem) throw new ValidationError(`${field} ${problem}`, [{ path: field, message: problem }]);
  const trimmed = text.trim();
  if (required && trimmed.length === 0) throw new ValidationError(`${field} must not be empty`, [{ path: field, message: 'must not be empty' }]);
  if (trimmed.length > MAX_NOTE_CHARS) throw new ValidationError(`${field} has at most ${MAX_NOTE_CHARS} characters`, [{ path: field, message: 'too long' }]);
  return trimmed || undefined;
}
