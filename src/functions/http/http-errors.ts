/**
 * Maps errors to the API's error shape, {"error":{"code","message","details"}}.
 * Only domain errors say what went wrong; anything else is a 500 whose details
 * stay in the log, under the invocation id the response carries.
 */
import type { HttpResponseInit } from '@azure/functions';
import { DomainError, ValidationError, type ErrorDetail } from '../../core/errors.js';
import { boundText } from '../../core/untrusted-text.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * Messages and details quote what the caller sent (a path is a key of their
 * body): each is escaped and bounded here too, whatever built it, so no answer
 * echoes input raw or unbounded. ValidationError caps how many details it keeps.
 */
function boundedDetails(details: ErrorDetail[]): ErrorDetail[] {
  return details.map((detail) => ({ path: boundText(detail.path, 512), message: boundText(detail.message, 512) }));
}

export function errorResponse(status: number, code: string, message: string, details: ErrorDetail[] = [], headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers, jsonBody: { error: { code, message: boundText(message, 1024), details: boundedDetails(details) } } };
}

const STATUS_BY_CODE: Record<string, number> = {
  ValidationFailed: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  RotationInProgress: 409,
  ConcurrencyConflict: 409,
  PolicyDisabled: 409,
  ChangeRequestExpired: 409,
  ChangeRequestVoid: 409,
  ChangeRequestTampered: 409,
  ChangeRequestNotPending: 409,
  AlreadyApproved: 409,
  NotProtected: 409,
  PreconditionFailed: 412,
  // The IETF Idempotency-Key draft: a key reused with another payload is unprocessable.
  IdempotencyKeyReused: 422,
  DependencyUnavailable: 503,
  DependencyRefused: 502,
};

export function toErrorResponse(error: unknown, invocationId: string): HttpResponseInit {
  if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message, error.details, error.headers);
  if (error instanceof ValidationError) return errorResponse(400, error.code, error.message, error.details);
  if (error instanceof DomainError) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    // RFC 6750: a 401 says how to authenticate.
    const headers: Record<string, string> = status === 503 ? { 'retry-after': '30' } : status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {};
    return errorResponse(status, error.code, error.message, [], headers);
  }
  return errorResponse(500, 'InternalError', `the request failed; see the logs for invocation ${invocationId}`);
}
