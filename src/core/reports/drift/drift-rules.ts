/**
 * Drift: the vault against what the policy would write. Each rule says what a re-apply (a
 * rotation, POST /api/policies/{id}/rotate) would change. Replicas are compared in
 * replica-drift.ts.
 */
import { DAY_MS, formatDuration, parseDuration } from '../../durations.js';
import { MANAGED_BY_VALUE, MANAGED_TAGS, type RotationPolicy } from '../../policy/policy.js';
import { contentTypeFor, tagsFor } from '../../policy/written-version.js';
import type { ListedSecret, PolicyState } from '../../ports.js';
import { boundText, quote } from '../../untrusted-text.js';
import { CLOCK_ALLOWANCE_MS } from '../compliance/subjects.js';
import { tagValue } from '../governed-scope.js';
import type { ComplianceRule, Violation } from '../rule.js';

/** A policy and whether its secret exists in its vault. */
export interface PolicySecretSubject {
  policy: RotationPolicy;
  exists: boolean;
}

/** A secret as listed, with the policy governing it and that policy's state, if any. */
export interface DriftSecretSubject {
  secret: ListedSecret;
  policy?: RotationPolicy;
  state?: PolicyState;
  /** For a secret no policy governs: the policy whose follower writes it as a replica, which carries that policy's tags. */
  replicaOf?: RotationPolicy;
}

const ROTATE = (policy: RotationPolicy) => `POST /api/policies/${policy.id}/rotate`;

/** What a rotation now would write, in words. */
export function reapplyWrites(policy: RotationPolicy, now: Date): string {
  const expires = new Date(now.getTime() + parseDuration(policy.rotation.validFor).milliseconds);
  const contentType = contentTypeFor(policy);
  const tags = Object.keys(tagsFor(policy, '<rotation id>')).join(', ');
  return `a new version expiring ${expires.toISOString()} (validFor ${policy.rotation.validFor}), content type ${contentType ? quote(contentType) : 'none'}, tags ${tags}`;
}

function managed(subject: DriftSecretSubject): subject is DriftSecretSubject & { policy: RotationPolicy } {
  return subject.policy !== undefined;
}

function writesVersions(policy: RotationPolicy): boolean {
  return policy.generator.kind !== 'static';
}

/** Our tags naming this policy and the rotation its state knows (the last finished, or the one running). */
export function writtenByUs(secret: ListedSecret, policy: RotationPolicy, state: PolicyState | undefined): boolean {
  const tags = secret.tags;
  if (tags[MANAGED_TAGS.managedBy] !== MANAGED_BY_VALUE || tags[MANAGED_TAGS.policyId] !== policy.id) return false;
  const rotationId = tags[MANAGED_TAGS.rotationId];
  return rotationId !== undefined && (rotationId === state?.lastRotationId || rotationId === state?.active?.rotationId);
}

export const secretMissing: ComplianceRule<PolicySecretSubject> = {
  id: 'drift.secret-missing',
  severity: 'high',
  description: "The policy's secret exists in its vault.",
  check({ policy, exists }, { now }) {
    if (exists) return undefined;
    return {
      message: `policy '${policy.id}' governs '${policy.secretName}', which does not exist in ${policy.vaultUrl} (deleted, or never written)`,
      fix: !writesVersions(policy)
        ? 'a static policy never writes its secret: set it in the vault, or delete the policy'
        : `a rotation (${ROTATE(policy)}) writes ${reapplyWrites(policy, now)}${policy.enabled ? '; the next scan does this by itself' : '; the policy is disabled, so enable it first'}. If the secret is soft-deleted, recover it first`,
    };
  },
};

export const secretDisabled: ComplianceRule<DriftSecretSubject> = {
  id: 'drift.secret-disabled',
  severity: 'high',
  description: "The current version of a policy's secret is enabled (Key Vault answers 403 to every reader of a disabled current version).",
  check(subject, { now }) {
    if (!managed(subject) || subject.secret.enabled) return undefined;
    return {
      message: 'the current version is disabled: every reader gets 403',
      fix: writesVersions(subject.policy) ? `a rotation (${ROTATE(subject.policy)}) writes ${reapplyWrites(subject.policy, now)}, enabled` : 'enable the version (az keyvault secret set-attributes --enabled true): a static policy never writes one',
    };
  },
};

export const notWrittenByUs: ComplianceRule<DriftSecretSubject> = {
  id: 'drift.not-written-by-us',
  severity: 'medium',
  description: "The current version of a policy's secret was written by this app's last rotation (its managed-by, rotation-policy-id and rotation-id tags match the policy's state).",
  check(subject, { now }) {
    if (!managed(subject) || !writesVersions(subject.policy) || writtenByUs(subject.secret, subject.policy, subject.state)) return undefined;
    const rotationId = subject.secret.tags[MANAGED_TAGS.rotationId];
    const why =
      subject.secret.tags[MANAGED_TAGS.managedBy] !== MANAGED_BY_VALUE
        ? `it has no ${MANAGED_TAGS.managedBy}=${MANAGED_BY_VALUE} tag`
        : subject.secret.tags[MANAGED_TAGS.policyId] !== subject.policy.id
          ? `its ${MANAGED_TAGS.policyId} tag names ${quote(subject.secret.tags[MANAGED_TAGS.policyId] ?? '')}`
          : rotationId === undefined
            ? `it has no ${MANAGED_TAGS.rotationId} tag`
            : `its ${MANAGED_TAGS.rotationId} ${quote(rotationId)} is not the policy's last rotation (${subject.state?.lastRotationId ?? 'none yet'})`;
    return {
      message: `the current version was not written by this app: ${why}`,
      fix: `a rotation (${ROTATE(subject.policy)}) writes ${reapplyWrites(subject.policy, now)}; find out who wrote the current one first (GET /api/policies/${subject.policy.id}/rotations lists out-of-band versions)`,
    };
  },
};

/** Only versions we wrote are compared field by field: a foreign one is notWrittenByUs's finding, whose re-apply rewrites all of it. */
function comparable(subject: DriftSecretSubject): subject is DriftSecretSubject & { policy: RotationPolicy } {
  return managed(subject) && writesVersions(subject.policy) && writtenByUs(subject.secret, subject.policy, subject.state);
}

export const expiryDrift: ComplianceRule<DriftSecretSubject> = {
  id: 'drift.expiry',
  severity: 'medium',
  description: "The current version expires when the policy says: its creation plus rotation.validFor (5 minutes' allowance).",
  check(subject, { now }): Violation | undefined {
    if (!comparable(subject) || !subject.secret.createdOn) return undefined;
    const validFor = parseDuration(subject.policy.rotation.validFor).milliseconds;
    const expected = new Date(subject.secret.createdOn.getTime() + validFor);
    const actual = subject.secret.expiresOn;
    if (actual && Math.abs(actual.getTime() - expected.getTime()) <= CLOCK_ALLOWANCE_MS) return undefined;
    const off = actual ? `expires ${actual.toISOString()}, ${formatDuration(Math.abs(actual.getTime() - expected.getTime()))} ${actual > expected ? 'later' : 'earlier'} than` : 'has no expiry, unlike';
    return {
      message: `the current version ${off} its creation plus validFor ${subject.policy.rotation.validFor} (${expected.toISOString()}): the policy or the version's attributes changed after it was written`,
      fix: `a rotation (${ROTATE(subject.policy)}) writes ${reapplyWrites(subject.policy, now)}`,
      parameters: { validForDays: Math.round((validFor / DAY_MS) * 100) / 100 },
    };
  },
};

export const contentTypeDrift: ComplianceRule<DriftSecretSubject> = {
  id: 'drift.content-type',
  severity: 'low',
  description: "The current version's content type is the policy's.",
  check(subject, { now }) {
    if (!comparable(subject)) return undefined;
    const expected = contentTypeFor(subject.policy);
    const actual = subject.secret.contentType;
    if ((expected ?? '') === (actual ?? '')) return undefined;
    return {
      message: `the current version's content type is ${actual ? quote(actual) : 'not set'}, the policy's is ${expected ? quote(expected) : 'none'}`,
      fix: `a rotation (${ROTATE(subject.policy)}) writes ${reapplyWrites(subject.policy, now)}`,
    };
  },
};

export const tagsDrift: ComplianceRule<DriftSecretSubject> = {
  id: 'drift.tags',
  severity: 'low',
  description: "The current version's tags are the policy's tags plus this app's own.",
  check(subject, { now }) {
    if (!comparable(subject)) return undefined;
    const actual = subject.secret.tags;
    const expected = tagsFor(subject.policy, actual[MANAGED_TAGS.rotationId] ?? '');
    const missing = Object.keys(expected).filter((name) => !(name in actual));
    const changed = Object.keys(expected).filter((name) => name in actual && actual[name] !== expected[name]);
    const extra = Object.keys(actual).filter((name) => !(name in expected));
    if (missing.length + changed.length + extra.length === 0) return undefined;
    const names = (list: string[]) => boundText(list.map((name) => quote(name, 32)).join(', '), 300);
    const parts = [missing.length ? `missing ${names(missing)}` : '', changed.length ? `changed ${names(changed)}` : '', extra.length ? `not the policy's ${names(extra)}` : ''].filter(Boolean);
    return {
      message: `the current version's tags differ from the policy's: ${parts.join('; ')}`,
      fix: `a rotation (${ROTATE(subject.policy)}) writes ${reapplyWrites(subject.policy, now)}${extra.length ? ', dropping the tags that are not the policy\'s (add them to the policy\'s tags to keep them)' : ''}`,
    };
  },
};

export const taggedWithoutPolicy: ComplianceRule<DriftSecretSubject> = {
  id: 'drift.tagged-without-policy',
  severity: 'medium',
  description: `No secret carries this app's ${MANAGED_TAGS.managedBy}=${MANAGED_BY_VALUE} tag without a policy governing it or replicating to it.`,
  check(subject) {
    if (managed(subject) || subject.replicaOf || tagValue(subject.secret.tags, MANAGED_TAGS.managedBy) !== MANAGED_BY_VALUE) return undefined;
    const named = subject.secret.tags[MANAGED_TAGS.policyId];
    return {
      message: `the current version is tagged ${MANAGED_TAGS.managedBy}=${MANAGED_BY_VALUE}${named ? ` for policy ${quote(named)}` : ''}, but no policy governs this secret: nothing rotates it`,
      fix: `govern it again (PUT /api/policies/{id} naming this vault and secret), after which a rotation rewrites it; or, if it is no longer governed on purpose, remove the ${MANAGED_TAGS.managedBy}, ${MANAGED_TAGS.policyId} and ${MANAGED_TAGS.rotationId} tags`,
    };
  },
};

export const POLICY_DRIFT_RULES: readonly ComplianceRule<PolicySecretSubject>[] = [secretMissing];
export const SECRET_DRIFT_RULES: readonly ComplianceRule<DriftSecretSubject>[] = [secretDisabled, notWrittenByUs, expiryDrift, contentTypeDrift, tagsDrift, taggedWithoutPolicy];
