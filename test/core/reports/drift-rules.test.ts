import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/core/durations.js';
import type { PolicyState } from '../../../src/core/ports.js';
import { contentTypeDrift, expiryDrift, notWrittenByUs, secretDisabled, secretMissing, SECRET_DRIFT_RULES, taggedWithoutPolicy, tagsDrift, type DriftSecretSubject } from '../../../src/core/reports/drift/drift-rules.js';

import { aListedSecret, context, daysFromNow, policyFrom } from './rule-fixture.js';

const policy = policyFrom({ id: 'app-secret', secretName: 'app-secret', contentType: 'text/plain', tags: { CostCenter: 'engineering' }, rotation: { every: '90d', validFor: '120d' } });
const state: PolicyState = { policyId: 'app-secret', consecutiveFailures: 0, lastRotationId: 'r-7' };
const ours = { 'managed-by': 'kv-rotation', 'rotation-policy-id': 'app-secret', 'rotation-id': 'r-7', CostCenter: 'engineering' };

/** A version exactly as the engine writes it for this policy. */
function written(overrides: Parameters<typeof aListedSecret>[0] = {}, subjectOverrides: Partial<DriftSecretSubject> = {}): DriftSecretSubject {
  const createdOn = daysFromNow(-10);
  return { secret: aListedSecret({ createdOn, expiresOn: new Date(createdOn.getTime() + 120 * DAY_MS + 1500), tags: { ...ours }, ...overrides }), policy, state, ...subjectOverrides };
}

describe('the drift rules', () => {
  it('find nothing on a version exactly as the engine writes it, nor during the rotation that wrote it', () => {
    for (const rule of SECRET_DRIFT_RULES) {
      expect({ rule: rule.id, violation: rule.check(written(), context()) }).toEqual({ rule: rule.id, violation: undefined });
      const running = written({ tags: { ...ours, 'rotation-id': 'r-8' } }, { state: { ...state, active: { rotationId: 'r-8' } as PolicyState['active'] } });
      expect({ rule: rule.id, violation: rule.check(running, context()) }).toEqual({ rule: rule.id, violation: undefined });
    }
  });

  it('find nothing on an unmanaged secret without our tags', () => {
    for (const rule of SECRET_DRIFT_RULES) expect(rule.check({ secret: aListedSecret() }, context())).toBeUndefined();
  });
});

describe('drift.secret-missing', () => {
  it("flags a policy whose secret is absent, and says what a rotation writes", () => {
    // Act
    const violation = secretMissing.check({ policy, exists: false }, context());

    // Assert
    expect(violation?.fix).toContain('POST /api/policies/app-secret/rotate');
    expect(violation?.fix).toContain('validFor 120d');
    expect(violation?.fix).toContain("content type 'text/plain'");
    expect(secretMissing.check({ policy, exists: true }, context())).toBeUndefined();
    expect(secretMissing.check({ policy: { ...policy, generator: { kind: 'static' } }, exists: false }, context())?.fix).toContain('static policy never writes');
  });
});

describe('drift.secret-disabled', () => {
  it('flags a disabled current version of a policy', () => {
    expect(secretDisabled.check(written({ enabled: false }), context())?.message).toContain('403');
    expect(secretDisabled.check({ secret: aListedSecret({ enabled: false }) }, context())).toBeUndefined();
  });
});

describe('drift.not-written-by-us', () => {
  it.each([
    ['no tags', {}, 'no managed-by=kv-rotation tag'],
    ["another policy's tag", { ...ours, 'rotation-policy-id': 'other' }, "names 'other'"],
    ['no rotation id', { 'managed-by': 'kv-rotation', 'rotation-policy-id': 'app-secret' }, 'no rotation-id tag'],
    ['a rotation id the state does not know', { ...ours, 'rotation-id': 'r-6' }, "rotation-id 'r-6' is not the policy's last rotation (r-7)"],
  ])('flags %s', (_what, tags, why) => {
    expect(notWrittenByUs.check(written({ tags }), context())?.message).toContain(why);
  });

  it('flags a version with our tags when the policy has never rotated', () => {
    expect(notWrittenByUs.check(written({}, { state: { policyId: 'app-secret', consecutiveFailures: 0 } }), context())).toBeDefined();
  });

  it('does not apply to a static policy', () => {
    expect(notWrittenByUs.check(written({ tags: {} }, { policy: { ...policy, generator: { kind: 'static' } } }), context())).toBeUndefined();
  });
});

describe('drift.expiry', () => {
  it.each([
    [0, false],
    [4.9 * 60_000, false],
    [5.1 * 60_000, true],
    [-DAY_MS, true],
  ])('expiry off by %d ms: flagged %s', (offset, flagged) => {
    const base = written();
    const violation = expiryDrift.check({ ...base, secret: { ...base.secret, expiresOn: new Date(base.secret.expiresOn!.getTime() + offset) } }, context());
    expect(violation !== undefined).toBe(flagged);
  });

  it('flags a version whose expiry was removed', () => {
    expect(expiryDrift.check(written({ expiresOn: undefined }), context())?.message).toContain('has no expiry');
  });

  it('leaves a foreign version to not-written-by-us', () => {
    expect(expiryDrift.check(written({ tags: {}, expiresOn: undefined }), context())).toBeUndefined();
  });
});

describe('drift.content-type', () => {
  it("flags a content type other than the policy's, and a missing one", () => {
    expect(contentTypeDrift.check(written({ contentType: 'application/json' }), context())?.message).toContain("'application/json', the policy's is 'text/plain'");
    expect(contentTypeDrift.check(written({ contentType: undefined }), context())?.message).toContain('not set');
  });
});

describe('drift.tags', () => {
  it('names missing, changed and extra tags', () => {
    // Act
    const violation = tagsDrift.check(written({ tags: { ...ours, CostCenter: 'finance', Extra: '1', 'managed-by': 'kv-rotation' } }), context());
    const missing = tagsDrift.check(written({ tags: { 'managed-by': 'kv-rotation', 'rotation-policy-id': 'app-secret', 'rotation-id': 'r-7' } }), context());

    // Assert
    expect(violation?.message).toContain("changed 'CostCenter'");
    expect(violation?.message).toContain("not the policy's 'Extra'");
    expect(violation?.fix).toContain('dropping the tags');
    expect(missing?.message).toContain("missing 'CostCenter'");
  });
});

describe('drift.tagged-without-policy', () => {
  it('flags a secret tagged managed-by=kv-rotation that no policy governs', () => {
    expect(taggedWithoutPolicy.check({ secret: aListedSecret({ tags: { 'Managed-By': 'kv-rotation', 'rotation-policy-id': 'gone' } }) }, context())?.message).toContain("for policy 'gone'");
    expect(taggedWithoutPolicy.check({ secret: aListedSecret({ tags: { 'managed-by': 'someone-else' } }) }, context())).toBeUndefined();
    expect(taggedWithoutPolicy.check(written(), context())).toBeUndefined();
  });
});
