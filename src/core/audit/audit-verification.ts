/**
 * Checks the audit log's Table copy against the write-once archive. Anyone with table data
 * rights (this app's identity included) can rewrite or delete a Table row; no one can change
 * an archived blob before its retention ends. So the archive is the reference, and for a
 * window of time this service reports, by digest of the canonical record and never by value:
 *
 *   altered     a row the audit query can show differs from the archived record;
 *   deleted     an archived record the table no longer shows where it should;
 *   unarchived  a table record older than the archive's catch-up window with no archived copy
 *               (the daily catch-up will not copy it any more: a finding);
 *   pending     a table record not archived yet but still within that window (not a finding:
 *               the append's own retry or the next catch-up archives it).
 *
 * Every copy of a record the API reads is compared: the time range (what GET /api/audit
 * reads by date) and each filter's copy (its policy's history and ?policy=, ?actor=,
 * ?action=, ?vault=, ?vault=&secret=, ?result=), each read through the AuditLog port, so
 * tampering with any one row shows, whichever the tamperer chose.
 *
 * A page covers archived records oldest first, up to pageSize of them, and every table copy
 * in the same stretch of time; the continuation token is where the next stretch starts.
 */
import { createHash } from 'node:crypto';
import { DAY_MS } from '../durations.js';
import type { Clock } from '../clock.js';
import { ValidationError } from '../errors.js';
import type { AuditLog, AuditRecord, PageOptions } from '../ports.js';
import { actorKeyOf, auditVaultName, matchesAuditQuery, type AuditQuery, type AuditWindow } from './audit-query.js';
import { resultOf } from './audit-result.js';
import { AUDIT_RECORD_FIELDS, canonicalAuditRecord } from './record-fields.js';

/** One archived record, as the archive holds it. */
export interface ArchivedAuditCopy {
  /** The id its content names (or, for content that is not a record, the id its name carries). */
  recordId: string;
  /** The time the archive filed it under (the record's own). */
  at: Date;
  /** The archived text exactly: a record's canonical JSON (canonicalAuditRecord). */
  content: string;
}

export interface ArchivedAuditSlice {
  /** Oldest first. */
  copies: ArchivedAuditCopy[];
  /** Set when the read stopped before `to`: it holds every copy up to this instant and none after it. */
  through?: Date;
}

/** Reads the archive back: the port the verification needs beside AuditArchive's write. */
export interface AuditArchiveReader {
  /**
   * Copies stamped from `from` to `to`, both inclusive, oldest first. Stops once it holds
   * `limit` copies, but never between two copies of the same millisecond (so `through` is a
   * clean cut), and says where it stopped.
   */
  read(from: Date, to: Date, limit: number): Promise<ArchivedAuditSlice>;
}

export const AUDIT_FINDING_KINDS = ['altered', 'deleted', 'unarchived', 'pending'] as const;
export type AuditFindingKind = (typeof AUDIT_FINDING_KINDS)[number];

/** Which of the table's copies a finding is about: the time range, or the copy a filter reads. */
export type AuditCopyName = 'time' | 'policy' | 'actor' | 'action' | 'vault' | 'secret' | 'result';

export interface AuditFinding {
  kind: AuditFindingKind;
  recordId: string;
  at: Date;
  /** For altered and deleted: the table copy concerned. */
  copy?: AuditCopyName;
  message: string;
}

export interface AuditVerificationPage {
  window: AuditWindow;
  /** The stretch of the window this page checked. */
  checkedFrom: Date;
  checkedTo: Date;
  /** Distinct records (archived or in the table) this page looked at. */
  checked: number;
  /** No finding but pending ones on this page. */
  intact: boolean;
  findings: AuditFinding[];
  /** Present when the window goes on past checkedTo: pass it with the same from and to. */
  continuationToken?: string;
}

export interface AuditVerificationOptions {
  log: AuditLog;
  archive: AuditArchiveReader;
  clock: Clock;
  /** How far back the daily catch-up copies the table to the archive: a record older than this with no archived copy will not get one. */
  catchUpWindowInMs: number;
}

/** Archived records one page compares by default; pageSize may ask for 1 to 1000. */
export const DEFAULT_VERIFY_PAGE_SIZE = 200;
/** Table rows one read of a copy asks for. */
const TABLE_PAGE_SIZE = 1000;

const COPY_READS: Record<AuditCopyName, string> = {
  time: 'the time range (GET /api/audit by date)',
  policy: "its policy's history (and ?policy=)",
  actor: '?actor=',
  action: '?action=',
  vault: '?vault=',
  secret: '?vault=&secret=',
  result: '?result=',
};

interface CopyQuery {
  copy: AuditCopyName;
  filter: Partial<AuditQuery>;
}

/** The filtered copies of the table a record sits in (besides the time range): audit-index-keys.ts keeps one per filter. */
function filteredCopiesOf(record: AuditRecord): CopyQuery[] {
  const copies: CopyQuery[] = [
    { copy: 'actor', filter: { actor: actorKeyOf(record) } },
    { copy: 'action', filter: { action: record.action } },
  ];
  if (record.policyId !== undefined) copies.push({ copy: 'policy', filter: { policyId: record.policyId } });
  const vaultName = auditVaultName(record);
  if (vaultName !== undefined) {
    copies.push({ copy: 'vault', filter: { vaultName } });
    if (record.secretName !== undefined) copies.push({ copy: 'secret', filter: { vaultName, secretName: record.secretName.toLowerCase() } });
  }
  const result = resultOf(record.action);
  if (result !== undefined) copies.push({ copy: 'result', filter: { result } });
  return copies;
}

export function auditRecordDigest(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

interface Archived {
  copy: ArchivedAuditCopy;
  digest: string;
  /** Undefined when the archived text is not a record (which only a changed archive could hold). */
  record: AuditRecord | undefined;
}

function recordOf(content: string): AuditRecord | undefined {
  try {
    const parsed = JSON.parse(content) as Record<string, unknown>;
    if (typeof parsed['id'] !== 'string' || typeof parsed['at'] !== 'string' || typeof parsed['action'] !== 'string') return undefined;
    const at = new Date(parsed['at']);
    return Number.isNaN(at.getTime()) ? undefined : ({ ...parsed, at } as unknown as AuditRecord);
  } catch {
    return undefined;
  }
}

/** The fields whose canonical text differs: names only, never what they hold. */
function differingFields(table: AuditRecord, archived: AuditRecord | undefined): string[] {
  if (!archived) return ['the whole record (the archived text is not a record)'];
  const text = (record: AuditRecord, field: keyof AuditRecord) => {
    const value = record[field];
    return value instanceof Date ? value.toISOString() : JSON.stringify(value);
  };
  const fields = AUDIT_RECORD_FIELDS.filter((field) => text(table, field) !== text(archived, field));
  return fields.length > 0 ? fields : ['the order or set of its fields'];
}

function encodeToken(next: Date): string {
  return Buffer.from(JSON.stringify({ from: next.toISOString() }), 'utf8').toString('base64url');
}

function decodeToken(token: string, window: AuditWindow): Date {
  let from: unknown;
  try {
    from = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { from?: unknown }).from;
  } catch {
    from = undefined;
  }
  const at = typeof from === 'string' ? new Date(from) : undefined;
  if (!at || Number.isNaN(at.getTime()) || at.getTime() < window.from.getTime() || at.getTime() > window.to.getTime()) {
    throw new ValidationError('continuationToken is not one this service issued for this window', [
      { path: 'continuationToken', message: 'malformed, or from a verification of another window: pass the from and to the answer named' },
    ]);
  }
  return at;
}

export class AuditVerification {
  readonly #log: AuditLog;
  readonly #archive: AuditArchiveReader;
  readonly #clock: Clock;
  readonly #catchUpWindowInMs: number;

  constructor(options: AuditVerificationOptions) {
    this.#log = options.log;
    this.#archive = options.archive;
    this.#clock = options.clock;
    this.#catchUpWindowInMs = options.catchUpWindowInMs;
  }

  async verify(window: AuditWindow, options: PageOptions = {}): Promise<AuditVerificationPage> {
    const start = options.continuationToken === undefined ? window.from : decodeToken(options.continuationToken, window);
    const slice = await this.#archive.read(start, window.to, options.pageSize ?? DEFAULT_VERIFY_PAGE_SIZE);
    const end = slice.through ?? window.to;
    const stretch: AuditQuery = { from: start, to: end };

    const archived = new Map<string, Archived>();
    for (const copy of slice.copies) {
      archived.set(copy.recordId, { copy, digest: auditRecordDigest(copy.content), record: recordOf(copy.content) });
    }

    const findings: AuditFinding[] = [];
    const unarchived = new Map<string, AuditRecord>();
    const seen = new Set<string>(archived.keys());
    const compare = async (copy: AuditCopyName, query: AuditQuery): Promise<AuditRecord[]> => {
      const rows = await this.#readAll(query);
      const shown = new Set<string>();
      for (const row of rows) {
        shown.add(row.id);
        seen.add(row.id);
        const reference = archived.get(row.id);
        if (!reference) {
          if (!unarchived.has(row.id)) unarchived.set(row.id, row);
          continue;
        }
        const digest = auditRecordDigest(canonicalAuditRecord(row));
        if (digest !== reference.digest) {
          findings.push({
            kind: 'altered',
            recordId: row.id,
            at: reference.copy.at,
            copy,
            message: `the table's copy read by ${COPY_READS[copy]} differs from the archived record in ${differingFields(row, reference.record).join(', ')} (sha256 ${digest.slice(0, 16)}, archived ${reference.digest.slice(0, 16)})`,
          });
        }
      }
      for (const [id, reference] of archived) {
        const expected = reference.record ? matchesAuditQuery(reference.record, query) : copy === 'time';
        if (expected && !shown.has(id)) {
          findings.push({ kind: 'deleted', recordId: id, at: reference.copy.at, copy, message: `archived, but missing from the table's copy read by ${COPY_READS[copy]}` });
        }
      }
      return rows;
    };

    const byTime = await compare('time', stretch);
    const copies = new Map<string, CopyQuery>();
    for (const record of [...[...archived.values()].flatMap((a) => (a.record ? [a.record] : [])), ...byTime]) {
      for (const copy of filteredCopiesOf(record)) copies.set(JSON.stringify(copy), copy);
    }
    for (const { copy, filter } of copies.values()) await compare(copy, { ...stretch, ...filter });

    const now = this.#clock.now().getTime();
    for (const record of unarchived.values()) {
      const late = now - record.at.getTime() > this.#catchUpWindowInMs;
      findings.push({
        kind: late ? 'unarchived' : 'pending',
        recordId: record.id,
        at: record.at,
        message: late
          ? `in the table but not archived, and older than the ${Math.round(this.#catchUpWindowInMs / DAY_MS * 10) / 10}-day catch-up window, so the daily catch-up will not archive it`
          : 'in the table, not archived yet: the daily catch-up archives it',
      });
    }

    findings.sort((a, b) => a.at.getTime() - b.at.getTime() || a.recordId.localeCompare(b.recordId) || (a.copy ?? '').localeCompare(b.copy ?? ''));
    return {
      window,
      checkedFrom: start,
      checkedTo: end,
      checked: seen.size,
      intact: findings.every((finding) => finding.kind === 'pending'),
      findings,
      ...(slice.through ? { continuationToken: encodeToken(new Date(slice.through.getTime() + 1)) } : {}),
    };
  }

  async #readAll(query: AuditQuery): Promise<AuditRecord[]> {
    const rows: AuditRecord[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.#log.query(query, { pageSize: TABLE_PAGE_SIZE, ...(continuationToken ? { continuationToken } : {}) });
      rows.push(...page.items);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return rows;
  }
}
