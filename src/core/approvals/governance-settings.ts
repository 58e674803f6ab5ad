/**
 * Which environments need approvals and how many. config.ts reads and validates
 * GOVERNANCE_PROTECTED_ENVIRONMENTS, GOVERNANCE_REQUIRED_APPROVALS and
 * GOVERNANCE_APPROVAL_TTL into this at start-up.
 */
import { DAY_MS } from '../durations.js';

export interface GovernanceSettings {
  protectedEnvironments: string[];
  /** Distinct approvers, the requester never among them; at least 1. */
  requiredApprovals: number;
  /** How long a request waits for its approvals. */
  approvalTtlMs: number;
}

export const DEFAULT_GOVERNANCE_SETTINGS: Readonly<GovernanceSettings> = Object.freeze({
  protectedEnvironments: ['staging', 'production'],
  requiredApprovals: 2,
  approvalTtlMs: DAY_MS,
});

/**
 * Compared trimmed and case-insensitively: a policy whose environment reads
 * 'Production' must not slip past a list that says 'production'.
 */
export function isProtectedEnvironment(settings: Pick<GovernanceSettings, 'protectedEnvironments'>, environment: string | undefined): boolean {
  if (environment === undefined) return false;
  const wanted = environment.trim().toLowerCase();
  return settings.protectedEnvironments.some((name) => name.trim().toLowerCase() === wanted);
}
