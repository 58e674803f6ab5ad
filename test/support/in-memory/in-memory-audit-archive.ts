/** AuditArchive in memory: write-once by name (the Blob adapter's), a replay a no-op, different content refused. */
import { auditBlobContent, auditBlobName } from '../../../src/adapters/blobs/blob-audit-archive.js';
import { AuditArchiveMismatchError } from '../../../src/core/audit/errors.js';
import type { AuditArchive, AuditRecord } from '../../../src/core/ports.js';
import { FaultInjector } from './fault-injector.js';

export class InMemoryAuditArchive implements AuditArchive {
  readonly faults = new FaultInjector<'write'>();
  readonly #blobs = new Map<string, string>();

  failNext(error?: Error, times?: number): void {
    this.faults.failNext('write', error, times);
  }

  /** Every archived record, by name, as written. */
  contents(): Map<string, string> {
    return new Map(this.#blobs);
  }

  async write(record: AuditRecord): Promise<void> {
    await this.faults.enter('write');
    const name = auditBlobName(record);
    const content = auditBlobContent(record);
    const existing = this.#blobs.get(name);
    if (existing === undefined) this.#blobs.set(name, content);
    else if (existing !== content) throw new AuditArchiveMismatchError(record.id, name);
  }
}
