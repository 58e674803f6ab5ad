/** ChangeRequestStore in memory, with the Table adapter's rules: create-if-absent, replace-if-ETag-matches, listing by status oldest first. */
import { sortableInstant } from '../../../src/adapters/tables/table-keys.js';
import type { ChangeRequest, ChangeRequestStatus } from '../../../src/core/approvals/change-request.js';
import type { ChangeRequestStore, VersionedChangeRequest } from '../../../src/core/approvals/ports.js';
import { ConcurrencyConflictError } from '../../../src/core/errors.js';
import type { Page, PageOptions } from '../../../src/core/ports.js';
import { EtagSequence, FaultInjector } from './fault-injector.js';
import { pageByKey } from './in-memory-paging.js';

export type ChangeRequestStoreOperation = 'create' | 'get' | 'replace' | 'listByStatus';

export class InMemoryChangeRequestStore implements ChangeRequestStore {
  readonly faults = new FaultInjector<ChangeRequestStoreOperation>();
  readonly #requests = new Map<string, VersionedChangeRequest>();
  readonly #etags = new EtagSequence();

  failNext(operation: ChangeRequestStoreOperation, error?: Error, times?: number): void {
    this.faults.failNext(operation, error, times);
  }

  beforeNext(operation: ChangeRequestStoreOperation, hook: () => void | Promise<void>): void {
    this.faults.beforeNext(operation, hook);
  }

  /** Edits a stored request behind the service's back, as someone with write access to the table could. */
  tamper(id: string, edit: (request: ChangeRequest) => void): void {
    const stored = this.#requests.get(id);
    if (!stored) throw new Error(`no change request '${id}' to tamper with`);
    edit(stored.request);
    stored.etag = this.#etags.next();
  }

  async create(request: ChangeRequest): Promise<VersionedChangeRequest> {
    await this.faults.enter('create');
    if (this.#requests.has(request.id)) throw new ConcurrencyConflictError(`change request '${request.id}' already exists`);
    const stored = { request: structuredClone(request), etag: this.#etags.next() };
    this.#requests.set(request.id, stored);
    return structuredClone(stored);
  }

  async get(id: string): Promise<VersionedChangeRequest | undefined> {
    await this.faults.enter('get');
    const stored = this.#requests.get(id);
    return stored && structuredClone(stored);
  }

  async replace(request: ChangeRequest, expectedEtag: string): Promise<VersionedChangeRequest> {
    await this.faults.enter('replace');
    const current = this.#requests.get(request.id);
    if (!current || current.etag !== expectedEtag) throw new ConcurrencyConflictError(`change request '${request.id}' changed since it was read (stale ETag)`);
    const stored = { request: structuredClone(request), etag: this.#etags.next() };
    this.#requests.set(request.id, stored);
    return structuredClone(stored);
  }

  async listByStatus(status: ChangeRequestStatus, options: PageOptions = {}): Promise<Page<ChangeRequest>> {
    await this.faults.enter('listByStatus');
    const entries = [...this.#requests.values()]
      .filter(({ request }) => request.status === status)
      .map(({ request }): [string, ChangeRequest] => [`${sortableInstant(request.requestedAt)}:${request.id}`, request]);
    return pageByKey(entries, options, (request) => structuredClone(request));
  }
}
