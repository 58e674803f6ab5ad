/**
 * What the dashboard calls a policy's status, from its stored state and the change requests
 * waiting for it. One status per policy, the most pressing first; the overview counts them.
 */
import type { ChangeRequest, PolicyView } from './types.js';

export const STATUSES = ['parked', 'failing', 'waiting-for-drain', 'rotating', 'pending-approval', 'due-soon', 'healthy', 'disabled'] as const;
export type PolicyStatus = (typeof STATUSES)[number];

export const STATUS_LABELS: Readonly<Record<PolicyStatus, string>> = {
  parked: 'Parked',
  failing: 'Failing',
  'waiting-for-drain': 'Waiting for drain',
  rotating: 'Rotating',
  'pending-approval': 'Pending approval',
  'due-soon': 'Due soon',
  healthy: 'Healthy',
  disabled: 'Disabled',
};

/** A policy due within this many days is "due soon". */
export const DUE_SOON_DAYS = 7;
const DAY_MS = 86_400_000;

/**
 * Parked: the last attempt failed and no retry is scheduled (the engine schedules none once the
 * retry budget is spent, and waits for an admin). Failing: it failed and will retry.
 */
export function statusOf(view: PolicyView, pendingRequests: readonly ChangeRequest[], now: Date): PolicyStatus {
  const { state, policy } = view;
  if (policy.enabled === false) return 'disabled';
  const active = state.rotationInProgress;
  if (state.lastResult === 'failed' && !state.nextDueAt && active?.status !== 'running') return 'parked';
  if (active?.status === 'failed-will-retry' || (state.lastResult === 'failed' && state.consecutiveFailures > 0)) return 'failing';
  if (active?.status === 'waiting-for-drain') return 'waiting-for-drain';
  if (active?.status === 'running') return 'rotating';
  if (pendingRequests.some((request) => request.policyId === policy.id && request.status === 'pending')) return 'pending-approval';
  if (!state.currentVersion || (state.nextDueAt && Date.parse(state.nextDueAt) - now.getTime() <= DUE_SOON_DAYS * DAY_MS)) return 'due-soon';
  return 'healthy';
}

export function countByStatus(statuses: readonly PolicyStatus[]): Record<PolicyStatus, number> {
  const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<PolicyStatus, number>;
  for (const status of statuses) counts[status] += 1;
  return counts;
}

/** The vault's name from its URL: https://kv-payments.vault.azure.net -> kv-payments. */
export function vaultName(vaultUrl: string): string {
  try {
    return new URL(vaultUrl).hostname.split('.')[0] ?? vaultUrl;
  } catch {
    return vaultUrl;
  }
}
