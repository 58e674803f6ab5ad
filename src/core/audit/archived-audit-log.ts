/**
 * The audit log with a write-once copy: every record appended to the log is then written to
 * the archive (a blob container under a time-based immutability policy in Azure).
 *
 * Order: the log first. It is the one that decides whether an id is new (it refuses a replay,
 * even one rebuilt with another time), so the archive only ever receives what the log holds:
 * a new record, or, when the log refuses a replay, the record it stored first. Archiving the
 * caller's record before the log had accepted it could put a refused replay in a store from
 * which nothing can be removed.
 *
 * When the archive write fails: it is retried here a few times with a short backoff; if it
 * still fails, append fails (a TransientDependencyError, or the archive's own permanent error)
 * saying the record is in the log but not archived, and logs 'audit.archive-failed'. The
 * record is not lost: it is in the log, and the caller's retry of the same append, refused by
 * the log as a replay, archives the stored record then. Callers that do not retry with the
 * same id (an HTTP write the client repeats) leave the gap to catchUp, which copies a time
 * range of the log to the archive again; copying is a no-op for records already there.
 * A record the archive holds with different content is never overwritten: append fails with
 * AuditArchiveMismatchError, logged as 'audit.archive-mismatch', for a person to look at.
 */
import { DAY_MS } from '../durations.js';
import { describeError, DomainError, TransientDependencyError } from '../errors.js';
import type { Logger } from '../logger.js';
import { withFittedText } from '../stored-text.js';
import type { AuditArchive, AuditLog, AuditRecord, Page, PageOptions } from '../ports.js';
import type { AuditQuery } from './audit-query.js';
import { AuditArchiveMismatchError, AuditRecordExistsError } from './errors.js';

export interface ArchivedAuditLogOptions {
  logger: Logger;
  /** Attempts at each archive write, the first included. Default 3. */
  attempts?: number;
  /** Wait before retry `n` (1-based). Default 200 ms, then 800 ms. */
  retryDelayInMs?: (retry: number) => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ArchiveCatchUp {
  /** Records read from the log in the range. */
  read: number;
  /** Records whose archive write failed (each logged); run again to retry them. */
  failed: number;
}

/**
 * How far back the daily catch-up (src/functions/archive-audit.ts) copies the log to the
 * archive: two days, so a run that failed or was skipped is covered by the next one. A
 * record older than this that the archive lacks will not be copied any more.
 */
export const ARCHIVE_CATCH_UP_WINDOW_MS = 2 * DAY_MS;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ArchivedAuditLog implements AuditLog {
  readonly #log: AuditLog;
  readonly #archive: AuditArchive;
  readonly #logger: Logger;
  readonly #attempts: number;
  readonly #delay: (retry: number) => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(log: AuditLog, archive: AuditArchive, options: ArchivedAuditLogOptions) {
    this.#log = log;
    this.#archive = archive;
    this.#logger = options.logger;
    this.#attempts = Math.max(1, options.attempts ?? 3);
    this.#delay = options.retryDelayInMs ?? ((retry) => 200 * 4 ** (retry - 1));
    this.#sleep = options.sleep ?? defaultSleep;
  }

  async append(appended: AuditRecord): Promise<void> {
    // The table would cut a long text field and the archive would not: cut it here, so both hold one record.
    const record = withFittedText(appended);
    try {
      await this.#log.append(record);
    } catch (error) {
      // A replay: the log's own record may be the one an earlier append could not archive.
      if (error instanceof AuditRecordExistsError) await this.#archiveOrThrow(error.stored);
      throw error;
    }
    await this.#archiveOrThrow(record);
  }

  listForPolicy(policyId: string, options?: PageOptions): Promise<Page<AuditRecord>> {
    return this.#log.listForPolicy(policyId, options);
  }

  listForVault(vaultName: string, options?: PageOptions): Promise<Page<AuditRecord>> {
    return this.#log.listForVault(vaultName, options);
  }

  query(query: AuditQuery, options?: PageOptions): Promise<Page<AuditRecord>> {
    return this.#log.query(query, options);
  }

  /**
   * Copies the log's records from `from` to `to` to the archive, for a timer to run over the
   * last day or two: whatever an append could not archive gets there. Stops at a mismatch.
   */
  async catchUp(from: Date, to: Date): Promise<ArchiveCatchUp> {
    const result: ArchiveCatchUp = { read: 0, failed: 0 };
    let continuationToken: string | undefined;
    do {
      const page = await this.#log.query({ from, to }, continuationToken ? { continuationToken } : {});
      for (const record of page.items) {
        result.read++;
        try {
          await this.#archiveOrThrow(record);
        } catch (error) {
          if (error instanceof AuditArchiveMismatchError) throw error;
          result.failed++;
        }
      }
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return result;
  }

  async #archiveOrThrow(record: AuditRecord): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#archive.write(record);
        return;
      } catch (error) {
        const where = { recordId: record.id, at: record.at.toISOString(), action: record.action, policyId: record.policyId, attempt, error: describeError(error) };
        if (error instanceof AuditArchiveMismatchError) {
          this.#logger.error('audit.archive-mismatch', where);
          throw error;
        }
        const retryable = !(error instanceof DomainError) || error.retryable;
        if (!retryable || attempt >= this.#attempts) {
          this.#logger.error('audit.archive-failed', where);
          if (error instanceof DomainError && !error.retryable) throw error;
          throw new TransientDependencyError(`audit record '${record.id}' is in the audit log but not yet in the archive (${describeError(error)}); appending it again archives it`, { cause: error });
        }
        this.#logger.warn('audit.archive-retry', where);
        await this.#sleep(this.#delay(attempt));
      }
    }
  }
}
