/**
 * Reads the audit archive back for the verification (core/audit/audit-verification.ts). Kept
 * apart from BlobAuditArchive, whose only way to change the container is a create-once write:
 * this class only lists and downloads.
 *
 * Blob names are yyyy/mm/dd/hhmmss.SSS-<record id>.json (auditBlobName), so a day is a prefix
 * and, within it, names sort in time order: a window is read day by day, oldest first.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { ArchivedAuditCopy, ArchivedAuditSlice, AuditArchiveReader } from '../../core/audit/audit-verification.js';
import { DAY_MS } from '../../core/durations.js';
import { mapBlobError } from './blob-audit-archive.js';

const NAME = /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})(\d{2})(\d{2})\.(\d{3})-(.+)\.json$/;
/** Downloads in flight at once. */
const CONCURRENCY = 8;

interface Listed {
  name: string;
  at: Date;
  idInName: string;
}

function parseName(name: string): Listed | undefined {
  const parts = NAME.exec(name);
  if (!parts) return undefined;
  const [year, month, day, hour, minute, second, ms] = parts.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
  let idInName = parts[8]!;
  try {
    idInName = decodeURIComponent(idInName);
  } catch {
    // Kept as written: the content names the id anyway.
  }
  return { name, at: new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms)), idInName };
}

function dayPrefix(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/`;
}

export class BlobAuditArchiveReader implements AuditArchiveReader {
  readonly #container: ContainerClient;

  constructor(container: ContainerClient) {
    this.#container = container;
  }

  async read(from: Date, to: Date, limit: number): Promise<ArchivedAuditSlice> {
    const { listed, through } = await this.#list(from, to, limit);
    const copies: ArchivedAuditCopy[] = new Array(listed.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < listed.length; i = next++) copies[i] = await this.#download(listed[i]!);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, listed.length) }, worker));
    return through ? { copies, through } : { copies };
  }

  async #list(from: Date, to: Date, limit: number): Promise<{ listed: Listed[]; through?: Date }> {
    const listed: Listed[] = [];
    const lastDay = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
    try {
      for (let day = Math.floor(from.getTime() / DAY_MS) * DAY_MS; day <= lastDay; day += DAY_MS) {
        for await (const blob of this.#container.listBlobsFlat({ prefix: dayPrefix(day) })) {
          const entry = parseName(blob.name);
          if (!entry || entry.at.getTime() < from.getTime()) continue;
          if (entry.at.getTime() > to.getTime()) return { listed };
          const last = listed.at(-1);
          // Full, and this copy starts a new millisecond: a clean place to stop.
          if (listed.length >= limit && last && last.at.getTime() !== entry.at.getTime()) return { listed, through: last.at };
          listed.push(entry);
        }
      }
    } catch (error) {
      throw mapBlobError(error, `list the audit archive '${this.#container.containerName}'`);
    }
    return { listed };
  }

  async #download(entry: Listed): Promise<ArchivedAuditCopy> {
    let content: string;
    try {
      content = (await this.#container.getBlockBlobClient(entry.name).downloadToBuffer()).toString('utf8');
    } catch (error) {
      throw mapBlobError(error, `read archived audit record '${entry.name}'`);
    }
    let recordId = entry.idInName;
    try {
      const id = (JSON.parse(content) as { id?: unknown }).id;
      if (typeof id === 'string') recordId = id;
    } catch {
      // Not a record: the name's id stands, and the verification reports the difference.
    }
    return { recordId, at: entry.at, content };
  }
}
