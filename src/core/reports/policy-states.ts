/**
 * The states of a batch of the scope's policies, read with PolicyStateStore.getMany instead of
 * one read per policy. getMany reads every state from the lowest id to the highest, so the ids
 * are read in runs of the scope's id order that span at most STATE_RUN policies each: a page of
 * secrets whose policies lie far apart in a large fleet costs a read per run, never a read of
 * every state between them, and no more reads than one per policy.
 */
import type { PolicyState, PolicyStateStore } from '../ports.js';
import { mapLimited } from './concurrency.js';
import type { GovernedScope } from './governed-scope.js';

/** Policies one run spans: one page of the range query (the Table service answers up to 1,000 entities a page). */
export const STATE_RUN = 1000;
/** Runs read at once. */
const IN_FLIGHT = 4;

/** The states of these policies of the scope, by id; a policy without state has no entry. Memory: these states only. */
export async function statesOf(scope: GovernedScope, store: PolicyStateStore, policyIds: readonly string[]): Promise<Map<string, PolicyState>> {
  const read = await mapLimited(runsOf(scope, policyIds), IN_FLIGHT, (run) => store.getMany(run));
  return new Map(read.flatMap((states) => [...states].map(([id, { state }]) => [id, state] as const)));
}

/** The ids grouped by their position in the scope's id order, each group spanning fewer than STATE_RUN positions. */
function runsOf(scope: GovernedScope, policyIds: readonly string[]): string[][] {
  const positioned = [...new Set(policyIds)].map((id) => ({ id, at: positionOf(scope, id) })).sort((a, b) => a.at - b.at);
  const runs: string[][] = [];
  let start = -Infinity;
  for (const { id, at } of positioned) {
    if (at - start >= STATE_RUN) {
      runs.push([]);
      start = at;
    }
    runs.at(-1)!.push(id);
  }
  return runs;
}

/** Where the id sits in the scope's policies (sorted by id), or would sit: a binary search. */
function positionOf(scope: GovernedScope, id: string): number {
  let low = 0;
  let high = scope.policies.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (scope.policies[middle]!.policy.id < id) low = middle + 1;
    else high = middle;
  }
  return low;
}
