import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundText, escapeUnsafe, unsafeCharacterProblem, unsafeTrimmedTextProblem, withoutUserinfo } from '../../src/core/untrusted-text.js';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]/u;

describe('unsafeCharacterProblem', () => {
  it.each([
    ['a line feed', 'a\nb', /control character U\+000A at position 2/],
    ['a carriage return', 'a\rb', /control character U\+000D/],
    ['a C1 control', 'a\u0085b', /control character U\+0085/],
    ['DEL', 'a\u007fb', /control character U\+007F/],
    ['a right-to-left override', 'abc\u202edef', /bidirectional formatting character U\+202E at position 4/],
    ['a first-strong isolate', '\u2068x', /bidirectional formatting character U\+2068/],
    ['a lone high surrogate', 'x\ud800', /lone surrogate U\+D800/],
    ['a lone low surrogate', '\udc00x', /lone surrogate U\+DC00/],
    ['a line separator', 'a\u2028b', /line separator U\+2028/],
    ['an Arabic letter mark', 'a\u061cb', /bidirectional formatting character U\+061C/],
    ['a left-to-right mark', 'a\u200eb', /bidirectional formatting character U\+200E/],
    ['a right-to-left mark', 'a\u200fb', /bidirectional formatting character U\+200F/],
  ])('names %s', (_name, text, problem) => {
    expect(unsafeCharacterProblem(text)).toMatch(problem);
  });

  it.each(['plain text', 'émoji 😀 pairs are fine', 'tabs? no: only printable', 'ÄÖÜ ß 中文 עברית'])('accepts %s', (text) => {
    expect(unsafeCharacterProblem(text)).toBeUndefined();
  });
});

describe('boundText', () => {
  it('escapes every unsafe character visibly, so no line can be forged', () => {
    expect(boundText('v1\n2026-01-01 error forged\u202e')).toBe('v1\\u000a2026-01-01 error forged\\u202e');
  });

  it('truncates with a marker that says how much was cut', () => {
    const bounded = boundText('x'.repeat(5000), 100);
    expect(bounded).toBe(`${'x'.repeat(100)}…[4900 more characters]`);
  });

  it('never splits a surrogate pair into a lone half', () => {
    expect(boundText(`${'x'.repeat(9)}😀tail`, 10)).toBe(`${'x'.repeat(9)}…[6 more characters]`);
  });

  it('holds for any text: no unsafe character survives and the length stays bounded', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.integer({ min: 1, max: 200 }), (text, max) => {
        const bounded = boundText(text, max);
        expect(bounded).not.toMatch(UNSAFE);
        expect(bounded.length).toBeLessThanOrEqual(max + 32);
      }),
      { numRuns: 2000, seed: 8 },
    );
  });

  it('escapes nothing in safe text', () => {
    expect(escapeUnsafe('kv-payments/db-password')).toBe('kv-payments/db-password');
  });
});

describe('withoutUserinfo', () => {
  it.each([
    ['https://user:pw@kv.vault.azure.net', 'https://***@kv.vault.azure.net'],
    ['https://user@kv.vault.azure.net/x', 'https://***@kv.vault.azure.net/x'],
    ['https://kv.vault.azure.net', 'https://kv.vault.azure.net'],
    ['not a url at all p@ss', 'not a url at all p@ss'],
    ['https:user:pw@kv.vault.azure.net', 'https:***@kv.vault.azure.net'],
    ['https://a:b@c@kv.vault.azure.net', 'https://***@kv.vault.azure.net'],
  ])('%s', (url, shown) => {
    expect(withoutUserinfo(url)).toBe(shown);
  });
});

describe('unsafeTrimmedTextProblem', () => {
  it.each(['\t team \t', '  team', 'team  '])('allows spaces and tabs that trimming drops: %j', (text) => {
    expect(unsafeTrimmedTextProblem(text)).toBeUndefined();
  });

  it.each([
    ['\rteam', /U\+000D at position 1/],
    [' \tteam\n', /U\+000A at position 7/],
    ['te\tam', /U\+0009 at position 3/],
  ])('refuses %j, whose CR, LF or inner tab trimming would not make safe', (text, problem) => {
    expect(unsafeTrimmedTextProblem(text)).toMatch(problem);
  });
});
