/** The scale bench's stored policies: N valid policies, a given share of them due, spread evenly. */
import { parsePolicy } from '../../src/core/policy/policy.js';
import type { SeededPolicy } from './seed-policies.js';

const DAY_MS = 86_400_000;

export interface BenchPoliciesOptions {
  count: number;
  duePercent: number;
  vaultUrl: string;
  now: Date;
  /** Policy ids and secret names start with it. Default 'scale'. */
  prefix?: string;
}

/**
 * Each policy as PUT /api/policies would store it (parsed by parsePolicy), and the state the app
 * keeps for it: due ones a minute ago, the others spread over the next 80 days.
 */
export function benchPolicies(options: BenchPoliciesOptions): SeededPolicy[] {
  const { count, now } = options;
  const prefix = options.prefix ?? 'scale';
  const due = Math.round((count * options.duePercent) / 100);
  return Array.from({ length: count }, (_, i) => {
    // Exactly `due` of them, evenly spread: i is due when floor(i * due / count) steps up at i + 1.
    const isDue = Math.floor(((i + 1) * due) / count) > Math.floor((i * due) / count);
    const nextDueAt = new Date(isDue ? now.getTime() - 60_000 : now.getTime() + (1 + (i % 80)) * DAY_MS);
    const policy = parsePolicy({
      id: `${prefix}-${i}`,
      vaultUrl: options.vaultUrl,
      secretName: `${prefix}-${i}`,
      generator: { kind: 'random_password', length: 24 },
      rotation: { every: '90d', validFor: '120d' },
      environment: 'bench',
      owner: 'bench',
    });
    return { policy, state: { policyId: policy.id, consecutiveFailures: 0, nextDueAt } };
  });
}

export function dueCount(seeded: readonly SeededPolicy[], now: Date): number {
  return seeded.filter(({ state }) => state.nextDueAt <= now).length;
}
