/**
 * A change request: an operation on a policy of a protected environment, held
 * until enough other people approve exactly it. What it will do is stored as
 * given (action, policy, ETag, body) and bound by a hash, so that what runs is
 * what was approved.
 */

export const CHANGE_ACTIONS = [
  'policy.create',
  'policy.replace',
  'policy.delete',
  'policy.enable',
  'policy.disable',
  'rotation.rotate',
  'rotation.break-glass',
] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/**
 * pending -> executing -> executed | failed; pending -> rejected | cancelled | expired | void.
 * A break-glass rotation has already run when it is recorded: review -> reviewed.
 */
export const CHANGE_REQUEST_STATUSES = ['pending', 'executing', 'executed', 'failed', 'rejected', 'cancelled', 'expired', 'void', 'review', 'reviewed'] as const;
export type ChangeRequestStatus = (typeof CHANGE_REQUEST_STATUSES)[number];

/** Statuses nothing moves out of. */
export const FINAL_STATUSES: ReadonlySet<ChangeRequestStatus> = new Set(['executed', 'failed', 'rejected', 'cancelled', 'expired', 'void', 'reviewed']);

/** A person or application, as its validated token named it. */
export interface Person {
  oid: string;
  displayName: string;
}

export interface Approval extends Person {
  at: Date;
  comment?: string;
  /** The request hash this approval was given for: an approval of other content never counts. */
  hash: string;
}

export interface Rejection extends Person {
  at: Date;
  reason?: string;
}

/** The exact input of the operation: a policy's JSON, `{reason}` for a rotation, `{justification}` for break-glass. */
export type ChangeBody = { [key: string]: unknown };

/** What the operation did, for people reading the request. Never carries a secret value. */
export interface ExecutionResult {
  /** One sentence, e.g. "policy replaced" or "rotation rot-1 succeeded". */
  summary: string;
  /** The policy's ETag after a create, replace, enable or disable. */
  policyEtag?: string;
  rotationId?: string;
  rotationStatus?: string;
  previousVersion?: string;
  newVersion?: string;
}

export interface ChangeExecution {
  startedAt: Date;
  /** Until then the execution is left to whoever started it; afterwards the next approve or get runs it again. */
  leaseExpiresAt: Date;
  attempts: number;
  finishedAt?: Date;
  result?: ExecutionResult;
  /** Value-free (describeError). */
  error?: string;
}

export interface ChangeRequest {
  id: string;
  action: ChangeAction;
  policyId: string;
  /** The policy's ETag when the request was made; absent for a create (there was no policy). */
  policyEtag?: string;
  /** The protected environment that made approval necessary (the new one when a replace moves a policy into it). */
  environment: string;
  body: ChangeBody;
  requester: Person;
  requestedAt: Date;
  /** A pending request cannot be approved from this instant. For break-glass, the instant it ran: reviews do not expire. */
  expiresAt: Date;
  /** SHA-256 (hex) of the canonical JSON of id, action, policyId, policyEtag, body, requester and expiresAt. */
  hash: string;
  status: ChangeRequestStatus;
  /** Distinct people, never the requester. For a break-glass request, its reviews. */
  approvals: Approval[];
  rejection?: Rejection;
  /** Why the request reached the status it is in, when no person's decision says it (void, expired, cancelled, failed). */
  statusReason?: string;
  /** When it reached a final status. */
  closedAt?: Date;
  execution?: ChangeExecution;
}

export function isChangeRequestStatus(value: string): value is ChangeRequestStatus {
  return (CHANGE_REQUEST_STATUSES as readonly string[]).includes(value);
}
