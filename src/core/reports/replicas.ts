/**
 * The copies a policy's followers write (keyvault-replica): which secrets they are, and which
 * policy writes each. A replica is governed by that policy, through its primary, not unmanaged:
 * the drift report compares it with the primary, and the compliance report does not ask it for a
 * policy of its own.
 */
import { isFollowerKind, type ConsumerCatalog } from '../consumers/consumer-port.js';
import type { RotationPolicy } from '../policy/policy.js';
import type { SecretRef } from '../ports.js';
import { secretKey, type GovernedScope } from './governed-scope.js';

/** The secrets each policy's followers write, by the follower that writes them. */
export function replicaTargets(policy: RotationPolicy, catalog: ConsumerCatalog): { follower: { name: string; kind: string }; replica: SecretRef }[] {
  const primary = { vaultUrl: policy.vaultUrl, secretName: policy.secretName };
  return (policy.consumers ?? []).flatMap((spec) => {
    const kind = catalog.get(spec.kind);
    if (!kind || !isFollowerKind(kind) || !kind.writesTo) return [];
    return kind.writesTo(spec, primary).map((replica) => ({ follower: { name: spec.name, kind: spec.kind }, replica }));
  });
}

/** The policy whose follower writes a secret as a replica; worked out once per scope. */
export type ReplicaLookup = (scope: GovernedScope, secret: SecretRef) => RotationPolicy | undefined;

export function replicaLookup(catalog: ConsumerCatalog): ReplicaLookup {
  const byScope = new WeakMap<GovernedScope, Map<string, RotationPolicy>>();
  return (scope, secret) => {
    let byKey = byScope.get(scope);
    if (!byKey) {
      byKey = new Map();
      for (const { policy } of scope.policies) {
        for (const { replica } of replicaTargets(policy, catalog)) byKey.set(secretKey(replica.vaultUrl, replica.secretName), policy);
      }
      byScope.set(scope, byKey);
    }
    return byKey.get(secretKey(secret.vaultUrl, secret.secretName));
  };
}
