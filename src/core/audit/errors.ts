/** The audit trail's errors. */
import { ConcurrencyConflictError, DomainError } from '../errors.js';
import type { AuditRecord } from '../ports.js';

/**
 * A record with this id is already in the audit log. A ConcurrencyConflictError, so callers
 * that append once (a resumed rotation's records) go on as before; it carries the record
 * stored first, so the archive can copy what the log holds, never the refused replay.
 */
export class AuditRecordExistsError extends ConcurrencyConflictError {
  constructor(
    readonly stored: AuditRecord,
    options?: { cause?: unknown },
  ) {
    super(`audit record '${stored.id}' already exists`, options);
  }
}

/**
 * The archive already holds a different record under this record's name: either the same id
 * was written twice with different content, or the archive was written by something else.
 * Never retried: it needs a person to look.
 */
export class AuditArchiveMismatchError extends DomainError {
  readonly code = 'AuditArchiveMismatch';
  readonly retryable = false;

  constructor(
    readonly recordId: string,
    readonly blobName: string,
  ) {
    super(`the audit archive already holds different content for record '${recordId}' (${blobName}); a write-once copy is never overwritten`);
  }
}
