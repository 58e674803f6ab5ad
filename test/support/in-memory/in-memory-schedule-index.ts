/** ScheduleIndex in memory: entries keyed by (dueAt, policyId), listed oldest first page by page. */
import type { DueEntry, ScheduleIndex } from '../../../src/core/ports.js';
import { sortableInstant } from '../../../src/adapters/tables/table-keys.js';
import { FaultInjector } from './fault-injector.js';

export type ScheduleIndexOperation = 'add' | 'remove' | 'listDue';

const PAGE_SIZE = 1000;

function keyOf(entry: DueEntry): string {
  return `${sortableInstant(entry.dueAt)}|${entry.policyId}`;
}

export class InMemoryScheduleIndex implements ScheduleIndex {
  readonly faults = new FaultInjector<ScheduleIndexOperation>();
  readonly #entries = new Map<string, DueEntry>();

  failNext(operation: ScheduleIndexOperation, error?: Error, times?: number): void {
    this.faults.failNext(operation, error, times);
  }

  beforeNext(operation: ScheduleIndexOperation, hook: () => void | Promise<void>): void {
    this.faults.beforeNext(operation, hook);
  }

  /** Every entry, oldest first; for assertions. */
  entries(): DueEntry[] {
    return [...this.#entries.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, entry]) => ({ ...entry, dueAt: new Date(entry.dueAt) }));
  }

  async add(entry: DueEntry): Promise<void> {
    await this.faults.enter('add');
    this.#entries.set(keyOf(entry), { policyId: entry.policyId, dueAt: new Date(entry.dueAt) });
  }

  async addMany(entries: Iterable<DueEntry>): Promise<void> {
    for (const entry of entries) await this.add(entry);
  }

  async remove(entry: DueEntry): Promise<void> {
    await this.faults.enter('remove');
    this.#entries.delete(keyOf(entry));
  }

  /** Reads a page at a time like the service does: changes behind the cursor are not seen, changes ahead are. */
  async *listDue(until: Date): AsyncIterable<DueEntry> {
    await this.faults.enter('listDue');
    const end = sortableInstant(new Date(until.getTime() + 1));
    let after = '';
    for (;;) {
      const keys = [...this.#entries.keys()].filter((key) => key > after && key < end).sort().slice(0, PAGE_SIZE);
      const page = keys.map((key) => ({ key, entry: this.#entries.get(key) as DueEntry }));
      for (const { entry } of page) yield { policyId: entry.policyId, dueAt: new Date(entry.dueAt) };
      const last = keys.at(-1);
      if (keys.length < PAGE_SIZE || last === undefined) return;
      after = last;
      await Promise.resolve();
    }
  }
}
