/**
 * Drift between a policy's secret and the copies its followers write (keyvault-replica): a
 * replica whose current version does not carry the rotation id of the primary's current version
 * is behind. Properties only, read from the versions listings: no value is ever requested.
 */
import { z } from 'zod';
import type { ConsumerCatalog } from '../../consumers/consumer-port.js';
import { MANAGED_TAGS, type RotationPolicy } from '../../policy/policy.js';
import type { PolicyState, PolicyStateStore, SecretListing, SecretRef, SecretVersionInfo } from '../../ports.js';
import { quote } from '../../untrusted-text.js';
import { mapLimited } from '../concurrency.js';
import type { SubjectSource } from '../findings-report.js';
import { statesOf } from '../policy-states.js';
import { vaultNameOf, type GovernedScope } from '../governed-scope.js';
import type { ComplianceRule, SubjectKind } from '../rule.js';
import type { PolicyCursor } from '../sources.js';
import { replicaTargets } from '../replicas.js';

/** A follower that writes a copy of a policy's secret, and what the primary and the copy hold now. */
export interface ReplicaSubject {
  policy: RotationPolicy;
  /** The follower's name and kind, as the policy names it. */
  follower: { name: string; kind: string };
  replica: SecretRef;
  /** The primary's current version; undefined when the secret does not exist. */
  primary?: SecretVersionInfo;
  /** The replica's current version; undefined when it does not exist. */
  held?: SecretVersionInfo;
  state?: PolicyState;
}

const rotationOf = (version: SecretVersionInfo | undefined) => version?.tags[MANAGED_TAGS.rotationId];

const describeRotation = (rotationId: string | undefined) => (rotationId === undefined ? `no ${MANAGED_TAGS.rotationId} tag` : `rotation ${quote(rotationId, 64)}`);

export const replicaBehind: ComplianceRule<ReplicaSubject> = {
  id: 'drift.replica-behind',
  severity: 'high',
  description: `Each replica's current version carries the ${MANAGED_TAGS.rotationId} of the primary's current version (keyvault-replica followers).`,
  check({ policy, follower, replica, primary, held, state }) {
    if (!primary) return undefined;
    const expected = rotationOf(primary);
    if (held && expected !== undefined && rotationOf(held) === expected) return undefined;
    const where = `replica '${follower.name}' (${replica.secretName} in ${replica.vaultUrl})`;
    const holds = held ? `its current version '${held.version}' carries ${describeRotation(rotationOf(held))}` : 'it does not exist';
    const running = expected !== undefined && state?.active?.rotationId === expected;
    const message =
      `${where} is behind the primary: ${holds}, the primary's current version '${primary.version}' carries ${describeRotation(expected)}` +
      (expected === undefined ? ' (it was written outside this app)' : '') +
      (running ? `; rotation ${quote(expected, 64)} is still running and delivers to the replicas before it completes${state?.lastError ? ` (last error: ${state.lastError})` : ''}` : '');
    const rotate = `POST /api/policies/${policy.id}/rotate`;
    const fix = running
      ? `let rotation ${quote(expected, 64)} finish: it is retried within the budget, and GET /api/policies/${policy.id} shows its step and last error; if it is parked, ${rotate} resumes it`
      : `a rotation (${rotate}) writes a new version and copies it to every replica before it completes${expected === undefined ? "; find out who wrote the primary's current version first (GET /api/policies/" + policy.id + '/rotations lists out-of-band versions)' : ''}`;
    return { message, fix };
  },
};

export const REPLICA_DRIFT_RULES: readonly ComplianceRule<ReplicaSubject>[] = [replicaBehind];

export const replicaSubjects: SubjectKind<ReplicaSubject> = {
  kind: 'secret',
  describe: ({ policy, replica }) => {
    const vault = vaultNameOf(replica.vaultUrl);
    return { object: `${vault}/${replica.secretName}`, vault, secret: replica.secretName, policyId: policy.id };
  },
};

/** Key Vault listings in flight at once. */
const IN_FLIGHT = 8;
/** Replicas compared per summary batch. */
const BATCH = 100;

/**
 * Pages over policies by id: a page ends after the policy that brings it to `limit` replicas, so
 * a policy's replicas are never split over two pages.
 */
export function replicaSource(listing: SecretListing, states: PolicyStateStore, catalog: ConsumerCatalog): SubjectSource<ReplicaSubject, PolicyCursor> {
  const compare = async (policy: RotationPolicy, state: PolicyState | undefined, targets: ReturnType<typeof replicaTargets>): Promise<ReplicaSubject[]> => {
    const [primaries, helds] = await Promise.all([
      listing.newestVersions({ vaultUrl: policy.vaultUrl, secretName: policy.secretName }),
      Promise.all(targets.map(({ replica }) => listing.newestVersions(replica))),
    ]);
    // Versions written in the same second tie and either may be current: a replica is up to date only when
    // it holds the rotation of every tied primary version, so a hand-written version in that second is drift.
    // One exception: when the policy's current version is among them, a tied version an earlier rotation of
    // this app wrote is superseded, and the replica may already have moved past it into the next second.
    const current = primaries.find((version) => version.version === state?.currentVersion);
    const superseded = (version: SecretVersionInfo) => current !== undefined && version !== current && rotationOf(version) !== undefined;
    return targets.map((target, index) => {
      const tied = helds[index]!;
      const holds = (version: SecretVersionInfo) => tied.find((held) => rotationOf(held) !== undefined && rotationOf(held) === rotationOf(version));
      const unmatched = primaries.find((version) => !holds(version) && !superseded(version));
      const primary = unmatched ?? current ?? primaries.at(-1);
      const held = primary && !unmatched ? holds(primary) : tied.at(-1);
      return { policy, ...target, ...(primary ? { primary } : {}), ...(held ? { held } : {}), ...(state ? { state } : {}) };
    });
  };
  const withReplicas = (policies: readonly RotationPolicy[]) => policies.map((policy) => ({ policy, targets: replicaTargets(policy, catalog) })).filter(({ targets }) => targets.length > 0);
  const subjectsOf = async (scope: GovernedScope, policies: readonly RotationPolicy[]) => {
    const replicated = withReplicas(policies);
    const stateOf = await statesOf(scope, states, replicated.map(({ policy }) => policy.id));
    return (await mapLimited(replicated, IN_FLIGHT, ({ policy, targets }) => compare(policy, stateOf.get(policy.id), targets))).flat();
  };
  return {
    cursorSchema: z.strictObject({ after: z.string().min(1).max(64) }),
    async read(scope, cursor, limit) {
      const start = cursor ? scope.policies.findIndex((stored) => stored.policy.id > cursor.after) : 0;
      if (start === -1) return { subjects: [] };
      const chosen: RotationPolicy[] = [];
      let replicas = 0;
      let index = start;
      for (; index < scope.policies.length && replicas < limit; index++) {
        const { policy } = scope.policies[index]!;
        chosen.push(policy);
        replicas += replicaTargets(policy, catalog).length;
      }
      const subjects = await subjectsOf(scope, chosen);
      return { subjects, ...(index < scope.policies.length && chosen.length > 0 ? { next: { after: chosen[chosen.length - 1]!.id } } : {}) };
    },
    async forEachBatch(scope, visit) {
      const policies = scope.policies.map((stored) => stored.policy);
      for (let start = 0; start < policies.length; start += BATCH) visit(await subjectsOf(scope, policies.slice(start, start + BATCH)));
    },
    environmentOf: ({ policy }) => policy.environment,
  };
}
