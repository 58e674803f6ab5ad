import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NAMED_CHARSETS } from '../../../src/core/generators/character-sets.js';
import {
  cryptoRandomSource,
  defaultContentType,
  generateSecretValue,
  generatorSpecSchema,
  type GeneratorSpec,
} from '../../../src/core/generators/index.js';
import { ValidationError } from '../../../src/core/errors.js';
import { seededRandom } from './seeded-random.js';
import { chiSquare, chiSquareBound, countCharacters } from './statistics.js';

const spec = (input: unknown): GeneratorSpec => generatorSpecSchema.parse(input);
const generate = (input: unknown, seed = 'generators'): string => generateSecretValue(spec(input), seededRandom(seed)).reveal();

describe('random_string', () => {
  it.each(Object.entries(NAMED_CHARSETS))('draws charset %s from exactly its alphabet', (charset, alphabet) => {
    // Act
    const drawn = generate({ kind: 'random_string', length: 4096, charset });

    // Assert: 4096 draws reach every character of a 64-character alphabet with overwhelming probability.
    expect(new Set(drawn)).toEqual(new Set(alphabet));
  });

  it('defaults to alphanumeric', () => {
    expect(spec({ kind: 'random_string', length: 16 })).toMatchObject({ charset: 'alphanumeric' });
  });

  it('draws a custom charset, counting a repeated character once', () => {
    const drawn = generate({ kind: 'random_string', length: 2000, charset: 'custom', characters: 'aab€😀' });
    expect(new Set(drawn)).toEqual(new Set(['a', 'b', '€', '😀']));
  });

  it('counts length in characters, not UTF-16 units', () => {
    const drawn = generate({ kind: 'random_string', length: 50, charset: 'custom', characters: '😀🔑' });
    expect([...drawn]).toHaveLength(50);
  });

  it.each(['alphanumeric', 'hex', 'base64', 'numeric'] as const)('is uniform over charset %s (seeded chi-square, 100k characters)', (charset) => {
    // Act
    const observed = countCharacters(
      Array.from({ length: 25 }, (_, round) => generate({ kind: 'random_string', length: 4000, charset }, `uniform-${charset}-${round}`)).join(''),
    );

    // Assert
    const alphabet = [...NAMED_CHARSETS[charset]];
    const expected = new Map(alphabet.map((char) => [char, 100_000 / alphabet.length]));
    expect(chiSquare(observed, expected)).toBeLessThan(chiSquareBound(alphabet.length - 1));
  });

  it('is uniform with the crypto source too (loose bound)', () => {
    const observed = countCharacters(
      Array.from({ length: 25 }, () => generateSecretValue(spec({ kind: 'random_string', length: 4000 }), cryptoRandomSource).reveal()).join(''),
    );
    const alphabet = [...NAMED_CHARSETS.alphanumeric];
    const expected = new Map(alphabet.map((char) => [char, 100_000 / alphabet.length]));
    expect(chiSquare(observed, expected)).toBeLessThan(chiSquareBound(alphabet.length - 1));
  });
});

describe('uuid', () => {
  it('is a version 4 UUID in canonical lower-case form', () => {
    const value = generate({ kind: 'uuid' });
    expect(value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is new each time', () => {
    const values = new Set(Array.from({ length: 1000 }, () => generate({ kind: 'uuid' })));
    expect(values.size).toBe(1000);
  });
});

describe('template', () => {
  const dbCredentials = {
    kind: 'template',
    fields: {
      host: { static: 'payments.postgres.database.azure.com' },
      port: { static: '5432' },
      username: { static: 'payments_app' },
      password: { kind: 'random_password', length: 32, special: true },
      requestId: { kind: 'uuid' },
      apiKey: { kind: 'random_string', length: 40, charset: 'base64url' },
    },
  };

  it('is one JSON object with the fields in the order given, static fields verbatim', () => {
    // Act
    const value = JSON.parse(generate(dbCredentials)) as Record<string, string>;

    // Assert
    expect(Object.keys(value)).toEqual(['host', 'port', 'username', 'password', 'requestId', 'apiKey']);
    expect(value).toMatchObject({ host: 'payments.postgres.database.azure.com', port: '5432', username: 'payments_app' });
    expect([...value.password!]).toHaveLength(32);
    expect(value.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(value.apiKey).toMatch(/^[A-Za-z0-9_-]{40}$/);
  });

  it('generates each field anew on each call', () => {
    const first = JSON.parse(generate(dbCredentials, 'one')) as Record<string, string>;
    const second = JSON.parse(generate(dbCredentials, 'two')) as Record<string, string>;
    expect(first.password).not.toBe(second.password);
    expect(first.username).toBe(second.username);
  });

  it('escapes quotes and backslashes a password may hold, so the JSON stays valid', () => {
    // Arrange: only specials, so quotes and backslashes are frequent.
    const template = { kind: 'template', fields: { password: { kind: 'random_password', length: 256, upper: false, lower: false, digits: false } } };

    // Act
    const values = Array.from({ length: 20 }, (_, round) => generate(template, `escape-${round}`));

    // Assert
    for (const value of values) expect([...(JSON.parse(value) as { password: string }).password]).toHaveLength(256);
    expect(values.join('')).toContain('\\"');
  });

  it('defaults its content type to application/json; other generators declare none', () => {
    expect(defaultContentType(spec(dbCredentials))).toBe('application/json');
    expect([{ kind: 'uuid' }, { kind: 'static' }, { kind: 'random_password', length: 16 }].map((input) => defaultContentType(spec(input)))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('generateSecretValue', () => {
  it('refuses static, which generates nothing', () => {
    expect(() => generateSecretValue(spec({ kind: 'static' }))).toThrow(/static generator produces no value/);
    expect(() => generateSecretValue(spec({ kind: 'static' }))).toThrow(ValidationError);
  });

  it('refuses a hand-built spec the schema would refuse, rather than generate a weaker secret', () => {
    // Arrange: typed as valid, but its minimums exceed its length.
    const handBuilt: GeneratorSpec = { kind: 'random_password', length: 8, upper: true, lower: true, digits: true, special: true, minDigits: 9 };

    // Act
    const attempt = (): unknown => generateSecretValue(handBuilt);

    // Assert
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(expect.objectContaining({ details: [{ path: 'length', message: expect.stringContaining('minDigits 9') }] }));
  });

  it('uses the crypto source when none is given', () => {
    const values = new Set(Array.from({ length: 50 }, () => generateSecretValue(spec({ kind: 'random_password', length: 16 })).reveal()));
    expect(values.size).toBe(50);
  });

  describe('the value never prints', () => {
    const value = generateSecretValue(spec({ kind: 'random_password', length: 24 }));
    const secret = value.reveal();

    it.each([
      ['String()', () => String(value)],
      ['a template literal', () => `${value}`],
      ['JSON.stringify', () => JSON.stringify({ value })],
      ['util.inspect', () => inspect(value)],
      ['util.inspect, nested and deep', () => inspect({ outer: { value } }, { depth: 10, showHidden: true })],
    ])('through %s', (_, print) => {
      const printed = print();
      expect(printed).toContain('[redacted]');
      expect(printed).not.toContain(secret);
    });

    it('through a template value too', () => {
      const template = generateSecretValue(spec({ kind: 'template', fields: { password: { kind: 'random_password', length: 24 } } }));
      const password = (JSON.parse(template.reveal()) as { password: string }).password;
      expect([String(template), JSON.stringify(template), inspect(template)].join(' ')).not.toContain(password);
    });
  });
});
