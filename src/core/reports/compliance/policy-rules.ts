/**
 * Rules over each policy: what its rotations would write must pass the secret rules, and
 * ours: rotation well before the near-expiry window, and long generated passwords in
 * protected environments. POST /api/policy-check runs these over a policy before it is stored,
 * and also policy.content-type (POLICY_CHECK_RULES).
 */
import { DAY_MS, formatDuration, parseDuration } from '../../durations.js';
import type { GeneratorSpec } from '../../generators/generator-spec.js';
import { loginConsumersOf, type RotationPolicy } from '../../policy/policy.js';
import { NEAR_EXPIRY_WINDOW_MS } from '../../policy/schedule.js';
import { contentTypeFor } from '../../policy/written-version.js';
import { quote } from '../../untrusted-text.js';
import type { ComplianceRule } from '../rule.js';

function days(text: string): number {
  return parseDuration(text).milliseconds;
}

/** A static policy writes nothing: its secret is set elsewhere, so rules about what rotations write do not apply. */
function writesVersions(policy: RotationPolicy): boolean {
  return policy.generator.kind !== 'static';
}

function put(policy: RotationPolicy): string {
  return `PUT /api/policies/${policy.id}`;
}

export const rotationMargin: ComplianceRule<RotationPolicy> = {
  id: 'policy.rotation-margin',
  severity: 'medium',
  description:
    "rotation.validFor exceeds rotation.every by at least Key Vault's 30-day near-expiry window (or minDaysBeforeExpiry, if longer), so a version is replaced on schedule before it is near expiry.",
  check(policy, { parameters }) {
    if (!writesVersions(policy)) return undefined;
    const marginMs = Math.max(NEAR_EXPIRY_WINDOW_MS, parameters.minDaysBeforeExpiry * DAY_MS);
    const margin = days(policy.rotation.validFor) - days(policy.rotation.every);
    if (margin >= marginMs) return undefined;
    return {
      message: `validFor (${policy.rotation.validFor}) exceeds every (${policy.rotation.every}) by ${formatDuration(Math.max(0, margin))}, less than ${formatDuration(marginMs)}: each version is near expiry before it is due, so it rotates on SecretNearExpiry rather than on schedule and spends days under the expiry threshold`,
      fix: `set rotation.validFor to ${formatDuration(days(policy.rotation.every) + marginMs)} or more, or shorten rotation.every (${put(policy)})`,
      parameters: { marginDays: marginMs / DAY_MS },
    };
  },
};

export const policyMaximumValidity: ComplianceRule<RotationPolicy> = {
  id: 'policy.maximum-validity',
  severity: 'medium',
  description: 'rotation.validFor is at most maxValidityDays, so every version the policy writes passes secret.maximum-validity.',
  check(policy, { parameters }) {
    if (!writesVersions(policy)) return undefined;
    if (days(policy.rotation.validFor) <= parameters.maxValidityDays * DAY_MS) return undefined;
    return {
      message: `validFor (${policy.rotation.validFor}) is longer than the ${parameters.maxValidityDays} days a version may be valid in environment ${quote(policy.environment)}`,
      fix: `set rotation.validFor to ${parameters.maxValidityDays}d or less, and rotation.every to at most ${Math.max(1, parameters.maxValidityDays - 30)}d (${put(policy)})`,
      parameters: { maxValidityDays: parameters.maxValidityDays },
    };
  },
};

export const policyMaximumActiveDays: ComplianceRule<RotationPolicy> = {
  id: 'policy.maximum-active-days',
  severity: 'medium',
  description: 'A version is replaced (at rotation.every, or validFor minus the near-expiry window if sooner) within maxActiveDays, so the secret passes secret.maximum-active-days.',
  check(policy, { parameters }) {
    if (!writesVersions(policy)) return undefined;
    const replacedAfter = Math.min(days(policy.rotation.every), days(policy.rotation.validFor) - NEAR_EXPIRY_WINDOW_MS);
    if (replacedAfter <= parameters.maxActiveDays * DAY_MS) return undefined;
    return {
      message: `each version stays current for ${formatDuration(replacedAfter)}, more than the ${parameters.maxActiveDays} days allowed in environment ${quote(policy.environment)}`,
      fix: `set rotation.every to ${parameters.maxActiveDays}d or less (${put(policy)})`,
      parameters: { maxActiveDays: parameters.maxActiveDays },
    };
  },
};

/** The lengths of the passwords a generator makes: random_password anywhere; random_string too when consumers sign in with it. */
export function passwordLengths(generator: GeneratorSpec, hasConsumers: boolean): number[] {
  switch (generator.kind) {
    case 'random_password':
      return [generator.length];
    case 'random_string':
      return hasConsumers ? [generator.length] : [];
    case 'template':
      return Object.values(generator.fields).flatMap((field) => ('kind' in field && field.kind === 'random_password' ? [field.length] : []));
    default:
      return [];
  }
}

export const passwordLength: ComplianceRule<RotationPolicy> = {
  id: 'policy.password-length',
  severity: 'high',
  description: 'Generated passwords have at least minPasswordLength characters (24 in protected environments by default).',
  check(policy, { parameters }) {
    if (parameters.minPasswordLength <= 0) return undefined;
    const lengths = passwordLengths(policy.generator, loginConsumersOf(policy).length > 0);
    const shortest = Math.min(...lengths);
    if (lengths.length === 0 || shortest >= parameters.minPasswordLength) return undefined;
    return {
      message: `the generator makes a password of ${shortest} characters, fewer than the ${parameters.minPasswordLength} required in environment ${quote(policy.environment)}`,
      fix: `set the generator's length to ${parameters.minPasswordLength} or more (${put(policy)})`,
      parameters: { minPasswordLength: parameters.minPasswordLength },
    };
  },
};

export const policyContentType: ComplianceRule<RotationPolicy> = {
  id: 'policy.content-type',
  severity: 'low',
  description: "Every version the policy writes has a content type (its contentType, or a template's or a credential's default), so its secret passes secret.content-type.",
  azurePolicyDefinitionId: '75262d3e-ba4a-4f43-85f8-9f72c090e5e3',
  check(policy) {
    if (!writesVersions(policy) || contentTypeFor(policy) !== undefined) return undefined;
    return {
      message: `the policy sets no contentType, so every version its ${policy.generator.kind} generator writes has none and breaks secret.content-type`,
      fix: `set contentType, e.g. "text/plain" (${put(policy)})`,
    };
  },
};

/** The policy rules of the compliance report. Adding one is adding an object here. */
export const POLICY_RULES: readonly ComplianceRule<RotationPolicy>[] = [rotationMargin, policyMaximumValidity, policyMaximumActiveDays, passwordLength];

/**
 * What POST /api/policy-check runs: the policy rules, and policy.content-type, which says
 * before a policy is stored what secret.content-type would say of each secret it writes. The
 * compliance report leaves it out: there the secret carries that finding, and one problem
 * gives one finding.
 */
export const POLICY_CHECK_RULES: readonly ComplianceRule<RotationPolicy>[] = [...POLICY_RULES, policyContentType];
