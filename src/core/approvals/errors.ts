/**
 * Why a change request cannot be decided on. All are 409s over HTTP and none is
 * retryable: the request is in a state no retry changes. Refusals of the caller
 * (self-approval, a cancel by someone else) are ForbiddenErrors from ../errors.ts.
 */
import { DomainError } from '../errors.js';
import type { ChangeRequestStatus } from './change-request.js';

/** The request's time ran out before it had its approvals; it is now 'expired'. */
export class ChangeRequestExpiredError extends DomainError {
  readonly code = 'ChangeRequestExpired';
  readonly retryable = false;

  constructor(
    readonly requestId: string,
    expiresAt: Date,
  ) {
    super(`change request '${requestId}' expired at ${expiresAt.toISOString()}; request the change again`);
  }
}

/** The policy changed (or appeared, or went) since the request was made; it is now 'void'. */
export class ChangeRequestVoidError extends DomainError {
  readonly code = 'ChangeRequestVoid';
  readonly retryable = false;

  constructor(
    readonly requestId: string,
    why: string,
  ) {
    super(`change request '${requestId}' is void: ${why}; request the change again against the current policy`);
  }
}

/** The stored request no longer matches its hash, or carries an approval of other content: someone edited it in storage. */
export class ChangeRequestTamperedError extends DomainError {
  readonly code = 'ChangeRequestTampered';
  readonly retryable = false;

  constructor(readonly requestId: string) {
    super(`change request '${requestId}' no longer matches the hash it was requested with; it cannot be acted on`);
  }
}

/** This person's approval (or review) is already counted. */
export class AlreadyApprovedError extends DomainError {
  readonly code = 'AlreadyApproved';
  readonly retryable = false;

  constructor(readonly requestId: string) {
    super(`you have already approved change request '${requestId}'; another person must approve it`);
  }
}

/** The request is past the point where this decision applies (executed, rejected, being executed...). */
export class ChangeRequestNotPendingError extends DomainError {
  readonly code = 'ChangeRequestNotPending';
  readonly retryable = false;

  constructor(
    readonly requestId: string,
    readonly status: ChangeRequestStatus,
    expected: ChangeRequestStatus = 'pending',
  ) {
    super(`change request '${requestId}' is ${status}, not ${expected}`);
  }
}

/** Break-glass is for protected policies only; any other is rotated with an ordinary on-demand rotation. */
export class NotProtectedError extends DomainError {
  readonly code = 'NotProtected';
  readonly retryable = false;

  constructor(readonly policyId: string) {
    super(`policy '${policyId}' is not in a protected environment: rotate it with POST /api/policies/${policyId}/rotate`);
  }
}
