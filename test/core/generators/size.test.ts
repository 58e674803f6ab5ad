import { describe, expect, it } from 'vitest';
import {
  generateSecretValue,
  generatorSpecSchema,
  KEY_VAULT_MAX_VALUE_BYTES,
  maxGeneratedBytes,
  type GeneratorSpec,
} from '../../../src/core/generators/index.js';
import { seededRandom } from './seeded-random.js';

const spec = (input: unknown): GeneratorSpec => generatorSpecSchema.parse(input);

describe('maxGeneratedBytes', () => {
  it.each([
    ['a password: one byte per ASCII character', { kind: 'random_password', length: 64 }, 64],
    ['an alphanumeric string', { kind: 'random_string', length: 100 }, 100],
    ['a custom string of 4-byte characters', { kind: 'random_string', length: 10, charset: 'custom', characters: 'a😀' }, 40],
    ['a custom string of 3-byte characters', { kind: 'random_string', length: 10, charset: 'custom', characters: '€a' }, 30],
    ['a uuid', { kind: 'uuid' }, 36],
    ['static: nothing is generated', { kind: 'static' }, 0],
  ])('counts %s', (_, input, bytes) => {
    expect(maxGeneratedBytes(spec(input))).toBe(bytes);
  });

  it('is reached exactly by a template whose every generated character needs escaping', () => {
    // Arrange: '"' and '\' each take two bytes inside a JSON string; 'é' two bytes in UTF-8.
    const template = spec({
      kind: 'template',
      fields: {
        escaped: { kind: 'random_string', length: 100, charset: 'custom', characters: '"\\' },
        name: { static: 'café' },
        id: { kind: 'uuid' },
      },
    });

    // Act
    const value = generateSecretValue(template, seededRandom('escaped'));

    // Assert
    expect(value.byteLength).toBe(maxGeneratedBytes(template));
  });

  it('bounds every value a template can produce', () => {
    // Arrange
    const template = spec({
      kind: 'template',
      fields: {
        password: { kind: 'random_password', length: 64 },
        token: { kind: 'random_string', length: 64, charset: 'custom', characters: 'ab"€😀' },
        user: { static: 'ünïcödé "quoted" \\ name' },
      },
    });
    const random = seededRandom('bounds');
    const max = maxGeneratedBytes(template);

    // Act
    const sizes = Array.from({ length: 300 }, () => generateSecretValue(template, random).byteLength);

    // Assert
    expect(Math.max(...sizes)).toBeLessThanOrEqual(max);
  });
});

describe("Key Vault's value size limit", () => {
  // '{"a":"<hex>","s":"<static>"}' is 15 bytes of JSON syntax plus the two values.
  const boundaryTemplate = (staticLength: number): unknown => ({
    kind: 'template',
    fields: { a: { kind: 'random_string', length: 4096, charset: 'hex' }, s: { static: 'x'.repeat(staticLength) } },
  });
  const exactFit = KEY_VAULT_MAX_VALUE_BYTES - 15 - 4096;

  it('accepts a template that can reach exactly 25,600 bytes, and its value is that size', () => {
    // Act
    const template = spec(boundaryTemplate(exactFit));

    // Assert
    expect(maxGeneratedBytes(template)).toBe(KEY_VAULT_MAX_VALUE_BYTES);
    expect(generateSecretValue(template).byteLength).toBe(KEY_VAULT_MAX_VALUE_BYTES);
  });

  it('refuses one byte more, at the template fields, saying every rotation would fail', () => {
    // Act
    const result = generatorSpecSchema.safeParse(boundaryTemplate(exactFit + 1));

    // Assert
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['fields'], message: expect.stringMatching(/can reach 25601 bytes, over Key Vault's limit of 25600 bytes.*every rotation would fail/) }),
    ]);
  });

  it('counts JSON escaping: four 4096-character special-only passwords fit raw but not escaped', () => {
    // Arrange: 4 x 4096 = 16,384 bytes raw; '"' and '\' double in JSON, so up to 32,768.
    const template = (excludeCharacters?: string): unknown => ({
      kind: 'template',
      fields: Object.fromEntries(
        Array.from({ length: 4 }, (_, index) => [
          `p${index}`,
          { kind: 'random_password', length: 4096, upper: false, lower: false, digits: false, ...(excludeCharacters ? { excludeCharacters } : {}) },
        ]),
      ),
    });

    // Act
    const withEscapes = generatorSpecSchema.safeParse(template());
    const withoutEscapes = generatorSpecSchema.safeParse(template('"\\'));

    // Assert
    expect(withEscapes.error?.issues[0]?.message).toMatch(/can reach 32\d{3} bytes/);
    expect(withoutEscapes.success).toBe(true);
  });
});
