/**
 * The drift report's sections: every policy (does its secret exist? one metadata-only Key
 * Vault call each), then every secret of every governed vault as listed (its current version
 * against its policy and the policy's state), then every replica a policy's followers write
 * (its current version against the primary's).
 */
import { NO_CONSUMER_KINDS, type ConsumerCatalog } from '../../consumers/consumer-port.js';
import type { PolicyStateStore, SecretListing } from '../../ports.js';
import { policySubjects, secretSubjects } from '../compliance/subjects.js';
import { mapLimited } from '../concurrency.js';
import { RuleSection, type FindingSection, type SubjectSource } from '../findings-report.js';
import type { GovernedScope } from '../governed-scope.js';
import { statesOf } from '../policy-states.js';
import { policySource, type PolicyCursor } from '../sources.js';
import { forEachSecretPage, readSecrets, secretCursorSchema, type SecretCursor } from '../vault-secrets.js';
import { POLICY_DRIFT_RULES, SECRET_DRIFT_RULES, type DriftSecretSubject, type PolicySecretSubject } from './drift-rules.js';
import { REPLICA_DRIFT_RULES, replicaSource, replicaSubjects } from './replica-drift.js';
import { replicaLookup } from '../replicas.js';

/** Existence checks in flight at once. */
const IN_FLIGHT = 8;
const POLICY_BATCH = 100;

function policySecrets(listing: SecretListing): SubjectSource<PolicySecretSubject, PolicyCursor> {
  const check = (policies: PolicySecretSubject['policy'][]) =>
    mapLimited(policies, IN_FLIGHT, async (policy) => ({ policy, exists: await listing.exists({ vaultUrl: policy.vaultUrl, secretName: policy.secretName }) }));
  return {
    cursorSchema: policySource.cursorSchema,
    async read(scope, cursor, limit) {
      const page = await policySource.read(scope, cursor, limit);
      return { subjects: await check(page.subjects), ...(page.next ? { next: page.next } : {}) };
    },
    async forEachBatch(scope, visit) {
      for (let start = 0; start < scope.policies.length; start += POLICY_BATCH) {
        visit(await check(scope.policies.slice(start, start + POLICY_BATCH).map((stored) => stored.policy)));
      }
    },
    environmentOf: ({ policy }) => policy.environment,
  };
}

function driftSecrets(listing: SecretListing, states: PolicyStateStore, catalog: ConsumerCatalog): SubjectSource<DriftSecretSubject, SecretCursor> {
  const replicaOf = replicaLookup(catalog);
  const subjectsOf = async (scope: GovernedScope, secrets: DriftSecretSubject['secret'][]): Promise<DriftSecretSubject[]> => {
    const policies = secrets.map((secret) => scope.policyFor(secret.vaultUrl, secret.secretName)?.policy);
    const stateOf = await statesOf(scope, states, policies.flatMap((policy) => policy?.id ?? []));
    return secrets.map((secret, index): DriftSecretSubject => {
      const policy = policies[index];
      if (!policy) {
        const replicated = replicaOf(scope, secret);
        return { secret, ...(replicated ? { replicaOf: replicated } : {}) };
      }
      const state = stateOf.get(policy.id);
      return { secret, policy, ...(state ? { state } : {}) };
    });
  };
  return {
    cursorSchema: secretCursorSchema,
    async read(scope, cursor, limit) {
      const page = await readSecrets(listing, scope.vaults, cursor, limit);
      return { subjects: await subjectsOf(scope, page.secrets), ...(page.next ? { next: page.next } : {}) };
    },
    async forEachBatch(scope, visit) {
      await forEachSecretPage(listing, scope.vaults, async (secrets) => visit(await subjectsOf(scope, secrets)));
    },
    environmentOf: ({ secret }, scope) => scope.secretEnvironment(secret),
  };
}

/** `consumerKinds` tells which followers write replicas; without it no replica is compared. */
export function driftSections(listing: SecretListing, states: PolicyStateStore, consumerKinds: ConsumerCatalog = NO_CONSUMER_KINDS): FindingSection[] {
  return [
    new RuleSection('policies', { kind: 'policy', describe: ({ policy }) => policySubjects.describe(policy) }, POLICY_DRIFT_RULES, policySecrets(listing)),
    new RuleSection('secrets', { kind: 'secret', describe: ({ secret, policy }) => secretSubjects.describe({ secret, ...(policy ? { policy } : {}) }) }, SECRET_DRIFT_RULES, driftSecrets(listing, states, consumerKinds)),
    new RuleSection('replicas', replicaSubjects, REPLICA_DRIFT_RULES, replicaSource(listing, states, consumerKinds)),
  ];
}
