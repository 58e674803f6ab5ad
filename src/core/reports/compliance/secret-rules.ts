/**
 * Rules over each secret's current version in each governed vault: the equivalents of Azure
 * Policy's built-ins for Key Vault secrets (mode Microsoft.KeyVault.Data), plus ours: a secret
 * of a protected environment has a policy. Metadata only; a value is never read.
 */
import { DAY_MS } from '../../durations.js';
import { boundText, quote } from '../../untrusted-text.js';
import type { ComplianceRule, Violation } from '../rule.js';
import { CLOCK_ALLOWANCE_MS, wholeDays, type SecretSubject } from './subjects.js';

function rotateOrSet(subject: SecretSubject, unmanaged: string): string {
  return subject.policy
    ? `rotate it (POST /api/policies/${subject.policy.id}/rotate): a rotation writes a new version with the policy's expiry (validFor ${subject.policy.rotation.validFor})`
    : unmanaged;
}

export const expiryRequired: ComplianceRule<SecretSubject> = {
  id: 'secret.expiry-required',
  severity: 'high',
  description: 'The current version has an expiration date.',
  azurePolicyDefinitionId: '98728c90-32c7-4049-8429-847dc0f4fe37',
  check(subject) {
    if (subject.secret.expiresOn) return undefined;
    return {
      message: 'the current version has no expiration date, so it is valid forever',
      fix: rotateOrSet(subject, 'set an expiration date (az keyvault secret set-attributes --expires), or govern it with a policy (PUT /api/policies/{id})'),
    };
  },
};

export const notExpired: ComplianceRule<SecretSubject> = {
  id: 'secret.expired',
  severity: 'high',
  description: 'The current version has not expired (Key Vault does not enforce expiry on reads: an expired secret is still served).',
  check(subject, { now }) {
    const expiresOn = subject.secret.expiresOn;
    if (!expiresOn || expiresOn.getTime() > now.getTime()) return undefined;
    return {
      message: `the current version expired ${wholeDays(now.getTime() - expiresOn.getTime())} days ago (${expiresOn.toISOString()})`,
      fix: rotateOrSet(subject, 'write a new version with a new value and an expiration date, then update the applications that read it, or govern it with a policy'),
    };
  },
};

export const maximumValidity: ComplianceRule<SecretSubject> = {
  id: 'secret.maximum-validity',
  severity: 'medium',
  description: "The current version's validity (expiry minus creation) is at most maxValidityDays. A secret with no expiry is secret.expiry-required's finding, not this one's.",
  azurePolicyDefinitionId: '342e8053-e12e-4c44-be01-c3c2f318400f',
  check(subject, { parameters }) {
    const { expiresOn, createdOn } = subject.secret;
    if (!expiresOn || !createdOn) return undefined;
    const validity = expiresOn.getTime() - createdOn.getTime();
    if (validity <= parameters.maxValidityDays * DAY_MS + CLOCK_ALLOWANCE_MS) return undefined;
    return {
      message: `the current version is valid for ${wholeDays(validity)} days, more than the ${parameters.maxValidityDays} allowed`,
      fix: subject.policy
        ? `lower the policy's rotation.validFor to ${parameters.maxValidityDays}d or less (PUT /api/policies/${subject.policy.id}), then rotate it`
        : `write a new version expiring within ${parameters.maxValidityDays} days of its creation, or govern it with a policy`,
      parameters: { maxValidityDays: parameters.maxValidityDays },
    };
  },
};

export const minimumDaysBeforeExpiry: ComplianceRule<SecretSubject> = {
  id: 'secret.minimum-days-before-expiry',
  severity: 'medium',
  description: 'The current version has more than minDaysBeforeExpiry days left before it expires (an expired one is secret.expired\'s finding).',
  azurePolicyDefinitionId: 'b0eb591a-5e70-4534-a8bf-04b9c489584a',
  check(subject, { now, parameters }) {
    const expiresOn = subject.secret.expiresOn;
    if (!expiresOn || expiresOn.getTime() <= now.getTime()) return undefined;
    const left = expiresOn.getTime() - now.getTime();
    if (left >= parameters.minDaysBeforeExpiry * DAY_MS) return undefined;
    return {
      message: `the current version expires in ${wholeDays(left)} days (${expiresOn.toISOString()}), fewer than the ${parameters.minDaysBeforeExpiry} required`,
      fix: rotateOrSet(subject, 'write a new version with a later expiration date, or govern it with a policy'),
      parameters: { minDaysBeforeExpiry: parameters.minDaysBeforeExpiry },
    };
  },
};

export const maximumActiveDays: ComplianceRule<SecretSubject> = {
  id: 'secret.maximum-active-days',
  severity: 'medium',
  description: 'The current version has been active (since notBefore, or since its creation) for at most maxActiveDays.',
  azurePolicyDefinitionId: 'e8d99835-8a06-45ae-a8e0-87a91941ccfe',
  check(subject, { now, parameters }) {
    const since = subject.secret.notBefore ?? subject.secret.createdOn;
    if (!since) return undefined;
    const active = now.getTime() - since.getTime();
    if (active <= parameters.maxActiveDays * DAY_MS) return undefined;
    return {
      message: `the current version has been active for ${wholeDays(active)} days, more than the ${parameters.maxActiveDays} allowed`,
      fix: subject.policy
        ? `rotate it (POST /api/policies/${subject.policy.id}/rotate), and keep the policy's rotation.every at ${parameters.maxActiveDays}d or less`
        : 'rotate it: write a new version with a new value, or govern it with a policy',
      parameters: { maxActiveDays: parameters.maxActiveDays },
    };
  },
};

export const contentTypeSet: ComplianceRule<SecretSubject> = {
  id: 'secret.content-type',
  severity: 'low',
  description: 'The current version has a content type, so readers know how to parse it.',
  azurePolicyDefinitionId: '75262d3e-ba4a-4f43-85f8-9f72c090e5e3',
  check(subject) {
    if (subject.secret.contentType) return undefined;
    return {
      message: 'the current version has no content type',
      fix: subject.policy
        ? `set contentType on the policy (PUT /api/policies/${subject.policy.id}, e.g. "text/plain"); the next rotation writes it`
        : 'set one (az keyvault secret set-attributes --content-type text/plain)',
    };
  },
};

export const protectedSecretHasPolicy: ComplianceRule<SecretSubject> = {
  id: 'secret.protected-has-policy',
  severity: 'high',
  description: 'Every secret of a protected environment is governed by a rotation policy.',
  check(subject, { protectedEnvironment, environment }): Violation | undefined {
    // A replica is governed by the policy that writes it, through its primary.
    if (!protectedEnvironment || subject.policy || subject.replicaOf) return undefined;
    return {
      // An unmanaged secret's environment may come from its own tag: text anyone with write access to the vault chose.
      message: `no policy governs this secret, and it belongs to the protected environment ${quote(environment ?? '')}`,
      fix: 'govern it with a policy (PUT /api/policies/{id} naming this vault and secret), or delete it if nothing reads it',
      parameters: { environment: boundText(environment ?? '', 64) },
    };
  },
};

/** The secret rules, in the order the docs list them. Adding one is adding an object here. */
export const SECRET_RULES: readonly ComplianceRule<SecretSubject>[] = [
  expiryRequired,
  notExpired,
  maximumValidity,
  minimumDaysBeforeExpiry,
  maximumActiveDays,
  contentTypeSet,
  protectedSecretHasPolicy,
];
