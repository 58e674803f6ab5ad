import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/core/durations.js';
import {
  contentTypeSet,
  expiryRequired,
  maximumActiveDays,
  maximumValidity,
  minimumDaysBeforeExpiry,
  notExpired,
  protectedSecretHasPolicy,
  SECRET_RULES,
} from '../../../src/core/reports/compliance/secret-rules.js';
import type { SecretSubject } from '../../../src/core/reports/compliance/subjects.js';

import { aListedSecret, context, daysFromNow, NOW, policyFrom } from './rule-fixture.js';

const subject = (overrides: Parameters<typeof aListedSecret>[0] = {}, managed = false): SecretSubject => ({
  secret: aListedSecret(overrides),
  ...(managed ? { policy: policyFrom({ id: 'app-secret' }) } : {}),
});

describe('the secret rules', () => {
  it('pass a compliant secret, managed or not', () => {
    for (const managed of [false, true]) {
      for (const rule of SECRET_RULES) expect({ rule: rule.id, violation: rule.check(subject({}, managed), context()) }).toEqual({ rule: rule.id, violation: undefined });
    }
  });

  it('have unique ids and say which Azure Policy built-in they mirror', () => {
    expect(new Set(SECRET_RULES.map((r) => r.id)).size).toBe(SECRET_RULES.length);
    expect(SECRET_RULES.filter((r) => r.azurePolicyDefinitionId).map((r) => r.id).sort()).toEqual([
      'secret.content-type',
      'secret.expiry-required',
      'secret.maximum-active-days',
      'secret.maximum-validity',
      'secret.minimum-days-before-expiry',
    ]);
  });
});

describe('secret.expiry-required', () => {
  it('flags a version with no expiry, and says how to fix it managed or not', () => {
    // Act
    const unmanaged = expiryRequired.check(subject({ expiresOn: undefined }), context());
    const managed = expiryRequired.check(subject({ expiresOn: undefined }, true), context());

    // Assert
    expect(unmanaged?.message).toContain('no expiration date');
    expect(unmanaged?.fix).toContain('set-attributes --expires');
    expect(managed?.fix).toContain('POST /api/policies/app-secret/rotate');
  });
});

describe('secret.expired', () => {
  it.each([
    [-0.001, true],
    [0, true],
    [0.001, false],
  ])('expiry %d days from now: flagged %s', (days, flagged) => {
    expect(notExpired.check(subject({ expiresOn: daysFromNow(days) }), context()) !== undefined).toBe(flagged);
  });

  it('ignores a version with no expiry (expiry-required names it)', () => {
    expect(notExpired.check(subject({ expiresOn: undefined }), context())).toBeUndefined();
  });
});

describe('secret.maximum-validity', () => {
  it.each([
    [365, false],
    [365.003, false],
    [365.01, true],
  ])('valid %d days with the default 365: flagged %s', (days, flagged) => {
    const created = daysFromNow(-1);
    const violation = maximumValidity.check(subject({ createdOn: created, expiresOn: new Date(created.getTime() + days * DAY_MS) }), context());
    expect(violation !== undefined).toBe(flagged);
  });

  it('uses 90 days in a protected environment and names the parameter', () => {
    // Act
    const violation = maximumValidity.check(subject({ createdOn: NOW, expiresOn: daysFromNow(120) }), context({ protectedEnvironment: true }));

    // Assert
    expect(violation).toMatchObject({ parameters: { maxValidityDays: 90 } });
    expect(violation?.message).toContain('valid for 120 days, more than the 90 allowed');
  });

  it('leaves a secret with no expiry to expiry-required', () => {
    expect(maximumValidity.check(subject({ expiresOn: undefined }), context())).toBeUndefined();
  });
});

describe('secret.minimum-days-before-expiry', () => {
  it.each([
    [29.9, true],
    [30, false],
    [5, true],
    [-1, false],
  ])('expiring in %d days with the default 30: flagged %s', (days, flagged) => {
    expect(minimumDaysBeforeExpiry.check(subject({ expiresOn: daysFromNow(days) }), context()) !== undefined).toBe(flagged);
  });

  it('follows the parameter', () => {
    expect(minimumDaysBeforeExpiry.check(subject({ expiresOn: daysFromNow(40) }), context({ parameters: { minDaysBeforeExpiry: 45 } }))).toMatchObject({ parameters: { minDaysBeforeExpiry: 45 } });
  });
});

describe('secret.maximum-active-days', () => {
  it.each([
    [{ createdOn: daysFromNow(-90) }, false],
    [{ createdOn: daysFromNow(-90.01) }, true],
    [{ createdOn: daysFromNow(-10), notBefore: daysFromNow(-100) }, true],
    [{ createdOn: daysFromNow(-200), notBefore: daysFromNow(-10) }, false],
    [{ createdOn: undefined }, false],
  ])('%j: flagged %s', (dates, flagged) => {
    expect(maximumActiveDays.check(subject(dates), context()) !== undefined).toBe(flagged);
  });
});

describe('secret.content-type', () => {
  it('flags a version without a content type', () => {
    expect(contentTypeSet.check(subject({ contentType: undefined }), context())?.message).toBe('the current version has no content type');
    expect(contentTypeSet.check(subject({ contentType: undefined }, true), context())?.fix).toContain('contentType on the policy');
  });
});

describe('secret.protected-has-policy', () => {
  it('flags an unmanaged secret of a protected environment only', () => {
    expect(protectedSecretHasPolicy.check(subject(), context({ protectedEnvironment: true }))?.message).toContain("protected environment 'production'");
    expect(protectedSecretHasPolicy.check(subject({}, true), context({ protectedEnvironment: true }))).toBeUndefined();
    expect(protectedSecretHasPolicy.check(subject(), context())).toBeUndefined();
  });

  it('quotes an environment that came from a tag escaped', () => {
    const violation = protectedSecretHasPolicy.check(subject(), context({ protectedEnvironment: true, environment: 'prod\u202euction' }));
    expect(violation?.message).toContain('\\u202e');
  });
});
