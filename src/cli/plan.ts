/**
 * The plan: what applying a Secretfile would change in an environment, from the file's policies
 * and the API's. Each policy is created, replaced (with the dotted paths of the fields that
 * differ, never their values), or left unchanged; the API's policies of the same environment
 * that the file no longer makes are deleted with --prune, and listed as untracked without it.
 * Each step carries the rotation the file gives and validate's notes on it, so the plan states
 * the validFor default it chose.
 */
import { changedPaths } from '../core/admin/changed-paths.js';
import type { RotationPolicy } from '../core/policy/policy.js';
import type { SecretfilePolicy } from '../core/secretfile/index.js';
import type { PlannedChange } from './commands/api-reports.js';

export interface ApiPolicy {
  policy: RotationPolicy;
  etag: string;
}

export interface PlanStep extends PlannedChange {
  /** create and replace: the body to PUT. */
  body?: RotationPolicy;
  /** replace and delete: the ETag the plan saw, sent as If-Match so a change since then is refused (412). */
  etag?: string;
}

export interface Plan {
  steps: PlanStep[];
  untracked: string[];
}

/** Environments compare without regard to case, as GOVERNANCE_PROTECTED_ENVIRONMENTS does. */
const key = (environment: string) => environment.toLowerCase();

/**
 * `environments`: the environments this run governs (the file's policies', and the profile's
 * name): only the API's policies in one of them can be untracked or pruned, so a staging plan
 * never deletes production's policies.
 */
export function computePlan(filePolicies: readonly SecretfilePolicy[], apiPolicies: readonly ApiPolicy[], options: { prune: boolean; environments: readonly string[] }): Plan {
  const byId = new Map(apiPolicies.map((stored) => [stored.policy.id, stored]));
  const steps: PlanStep[] = filePolicies.map(({ policy, source, validForDefault, neverRotated, notes }): PlanStep => {
    const existing = byId.get(policy.id);
    const base = {
      policyId: policy.id,
      vaultUrl: policy.vaultUrl,
      secretName: policy.secretName,
      environment: policy.environment,
      source: { file: source.file, line: source.line, column: source.column, path: source.path },
      rotation: { every: policy.rotation.every, validFor: policy.rotation.validFor, validForDefault, neverRotated },
      notes,
    };
    if (!existing) return { action: 'create', ...base, changedFields: [], body: policy };
    // Both sides have been through parsePolicy; JSON compares what the API would store.
    const changed = changedPaths(JSON.parse(JSON.stringify(existing.policy)), JSON.parse(JSON.stringify(policy)));
    return changed.length === 0 ? { action: 'unchanged', ...base, changedFields: [] } : { action: 'replace', ...base, changedFields: changed, body: policy, etag: existing.etag };
  });
  const inFile = new Set(filePolicies.map(({ policy }) => policy.id));
  const scope = new Set(options.environments.map(key));
  const stray = apiPolicies.filter(({ policy }) => !inFile.has(policy.id) && scope.has(key(policy.environment))).sort((a, b) => a.policy.id.localeCompare(b.policy.id));
  if (!options.prune) return { steps, untracked: stray.map(({ policy }) => policy.id) };
  const deletions = stray.map(({ policy, etag }): PlanStep => ({ action: 'delete', policyId: policy.id, vaultUrl: policy.vaultUrl, secretName: policy.secretName, environment: policy.environment, changedFields: [], source: null, rotation: null, notes: [], etag }));
  return { steps: [...steps, ...deletions], untracked: [] };
}

export function summarize(steps: readonly PlannedChange[]): { create: number; replace: number; delete: number; unchanged: number } {
  const count = (action: PlannedChange['action']) => steps.filter((step) => step.action === action).length;
  return { create: count('create'), replace: count('replace'), delete: count('delete'), unchanged: count('unchanged') };
}

/** A step as --json prints it: no body, no ETag. */
export function publicStep({ body: _body, etag: _etag, ...step }: PlanStep): PlannedChange {
  return step;
}
