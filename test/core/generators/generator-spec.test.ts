import { describe, expect, it } from 'vitest';
import { generatorSpecSchema } from '../../../src/core/generators/index.js';
import { issueMessages, toErrorDetails } from '../../../src/core/generators/zod-support.js';
import { SPECIAL } from '../../../src/core/generators/character-sets.js';

/** The problems the schema reports, as the API would show them (paths relative to `generator`). */
function problems(input: unknown): { path: string; message: string }[] {
  const result = generatorSpecSchema.safeParse(input, { error: issueMessages });
  return result.success ? [] : toErrorDetails(result.error);
}

describe('generator specs SecretZero users write', () => {
  it.each([
    ['random_password with exclusions', { kind: 'random_password', length: 32, special: true, excludeCharacters: '"@/\\' }],
    ['random_password, length only', { kind: 'random_password', length: 32 }],
    ['random_string alphanumeric', { kind: 'random_string', length: 32, charset: 'alphanumeric' }],
    ['random_string hex', { kind: 'random_string', length: 64, charset: 'hex' }],
    ['random_string base64', { kind: 'random_string', length: 64, charset: 'base64' }],
    ['random_string base64url', { kind: 'random_string', length: 43, charset: 'base64url' }],
    ['random_string numeric', { kind: 'random_string', length: 12, charset: 'numeric' }],
    ['random_string custom', { kind: 'random_string', length: 20, charset: 'custom', characters: 'ACGT' }],
    ['uuid', { kind: 'uuid' }],
    ['static', { kind: 'static' }],
    [
      'a db_credentials template',
      {
        kind: 'template',
        fields: {
          host: { static: 'myserver.database.azure.com' },
          port: { static: '5432' },
          username: { static: 'dbadmin' },
          password: { kind: 'random_password', length: 32, special: true },
          ssl_mode: { static: 'require' },
        },
      },
    ],
  ])('accepts %s', (_, input) => {
    expect(problems(input)).toEqual([]);
  });

  it('fills in password defaults: every class on', () => {
    expect(generatorSpecSchema.parse({ kind: 'random_password', length: 16 })).toEqual({
      kind: 'random_password',
      length: 16,
      upper: true,
      lower: true,
      digits: true,
      special: true,
    });
  });
});

describe('generator specs that cannot work are refused, at the field, saying why', () => {
  it.each([
    // [case, input, path, message pattern]
    ['a password shorter than 8', { kind: 'random_password', length: 7 }, 'length', /at least 8: shorter secrets are too easy to guess/],
    ['a password longer than 4096', { kind: 'random_password', length: 4097 }, 'length', /at most 4096/],
    ['a fractional length', { kind: 'random_password', length: 12.5 }, 'length', /whole number/],
    ['a length given as text', { kind: 'random_password', length: '32' }, 'length', /must be a number, not a string/],
    ['a missing length', { kind: 'random_password' }, 'length', /is required/],
    ['every class off', { kind: 'random_password', length: 16, upper: false, lower: false, digits: false, special: false }, '', /all false: turn at least one character class on/],
    ['a minimum for a class that is off', { kind: 'random_password', length: 16, upper: false, minUpper: 2 }, 'minUpper', /minUpper is 2 but upper is false/],
    ['a negative minimum', { kind: 'random_password', length: 16, minDigits: -1 }, 'minDigits', /cannot be negative/],
    ['excluding every digit while one is required', { kind: 'random_password', length: 16, excludeCharacters: '0123456789' }, 'excludeCharacters', /excludes every digit, yet minDigits is 1: no password could satisfy both/],
    ['excluding every special while two are required', { kind: 'random_password', length: 16, minSpecial: 2, excludeCharacters: SPECIAL }, 'excludeCharacters', /excludes every special character, yet minSpecial is 2/],
    ['minimums adding up past the length', { kind: 'random_password', length: 10, minUpper: 4, minLower: 4, minDigits: 2 }, 'length', /length 10 is shorter than the minimum counts it must hold \(minUpper 4 \+ minLower 4 \+ minDigits 2 \+ minSpecial 1 = 11\)/],
    ['exclusions leaving one usable character', { kind: 'random_password', length: 16, upper: false, lower: false, special: false, excludeCharacters: '012345678' }, 'excludeCharacters', /leaves 1 usable character: a random password needs at least 2/],
    ['a SecretZero-style snake_case option', { kind: 'random_password', length: 16, exclude_characters: '"' }, 'exclude_characters', /not a known field: unknown fields are refused so that a typo cannot silently change/],
    ['an unknown charset', { kind: 'random_string', length: 16, charset: 'base32' }, 'charset', /must be one of alphanumeric, hex, base64, base64url, numeric, custom/],
    ['custom without characters', { kind: 'random_string', length: 16, charset: 'custom' }, 'characters', /required when charset is custom/],
    ['characters without custom', { kind: 'random_string', length: 16, charset: 'hex', characters: 'abc' }, 'characters', /only read when charset is custom \(charset is hex\)/],
    ['characters with one distinct character', { kind: 'random_string', length: 16, charset: 'custom', characters: 'aaaa' }, 'characters', /1 distinct character: a random string needs at least 2/],
    ['a control character in characters', { kind: 'random_string', length: 16, charset: 'custom', characters: 'ab\n' }, 'characters', /control character.*mangled/],
    ['an unpaired surrogate in characters', { kind: 'random_string', length: 16, charset: 'custom', characters: 'ab\ud800' }, 'characters', /unpaired surrogate/],
    ['a uuid with options', { kind: 'uuid', version: 7 }, 'version', /not a known field/],
    ['a static generator carrying a value', { kind: 'static', value: 'hunter2' }, 'value', /not a known field/],
    ['an unknown kind', { kind: 'ssh_key' }, 'kind', /kind must be one of random_password, random_string, uuid, template, static/],
    ['no kind at all', { length: 16 }, 'kind', /kind must be one of/],
    ['a template without fields', { kind: 'template', fields: {} }, 'fields', /at least one field/],
    ['a template of static fields only', { kind: 'template', fields: { user: { static: 'a' }, host: { static: 'b' } } }, 'fields', /every field is static, so each rotation would write the same value again/],
    ['a bad field inside a template', { kind: 'template', fields: { password: { kind: 'random_password', length: 4 } } }, 'fields.password.length', /at least 8/],
    ['a template nested in a template', { kind: 'template', fields: { inner: { kind: 'template', fields: {} } } }, 'fields.inner.kind', /a template field is a generator \(kind random_password, random_string or uuid\) or a fixed value/],
    ['a SecretZero-style static field', { kind: 'template', fields: { p: { kind: 'uuid' }, user: { kind: 'static', config: { default: 'x' } } } }, 'fields.user.kind', /\{ "static": "..." \}/],
    ['a static field that is not text', { kind: 'template', fields: { p: { kind: 'uuid' }, port: { static: 5432 } } }, 'fields.port.static', /must be a string, not a number/],
    ['a static field with extra keys', { kind: 'template', fields: { p: { kind: 'uuid' }, port: { static: '1', note: 'x' } } }, 'fields.port.note', /not a known field/],
    ['a field name with a space', { kind: 'template', fields: { 'user name': { kind: 'uuid' } } }, 'fields.user name', /1-128 letters, digits, underscores, dots or hyphens/],
    ['a field named __proto__', JSON.parse('{"kind":"template","fields":{"p":{"kind":"uuid"},"__proto__":{"kind":"uuid"}}}') as unknown, 'fields.__proto__', /'__proto__' cannot be used as a name/],
    ['fields given as an array', { kind: 'template', fields: [{ kind: 'uuid' }] }, 'fields', /must be an object, not an array/],
  ])('refuses %s', (_, input, path, message) => {
    // Act
    const found = problems(input);

    // Assert
    expect(found).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('refuses a template of more than 64 fields', () => {
    const fields = Object.fromEntries(Array.from({ length: 65 }, (_, index) => [`f${index}`, { kind: 'uuid' }]));
    expect(problems({ kind: 'template', fields })).toEqual([{ path: 'fields', message: 'a template has at most 64 fields; this one has 65' }]);
  });

  it('reports every problem at once, not only the first', () => {
    const found = problems({ kind: 'random_password', length: 8, upper: false, minUpper: 3, minDigits: 9, colour: 'red' });
    expect(found.map((problem) => problem.path).sort()).toEqual(['colour', 'length', 'minUpper']);
  });

  it('never repeats a static value in a message', () => {
    const found = problems({ kind: 'template', fields: { user: { static: 'do-not-echo-me' } } });
    expect(JSON.stringify(found)).not.toContain('do-not-echo-me');
    expect(found).not.toEqual([]);
  });
});
