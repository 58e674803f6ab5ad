/** What the compliance rules look at: a secret's current version as Key Vault lists it, or a policy. */
import type { ListedSecret } from '../../ports.js';
import type { RotationPolicy } from '../../policy/policy.js';
import type { SubjectKind } from '../rule.js';
import { vaultNameOf } from '../governed-scope.js';

export interface SecretSubject {
  secret: ListedSecret;
  /** The policy governing it, if any. */
  policy?: RotationPolicy;
  /** For a secret no policy governs: the policy whose follower writes it as a replica of its own secret. */
  replicaOf?: RotationPolicy;
}

export const secretSubjects: SubjectKind<SecretSubject> = {
  kind: 'secret',
  describe: ({ secret, policy, replicaOf }) => {
    const vault = vaultNameOf(secret.vaultUrl);
    const governing = policy ?? replicaOf;
    return { object: `${vault}/${secret.secretName}`, vault, secret: secret.secretName, ...(governing ? { policyId: governing.id } : {}) };
  },
};

export const policySubjects: SubjectKind<RotationPolicy> = {
  kind: 'policy',
  describe: (policy) => ({ object: policy.id, policyId: policy.id, vault: vaultNameOf(policy.vaultUrl), secret: policy.secretName }),
};

/** Whole days, rounded down: what a person reads as "N days". */
export function wholeDays(milliseconds: number): number {
  return Math.floor(milliseconds / 86_400_000);
}

/** Key Vault keeps whole seconds and the writer's clock may be a little off: comparisons allow this much. */
export const CLOCK_ALLOWANCE_MS = 5 * 60_000;
