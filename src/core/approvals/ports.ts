/** The ports change requests need: where they are kept, and what runs one once it is approved. */
import type { Page, PageOptions, SecretRef } from '../ports.js';
import type { ChangeRequest, ChangeRequestStatus, ExecutionResult } from './change-request.js';

export interface VersionedChangeRequest {
  request: ChangeRequest;
  etag: string;
}

export interface ChangeRequestStore {
  /** Throws ConcurrencyConflictError when a request with this id exists. */
  create(request: ChangeRequest): Promise<VersionedChangeRequest>;
  get(id: string): Promise<VersionedChangeRequest | undefined>;
  /**
   * Replaces the request only if its ETag still matches, moving it between status listings in
   * the same write. Throws ConcurrencyConflictError on a stale ETag or a request that is gone:
   * of concurrent replaces from one ETag exactly one lands.
   */
  replace(request: ChangeRequest, expectedEtag: string): Promise<VersionedChangeRequest>;
  /** Requests in one status, oldest request first, without reading requests in other statuses. */
  listByStatus(status: ChangeRequestStatus, options?: PageOptions): Promise<Page<ChangeRequest>>;
}

/**
 * Runs an approved request's operation: the composition root implements it with
 * PolicyAdmin (create, replace, delete, enable, disable) and RotationEngine (rotate).
 *
 * At least once, not exactly once: a process that dies after the operation and before the
 * request is marked executed leaves it 'executing', and once the execution lease has passed the
 * next approve or get runs it again. So an implementation must be idempotent under the request
 * id: a rotation passes `change-request:<id>` as its idempotency key (a repeat replays the
 * rotation's outcome); a policy write is conditional on `request.policyEtag` and, when that ETag
 * has moved, reports success if the policy already is what the request asked for (already
 * deleted, already equal to the body) instead of failing or writing again.
 * Throwing marks the request failed with a value-free description of the error.
 */
export interface ChangeExecutor {
  execute(request: ChangeRequest): Promise<ExecutionResult>;
}

/**
 * Where a break-glass rotation is announced (an Event Grid event the alert rule listens to),
 * so that someone hears of it at once rather than when they next read the audit.
 */
export interface BreakGlassAlerts {
  /** `secret` is the policy's secret when the policy still exists. */
  breakGlassUsed(request: ChangeRequest, secret: SecretRef | undefined): Promise<void>;
}
