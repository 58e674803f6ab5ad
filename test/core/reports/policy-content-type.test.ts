/**
 * policy.content-type in POST /api/policy-check: a policy whose rotations would write versions
 * without a content type is flagged before it is stored; one that sets it, or whose generator or
 * consumers give one by default, or that writes nothing, passes.
 */
import { describe, expect, it } from 'vitest';
import { consumerKinds } from '../../../src/composition.js';
import { parsePolicy, type RotationPolicyInput } from '../../../src/core/policy/policy.js';
import { defaultComplianceSettings } from '../../../src/core/reports/compliance/parameters.js';
import { PolicyCheck } from '../../../src/core/reports/compliance/policy-check.js';
import { POLICY_CHECK_RULES, POLICY_RULES } from '../../../src/core/reports/compliance/policy-rules.js';
import { aPolicyJson, aTemplateGenerator } from '../../support/policy-mother.js';
import { NOW } from './rule-fixture.js';

const check = new PolicyCheck({ parse: (id, body) => parsePolicy({ ...(body as object), id }, consumerKinds), settings: defaultComplianceSettings(['production']), rules: POLICY_CHECK_RULES, now: () => NOW });

/** A body that passes every other rule, with or without a contentType. */
function body(overrides: Partial<RotationPolicyInput> = {}, contentType?: string): RotationPolicyInput {
  const { contentType: _dropped, ...rest } = aPolicyJson({ rotation: { every: '60d', validFor: '90d' }, ...overrides });
  return contentType === undefined ? rest : { ...rest, contentType };
}

const postgres = { kind: 'postgresql', name: 'orders-primary', host: 'orders.postgres.database.azure.com', port: 5432, database: 'orders', login: 'orders_app', tls: true, admin: { secretName: 'orders-db-admin' } };

describe('policy.content-type', () => {
  it('flags a generated password policy without a contentType, naming the rule, the policy and the fix', () => {
    // Act
    const result = check.check(body(), 'low');

    // Assert
    expect(result.pass).toBe(false);
    expect(result.findings).toEqual([
      expect.objectContaining({ rule: 'policy.content-type', severity: 'low', kind: 'policy', object: 'payments-db-password', fix: expect.stringContaining('contentType') }),
    ]);
    expect(result.findings[0]!.message).toContain('random_password');
    // low: a gate at medium lets it through
    expect(check.check(body(), 'medium').pass).toBe(true);
  });

  it('passes the same policy with a contentType', () => {
    expect(check.check(body({}, 'text/plain'), 'low')).toMatchObject({ pass: true, findings: [] });
  });

  it.each([
    ['a template (application/json by default)', body({ generator: aTemplateGenerator() })],
    ['a static policy (it writes nothing)', body({ generator: { kind: 'static' } })],
    ['a policy whose consumers sign in (the credential JSON type)', body({ consumers: [postgres] as never, strategy: { kind: 'alternating-users', gracePeriod: '1h', maxDrainWait: '1h' } as never })],
  ])('passes %s without a contentType', (_what, candidate) => {
    expect(check.check(candidate, 'low').findings.map((f) => f.rule)).not.toContain('policy.content-type');
  });

  it('checks each policy of a list: only the one without a contentType fails', () => {
    const result = check.check({ policies: [body({}, 'text/plain'), body({ id: 'no-type', secretName: 'no-type' })] }, 'low');
    expect(result.policies.map((p) => [p.id, p.pass])).toEqual([
      ['payments-db-password', true],
      ['no-type', false],
    ]);
  });

  it('is policy-check only: in the compliance report the secret carries the finding (secret.content-type)', () => {
    expect(POLICY_RULES.map((r) => r.id)).not.toContain('policy.content-type');
    expect(POLICY_CHECK_RULES.map((r) => r.id)).toEqual([...POLICY_RULES.map((r) => r.id), 'policy.content-type']);
  });
});
