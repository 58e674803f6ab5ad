import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consumerKinds } from '../../../src/composition.js';
import { ValidationError } from '../../../src/core/errors.js';
import { parsePolicy } from '../../../src/core/policy/policy.js';
import { aPolicyJson } from '../../support/policy-mother.js';

/** A vault-only policy (no strategy) whose one follower is the generated webhook. */
const policyWith = (webhook: Record<string, unknown>) => aPolicyJson({ id: 'orders-api-key', secretName: 'orders-api-key', consumers: [webhook] as never });

type Field = 'url' | 'signingSecretName' | 'includeValue' | 'timeout' | 'name';

/** Each case: a value and whether the field alone is acceptable. */
const urls: [string, 'https' | 'http-loopback' | 'bad'][] = [
  ['https://hooks.example.com/rotation', 'https'],
  ['https://hooks.example.com:8443/a/b?team=orders', 'https'],
  ['https://20.42.65.92/hook', 'https'],
  ['https://[2606:4700::1111]/hook', 'https'],
  ['http://127.0.0.1:8080/hook', 'http-loopback'],
  ['http://localhost/hook', 'http-loopback'],
  ['http://[::1]:9000/', 'http-loopback'],
  ['http://hooks.example.com/hook', 'bad'],
  ['http://10.0.0.4/hook', 'bad'],
  ['ftp://hooks.example.com/hook', 'bad'],
  ['https://user:pass@hooks.example.com/hook', 'bad'],
  ['https://hooks.example.com/hook#fragment', 'bad'],
  ['hooks.example.com/hook', 'bad'],
  ['', 'bad'],
  [`https://hooks.example.com/${'a'.repeat(2100)}`, 'bad'],
];
const secretNames: [unknown, boolean][] = [
  ['webhook-signing', true],
  ['W3bhook-Signing-2', true],
  ['-leading-hyphen', true], // Key Vault allows it: 1-127 letters, digits and hyphens
  ['has space', false],
  ['has_underscore', false],
  ['a'.repeat(128), false],
  ['', false],
  [42, false],
];
const includeValues: [unknown, boolean][] = [
  [undefined, true],
  [false, true],
  [true, true],
  ['true', false],
  [1, false],
];
const timeouts: [unknown, boolean][] = [
  [undefined, true],
  ['1s', true],
  ['10s', true],
  ['30s', true],
  ['PT15S', true],
  ['31s', false],
  ['1m', false],
  ['0s', false],
  ['soon', false],
  [10, false],
];
const names: [unknown, boolean][] = [
  ['billing-hook', true],
  ['Billing', false],
  ['9hook', false],
];

const webhookCase = fc.record({
  url: fc.constantFrom(...urls),
  signingSecretName: fc.constantFrom(...secretNames),
  includeValue: fc.constantFrom(...includeValues),
  timeout: fc.constantFrom(...timeouts),
  name: fc.constantFrom(...names),
});

function pathsOf(error: unknown): string[] {
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).details.map((d) => d.path);
}

/** The field a detail's path names under consumers[0]: 'consumers.0.url' and 'consumers[0].url' both give 'url'. */
const fieldOf = (path: string) => /^consumers(?:\.|\[)0\]?\.?([A-Za-z]+)/.exec(path)?.[1];

describe('the webhook spec through parsePolicy with the real catalog', () => {
  it('accepts exactly the valid specs; refuses the others naming a field that is wrong', () => {
    fc.assert(
      fc.property(webhookCase, (c) => {
        // Arrange
        const spec: Record<string, unknown> = { kind: 'webhook', name: c.name[0], url: c.url[0], signingSecretName: c.signingSecretName[0] };
        if (c.includeValue[0] !== undefined) spec['includeValue'] = c.includeValue[0];
        if (c.timeout[0] !== undefined) spec['timeout'] = c.timeout[0];
        const bad = new Set<Field>();
        if (c.url[1] === 'bad') bad.add('url');
        if (!c.signingSecretName[1]) bad.add('signingSecretName');
        if (!c.includeValue[1]) bad.add('includeValue');
        if (!c.timeout[1]) bad.add('timeout');
        if (!c.name[1]) bad.add('name');
        // The value over http is refused even when every field is fine on its own.
        const clearValue = c.includeValue[0] === true && c.url[1] === 'http-loopback';

        // Act
        let outcome: { accepted: true; policy: ReturnType<typeof parsePolicy> } | { accepted: false; error: unknown };
        try {
          outcome = { accepted: true, policy: parsePolicy(policyWith(spec), consumerKinds) };
        } catch (error) {
          outcome = { accepted: false, error };
        }

        // Assert
        if (bad.size === 0 && !clearValue) {
          expect(outcome.accepted).toBe(true);
          if (outcome.accepted) expect(outcome.policy.consumers).toEqual([{ ...spec, includeValue: c.includeValue[0] ?? false }]);
          return;
        }
        expect(outcome.accepted).toBe(false);
        if (outcome.accepted) return;
        const fields = pathsOf(outcome.error).map(fieldOf);
        expect(fields.length).toBeGreaterThan(0);
        for (const field of fields) expect([...bad, ...(clearValue ? ['includeValue'] : [])]).toContain(field);
        if (bad.size === 0) expect(fields).toEqual(['includeValue']);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses includeValue: true for an http URL with a message that says why', () => {
    // Act
    const attempt = () => parsePolicy(policyWith({ kind: 'webhook', name: 'local-hook', url: 'http://127.0.0.1:8080/hook', signingSecretName: 'webhook-signing', includeValue: true }), consumerKinds);

    // Assert
    expect(attempt).toThrow(/includeValue.*not https: the value would travel in clear/);
  });

  it('refuses a field the kind does not know, and a login (followers hold none)', () => {
    const base = { kind: 'webhook', name: 'billing-hook', url: 'https://hooks.example.com/x', signingSecretName: 'webhook-signing' };
    expect(() => parsePolicy(policyWith({ ...base, secret: 'whsec_abc' }), consumerKinds)).toThrow(ValidationError);
    expect(() => parsePolicy(policyWith({ ...base, login: 'app' }), consumerKinds)).toThrow(ValidationError);
  });
});
