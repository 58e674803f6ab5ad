/**
 * Seeds many stored policies the fastest honest way: the rows the app writes for each (the policy
 * and its secret's index entry, its state, its schedule entry), built by the adapters' own
 * mapping, but written in entity-group transactions of 100 rows where a partition allows it.
 * Policies and index entries share the 'policy' partition and schedule entries the 'due' one, so
 * both go 100 rows a request; a state is its own partition, so states go one request each, many
 * at once, through the state store's own save.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { TableAdapters } from '../../src/adapters/tables/index.js';
import { newPolicyRows } from '../../src/adapters/tables/table-policy-repository.js';
import type { RotationPolicy } from '../../src/core/policy/policy.js';
import type { PolicyState } from '../../src/core/ports.js';

/** Entity-group transactions hold at most 100 operations. */
const TRANSACTION_ROWS = 100;

export interface SeededPolicy {
  policy: RotationPolicy;
  /** The policy's state; its nextDueAt is also its schedule entry. */
  state: PolicyState & { nextDueAt: Date };
}

export interface SeedOptions {
  /** createdAt and updatedAt of every policy. */
  at: Date;
  /** Requests in flight at once. Default 16. */
  concurrency?: number;
  onProgress?: (line: string) => void;
}

export interface SeedTimes {
  policiesSeconds: number;
  statesSeconds: number;
  scheduleSeconds: number;
  totalSeconds: number;
  transactions: number;
  singleWrites: number;
}

async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/** `policiesTable` is the client of `tables.names.policies`: transactions go to it directly. */
export async function seedPolicies(tables: TableAdapters, policiesTable: TableClient, seeded: readonly SeededPolicy[], options: SeedOptions): Promise<SeedTimes> {
  const concurrency = options.concurrency ?? 16;
  const progress = options.onProgress ?? (() => {});
  const started = performance.now();

  // Each policy's two rows stay in one transaction, as put() writes them together.
  const rows = seeded.flatMap(({ policy }) => newPolicyRows(policy, options.at));
  const transactions = chunks(rows, TRANSACTION_ROWS);
  let done = 0;
  await inParallel(transactions, concurrency, async (batch) => {
    await policiesTable.submitTransaction(batch.map((row): TransactionAction => ['create', row]));
    if (++done % 200 === 0) progress(`  policies: ${(done * TRANSACTION_ROWS) / 2} of ${seeded.length}, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  });
  const policiesDone = performance.now();

  done = 0;
  await inParallel(seeded, concurrency, async ({ state }) => {
    await tables.states.save(state, undefined);
    if (++done % 20_000 === 0) progress(`  states: ${done} of ${seeded.length}, ${((performance.now() - policiesDone) / 1000).toFixed(0)} s`);
  });
  const statesDone = performance.now();

  // addMany writes transactions of 100, one after another; several run at once here.
  done = 0;
  await inParallel(chunks(seeded, TRANSACTION_ROWS), concurrency, async (batch) => {
    await tables.schedule.addMany(batch.map(({ policy, state }) => ({ policyId: policy.id, dueAt: state.nextDueAt })));
    if (++done % 200 === 0) progress(`  schedule entries: ${done * TRANSACTION_ROWS} of ${seeded.length}, ${((performance.now() - statesDone) / 1000).toFixed(0)} s`);
  });
  const scheduleDone = performance.now();

  return {
    policiesSeconds: (policiesDone - started) / 1000,
    statesSeconds: (statesDone - policiesDone) / 1000,
    scheduleSeconds: (scheduleDone - statesDone) / 1000,
    totalSeconds: (scheduleDone - started) / 1000,
    transactions: transactions.length + Math.ceil(seeded.length / TRANSACTION_ROWS),
    singleWrites: seeded.length,
  };
}
