/** The subjects the compliance rules read: every policy, and every secret of every governed vault. */
import { z } from 'zod';
import type { SecretListing } from '../ports.js';
import type { RotationPolicy } from '../policy/policy.js';
import type { SecretSubject } from './compliance/subjects.js';
import type { SubjectSource } from './findings-report.js';
import type { GovernedScope } from './governed-scope.js';
import type { ReplicaLookup } from './replicas.js';
import { forEachSecretPage, readSecrets, secretCursorSchema, type SecretCursor } from './vault-secrets.js';

const POLICY_BATCH = 1000;

export interface PolicyCursor {
  /** The last policy id read. */
  after: string;
}

/** Policies by id, from the scope (already in memory). */
export const policySource: SubjectSource<RotationPolicy, PolicyCursor> = {
  cursorSchema: z.strictObject({ after: z.string().min(1).max(64) }),
  async read(scope, cursor, limit) {
    const start = cursor ? scope.policies.findIndex((stored) => stored.policy.id > cursor.after) : 0;
    if (start === -1) return { subjects: [] };
    const subjects = scope.policies.slice(start, start + limit).map((stored) => stored.policy);
    const more = start + limit < scope.policies.length;
    return { subjects, ...(more && subjects.length > 0 ? { next: { after: subjects[subjects.length - 1]!.id } } : {}) };
  },
  async forEachBatch(scope, visit) {
    for (let start = 0; start < scope.policies.length; start += POLICY_BATCH) visit(scope.policies.slice(start, start + POLICY_BATCH).map((stored) => stored.policy));
  },
  environmentOf: (policy) => policy.environment,
};

/** Each secret's current version in each governed vault, with the policy governing it, or writing it as a replica, if any. */
export function secretSource(listing: SecretListing, replicaOf: ReplicaLookup): SubjectSource<SecretSubject, SecretCursor> {
  const subjectOf = (scope: GovernedScope) => (secret: SecretSubject['secret']): SecretSubject => {
    const policy = scope.policyFor(secret.vaultUrl, secret.secretName)?.policy;
    if (policy) return { secret, policy };
    const replicated = replicaOf(scope, secret);
    return { secret, ...(replicated ? { replicaOf: replicated } : {}) };
  };
  return {
    cursorSchema: secretCursorSchema,
    async read(scope, cursor, limit) {
      const page = await readSecrets(listing, scope.vaults, cursor, limit);
      return { subjects: page.secrets.map(subjectOf(scope)), ...(page.next ? { next: page.next } : {}) };
    },
    forEachBatch: (scope, visit) => forEachSecretPage(listing, scope.vaults, (secrets) => visit(secrets.map(subjectOf(scope)))),
    // A replica is held to its policy's environment, as the primary is.
    environmentOf: ({ secret, replicaOf: replicated }, scope) => replicated?.environment ?? scope.secretEnvironment(secret),
  };
}
