import { describe, expect, it } from 'vitest';
import { passwordLength, passwordLengths, policyMaximumActiveDays, policyMaximumValidity, POLICY_RULES, rotationMargin } from '../../../src/core/reports/compliance/policy-rules.js';
import { aTemplateGenerator } from '../../support/policy-mother.js';
import { context, policyFrom } from './rule-fixture.js';

const withRotation = (every: string, validFor: string) => policyFrom({ rotation: { every, validFor } });

describe('the policy rules', () => {
  it('pass a compliant policy, in a protected environment too', () => {
    const policy = withRotation('60d', '90d');
    for (const protectedEnvironment of [false, true]) {
      for (const rule of POLICY_RULES) expect({ rule: rule.id, violation: rule.check(policy, context({ protectedEnvironment })) }).toEqual({ rule: rule.id, violation: undefined });
    }
  });

  it('ignore a static policy, which writes nothing', () => {
    const policy = policyFrom({ generator: { kind: 'static' }, rotation: { every: '300d', validFor: '400d' } });
    for (const rule of POLICY_RULES) expect(rule.check(policy, context({ protectedEnvironment: true }))).toBeUndefined();
  });
});

describe('policy.rotation-margin', () => {
  it.each([
    ['60d', '90d', false],
    ['60d', '89d', true],
    ['80d', '100d', true],
    ['1d', '31d', false],
  ])('every %s validFor %s: flagged %s', (every, validFor, flagged) => {
    expect(rotationMargin.check(withRotation(every, validFor), context()) !== undefined).toBe(flagged);
  });

  it('widens to minDaysBeforeExpiry when that is longer than the 30-day window, and says what validFor would do', () => {
    // Act
    const violation = rotationMargin.check(withRotation('60d', '100d'), context({ parameters: { minDaysBeforeExpiry: 45 } }));

    // Assert
    expect(violation).toMatchObject({ parameters: { marginDays: 45 } });
    expect(violation?.fix).toContain('rotation.validFor to 105d');
  });
});

describe('policy.maximum-validity', () => {
  it.each([
    [false, '365d', false],
    [false, '366d', true],
    [true, '90d', false],
    [true, '91d', true],
  ])('protected %s, validFor %s: flagged %s', (protectedEnvironment, validFor, flagged) => {
    expect(policyMaximumValidity.check(withRotation('1d', validFor), context({ protectedEnvironment })) !== undefined).toBe(flagged);
  });
});

describe('policy.maximum-active-days', () => {
  it.each([
    ['90d', '365d', false],
    ['91d', '365d', true],
    // Rotated at validFor - 30 days when that comes first.
    ['200d', '120d', false],
    ['200d', '121d', true],
  ])('every %s validFor %s: flagged %s', (every, validFor, flagged) => {
    const policy = policyFrom({ rotation: { every: '1d', validFor: '32d' } });
    const shaped = { ...policy, rotation: { every, validFor } };
    expect(policyMaximumActiveDays.check(shaped, context()) !== undefined).toBe(flagged);
  });
});

describe('policy.password-length', () => {
  it('checks 24 characters in protected environments only, by default', () => {
    const short = policyFrom({ generator: { kind: 'random_password', length: 23 } });
    expect(passwordLength.check(short, context({ protectedEnvironment: true }))).toMatchObject({ parameters: { minPasswordLength: 24 } });
    expect(passwordLength.check(policyFrom({ generator: { kind: 'random_password', length: 24 } }), context({ protectedEnvironment: true }))).toBeUndefined();
    expect(passwordLength.check(short, context())).toBeUndefined();
  });

  it('reads every password a generator makes: a template field, and a random_string only when consumers sign in with it', () => {
    expect(passwordLengths(policyFrom({ generator: aTemplateGenerator() }).generator, false)).toEqual([32]);
    expect(passwordLengths(policyFrom({ generator: { kind: 'random_string', length: 12 } }).generator, false)).toEqual([]);
    expect(passwordLengths(policyFrom({ generator: { kind: 'random_string', length: 12 } }).generator, true)).toEqual([12]);
    expect(passwordLengths(policyFrom({ generator: { kind: 'uuid' } }).generator, false)).toEqual([]);
  });

  it('names the shortest password of a template', () => {
    const generator = { kind: 'template', fields: { a: { kind: 'random_password', length: 30 }, b: { kind: 'random_password', length: 12 } } } as const;
    expect(passwordLength.check(policyFrom({ generator } as never), context({ protectedEnvironment: true }))?.message).toContain('a password of 12 characters');
  });
});
