/**
 * Whether an audit record reports an operation that took effect or one that did not: the one
 * place the `result` filter of the audit query (and the index the Table adapter keeps for
 * it) learns it from. Derived from the action alone, so a record needs no extra field and
 * old records classify like new ones.
 */
import type { AuditAction } from '../ports.js';

export const AUDIT_RESULTS = ['success', 'failure'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

/**
 * success: an operation someone (or the scheduler) asked for took effect: a rotation
 *   completed, a policy was created, replaced or deleted, a change request was filed,
 *   approved or executed, an environment passed its smoke test.
 * failure: an operation was attempted and did not take effect, or was undone: a rotation
 *   failed, was rolled back or abandoned; an approved change request failed to execute; an
 *   environment failed its smoke test (promote refuses it).
 * none (undefined): everything else. Steps and progress (step-started/-finished, resumed,
 *   waiting-for-drain, dry-run, skipped), observations (secret.*), decisions that close a
 *   request without running it (rejected, cancelled, expired, void), detections (tampered,
 *   reviewed) and break-glass (whose outcome is in its `error` field, not its action).
 * A query filtered by result leaves records with no result out.
 */
export function resultOf(action: AuditAction): AuditResult | undefined {
  switch (action) {
    case 'rotation.succeeded':
    case 'policy.created':
    case 'policy.replaced':
    case 'policy.deleted':
    case 'change-request.created':
    case 'change-request.approved':
    case 'change-request.executed':
    case 'environment.smoke-passed':
      return 'success';
    case 'rotation.failed':
    case 'rotation.rolled-back':
    case 'rotation.abandoned':
    case 'change-request.failed':
    case 'environment.smoke-failed':
      return 'failure';
    default:
      return undefined;
  }
}
