/**
 * The domain's errors. Each says whether retrying can help, so a trigger knows
 * whether to let the platform retry (Event Grid, timer) or to answer 4xx.
 * Messages never contain secret values.
 */
import { boundText } from './untrusted-text.js';

export interface ErrorDetail {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Enough to name every problem of an honest body; a body with 10,000 unknown fields gets the first ones and a count. */
const MAX_DETAILS = 50;
/** Details quote input; past this many characters in all, the rest are counted, not quoted. */
const MAX_DETAILS_CHARS = 4096;

function boundedDetails(details: ErrorDetail[]): ErrorDetail[] {
  const kept: ErrorDetail[] = [];
  let chars = 0;
  for (const detail of details) {
    // A path names a key of the caller's body (a tag name may have 256 characters, and a refused one more).
    const bounded = { path: boundText(detail.path, 512), message: boundText(detail.message, 512) };
    chars += bounded.path.length + bounded.message.length;
    if (kept.length === MAX_DETAILS || (kept.length > 0 && chars > MAX_DETAILS_CHARS)) break;
    kept.push(bounded);
  }
  if (kept.length < details.length) kept.push({ path: '', message: `and ${details.length - kept.length} more problems` });
  return kept;
}

/** Input that can never succeed as given. Message and details quote that input, so each is escaped and bounded. */
export class ValidationError extends DomainError {
  readonly code = 'ValidationFailed';
  readonly retryable = false;
  readonly details: ErrorDetail[];

  constructor(message: string, details: ErrorDetail[] = []) {
    super(boundText(message, 1024));
    this.details = boundedDetails(details);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NotFound';
  readonly retryable = false;
}

/** Another rotation of the same policy holds the lease. */
export class RotationInProgressError extends DomainError {
  readonly code = 'RotationInProgress';
  readonly retryable = true;

  constructor(
    readonly policyId: string,
    readonly rotationId: string,
  ) {
    super(`policy '${policyId}' already has rotation '${rotationId}' in progress`);
  }
}

/** An optimistic-concurrency write lost a race (stale ETag, duplicate create). */
export class ConcurrencyConflictError extends DomainError {
  readonly code = 'ConcurrencyConflict';
  readonly retryable = true;
}

/** A dependency (Key Vault, Table Storage, a downstream system) failed in a way that may pass. */
export class TransientDependencyError extends DomainError {
  readonly code = 'DependencyUnavailable';
  readonly retryable = true;
}

/** A dependency refused in a way retrying will not fix (403, 400...). */
export class PermanentDependencyError extends DomainError {
  readonly code = 'DependencyRefused';
  readonly retryable = false;
}

/** The policy is switched off; nothing rotates it until it is enabled again. */
export class PolicyDisabledError extends DomainError {
  readonly code = 'PolicyDisabled';
  readonly retryable = false;

  constructor(readonly policyId: string) {
    super(`policy '${policyId}' is disabled; enable it before rotating`);
  }
}

/** A caller's If-Match did not match the stored ETag. */
export class PreconditionFailedError extends DomainError {
  readonly code = 'PreconditionFailed';
  readonly retryable = false;
}

/** Enough for any message this app writes; more is input echoed back (a 20 MB id) and is cut. */
const MAX_DESCRIPTION_CHARS = 1024;

/** Human-readable, value-free summary of any error, for state, audit and logs: escaped and bounded, since messages may quote input. */
export function describeError(error: unknown): string {
  if (error instanceof DomainError) return boundText(`${error.code}: ${error.message}`, MAX_DESCRIPTION_CHARS);
  if (error instanceof Error) return boundText(`${error.name}: ${error.message}`, MAX_DESCRIPTION_CHARS);
  return 'unknown error';
}

/** An idempotency key came back with a different request than the one it was first used for. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IdempotencyKeyReused';
  readonly retryable = false;

  constructor(readonly key: string) {
    super(`this Idempotency-Key was already used for a different request; use a new key for a new request`);
  }
}

/** No valid access token: missing, malformed, expired, badly signed or for another audience. The message says which, never the token. */
export class UnauthenticatedError extends DomainError {
  readonly code = 'Unauthenticated';
  readonly retryable = false;
}

/** A valid token without the app role this operation needs; the message names the role. */
export class ForbiddenError extends DomainError {
  readonly code = 'Forbidden';
  readonly retryable = false;
}
