/**
 * The audit archive in Blob Storage: each record is its own block blob, created once.
 *
 * One block blob per record rather than one append blob per day: a conditional create
 * (If-None-Match: *) makes each write idempotent and race-free across instances, and a replay
 * can be compared with what is there; an append blob would take a replay as a second copy,
 * needs its appends serialised, and stops at 50,000 blocks (a busy day). Under a time-based
 * retention policy, creating new blobs stays allowed while overwriting and deleting are
 * refused, so infra/modules/storage.bicep leaves allowProtectedAppendWrites (and ...All) off.
 *
 * Names: yyyy/mm/dd/hhmmss.SSS-<record id>.json (UTC, the record's time), so a day of the
 * trail is a prefix and lists in time order. This adapter has no way to overwrite or delete
 * a blob, and asks the service never to overwrite one; in Azure the container's immutability
 * policy refuses both to anyone, this app included, until retention ends.
 */
import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { ContainerClient } from '@azure/storage-blob';
import { AuditArchiveMismatchError } from '../../core/audit/errors.js';
import { canonicalAuditRecord } from '../../core/audit/record-fields.js';
import { DomainError, PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import type { AuditArchive, AuditRecord } from '../../core/ports.js';

/** Blob names hold up to 1,024 characters; an id that would not fit is named by its hash. */
const MAX_ID_IN_NAME = 900;

export function auditBlobName(record: Pick<AuditRecord, 'id' | 'at'>): string {
  const iso = record.at.toISOString(); // 2026-04-01T12:34:56.789Z
  const day = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`;
  const time = `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}.${iso.slice(20, 23)}`;
  const encoded = encodeURIComponent(record.id);
  const id = encoded.length <= MAX_ID_IN_NAME ? encoded : `sha256-${createHash('sha256').update(record.id, 'utf8').digest('hex')}`;
  return `${day}/${time}-${id}.json`;
}

/** The record as JSON, its fields in a fixed order, so the same record always reads the same. */
export function auditBlobContent(record: AuditRecord): string {
  return canonicalAuditRecord(record);
}

/** The subset of the app's storage settings the archive needs (structurally the config's StorageConnection). */
export type AuditArchiveStorage =
  | { kind: 'identity'; blobServiceUri?: string }
  | { kind: 'local-connection-string'; connectionString: string };

/** The archive container: through the managed identity and the blob endpoint in Azure, a connection string locally. */
export function auditArchiveContainer(storage: AuditArchiveStorage, credential: TokenCredential, containerName: string): ContainerClient {
  if (storage.kind === 'local-connection-string') return new ContainerClient(storage.connectionString, containerName);
  if (!storage.blobServiceUri) throw new Error('AzureWebJobsStorage__blobServiceUri is not set: the audit archive needs the blob endpoint');
  return new ContainerClient(`${storage.blobServiceUri.replace(/\/$/, '')}/${containerName}`, credential);
}

function statusOf(error: unknown): number | undefined {
  // Duck-typed: several copies of @azure/core-rest-pipeline can coexist, so instanceof is unreliable.
  return error instanceof Error && error.name === 'RestError' ? (error as { statusCode?: number }).statusCode : undefined;
}

export function mapBlobError(error: unknown, operation: string): Error {
  if (error instanceof DomainError) return error;
  const status = statusOf(error);
  const message = `${operation} failed: Blob Storage ${status ?? 'network error'}`;
  if (status === undefined || status === 408 || status === 429 || status >= 500) return new TransientDependencyError(message, { cause: error });
  return new PermanentDependencyError(message, { cause: error });
}

export class BlobAuditArchive implements AuditArchive {
  readonly #container: ContainerClient;

  constructor(container: ContainerClient) {
    this.#container = container;
  }

  /**
   * For the local stand-ins only. In Azure the container is deployed with its immutability
   * policy; one this app created would have none, so the app never creates it there.
   */
  async createIfMissing(): Promise<void> {
    try {
      await this.#container.createIfNotExists();
    } catch (error) {
      throw mapBlobError(error, `create container '${this.#container.containerName}'`);
    }
  }

  async write(record: AuditRecord): Promise<void> {
    const name = auditBlobName(record);
    const content = auditBlobContent(record);
    const blob = this.#container.getBlockBlobClient(name);
    try {
      await blob.upload(content, Buffer.byteLength(content, 'utf8'), {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
      });
      return;
    } catch (error) {
      if (statusOf(error) !== 409) throw mapBlobError(error, `archive audit record '${record.id}'`);
    }
    // Already there: a replay if the content is the same, a loud error if it is not.
    let existing: string;
    try {
      existing = (await blob.downloadToBuffer()).toString('utf8');
    } catch (error) {
      throw mapBlobError(error, `read archived audit record '${record.id}'`);
    }
    if (existing !== content) throw new AuditArchiveMismatchError(record.id, name);
  }
}
