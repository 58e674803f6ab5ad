/** Free text in a policy is logged, audited and written to Key Vault tags: no control or bidi character, no lone surrogate. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { aPolicyJson } from '../../support/policy-mother.js';

function detailsOf(input: unknown) {
  try {
    parsePolicy(input);
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error('the policy was accepted');
}

describe('policy free text', () => {
  it.each([
    ['owner', { owner: 'team-payments\n{"event":"rotation.failed"}' }, 'owner', 'U+000A'],
    ['owner', { owner: 'team \u202esyap' }, 'owner', 'U+202E'],
    ['environment', { environment: 'prod\u0007' }, 'environment', 'U+0007'],
    ['contentType', { contentType: 'text/plain\r\nx: y' }, 'contentType', 'U+000D'],
    ['a tag value', { tags: { team: 'pay\u2067ments' } }, 'tags.team', 'U+2067'],
    ['a tag name', { tags: { 'te\u0085am': 'payments' } }, 'tags.te\\u0085am', 'U+0085'],
    ['a tag value with a lone surrogate', { tags: { team: 'pay\udc00' } }, 'tags.team', 'U+DC00'],
    ['an owner with a line feed inside', { owner: '\tteam\npayments ' }, 'owner', 'U+000A'],
  ])('refuses %s with a control, bidi or lone surrogate character, naming the field', (_name, overrides, path, codePoint) => {
    // Act
    const details = detailsOf({ ...aPolicyJson(), ...overrides });

    // Assert
    expect(details).toContainEqual({ path, message: expect.stringContaining(codePoint) });
  });

  it('accepts text in any script, with emoji', () => {
    expect(() => parsePolicy({ ...aPolicyJson(), owner: 'Équipe paiements 支付 😀', tags: { équipe: 'paiements' } })).not.toThrow();
  });
});
