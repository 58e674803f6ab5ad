import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { defaultComplianceSettings } from '../../../src/core/reports/compliance/parameters.js';
import { MAX_CHECKED_POLICIES, PolicyCheck } from '../../../src/core/reports/compliance/policy-check.js';
import { POLICY_RULES } from '../../../src/core/reports/compliance/policy-rules.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { NOW } from './rule-fixture.js';

const check = new PolicyCheck({ parse: (id, body) => parsePolicy({ ...(body as object), id }), settings: defaultComplianceSettings(['production']), rules: POLICY_RULES, now: () => NOW });
const good = () => aPolicyJson({ rotation: { every: '60d', validFor: '90d' } });

describe('PolicyCheck', () => {
  it('passes a compliant policy and fails at or above failOn', () => {
    // Arrange
    const margin = aPolicyJson({ rotation: { every: '80d', validFor: '100d' } });

    // Act / Assert
    expect(check.check(good(), 'low')).toMatchObject({ pass: true, findings: [] });
    expect(check.check(margin, 'low')).toMatchObject({ pass: false, policies: [{ pass: false, findings: 1 }] });
    expect(check.check(margin, 'medium').pass).toBe(false);
    expect(check.check(margin, 'high').pass).toBe(true);
  });

  it('applies the environment of each policy: production is protected', () => {
    const result = check.check({ policies: [good(), aPolicyJson({ id: 'prod', secretName: 'prod', environment: 'production', rotation: { every: '60d', validFor: '90d' }, generator: { kind: 'random_password', length: 20 } })] }, 'low');
    expect(result.policies.map((p) => [p.id, p.pass])).toEqual([
      ['payments-db-password', true],
      ['prod', false],
    ]);
    expect(result.findings.map((f) => f.rule)).toEqual(['policy.password-length']);
  });

  it.each([
    ['a string', 'x', ''],
    ['null', null, ''],
    ['no id', { ...good(), id: undefined }, 'id'],
    ['too many policies', { policies: Array.from({ length: MAX_CHECKED_POLICIES + 1 }, good) }, 'policies'],
    ['policies not an array', { policies: {} }, 'policies'],
    ['the same id twice', { policies: [good(), good()] }, 'policies.1.id'],
    ['a bad field in the second policy', { policies: [good(), { ...good(), id: 'b', rotation: { every: '1h', validFor: '90d' } }] }, 'policies.1.rotation.every'],
  ])('refuses %s naming %s', (_what, body, path) => {
    let refusal: unknown;
    try {
      check.check(body, 'low');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ValidationError);
    expect((refusal as ValidationError).details.map((d) => d.path)).toContain(path);
  });
});
