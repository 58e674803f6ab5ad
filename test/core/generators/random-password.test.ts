import { describe, expect, it } from 'vitest';
import { DIGITS, LOWER, SPECIAL, UPPER } from '../../../src/core/generators/character-sets.js';
import { generatorSpecSchema, type RandomPasswordSpec } from '../../../src/core/generators/generator-spec.js';
import { cryptoRandomSource } from '../../../src/core/generators/random-source.js';
import { generateRandomPassword, passwordAlphabet } from '../../../src/core/generators/random-password.js';
import { seededRandom } from './seeded-random.js';
import { chiSquare, chiSquareBound, countCharacters } from './statistics.js';

function passwordSpec(input: Record<string, unknown>): RandomPasswordSpec {
  const spec = generatorSpecSchema.parse({ kind: 'random_password', length: 32, ...input });
  if (spec.kind !== 'random_password') throw new Error('expected a password spec');
  return spec;
}

const countIn = (password: string, characters: string): number => [...password].filter((char) => characters.includes(char)).length;

describe('random_password', () => {
  it.each([8, 9, 32, 100, 4096])('has exactly the requested length %i', (length) => {
    const password = generateRandomPassword(passwordSpec({ length }), cryptoRandomSource);
    expect([...password]).toHaveLength(length);
  });

  it('holds at least one of each class by default, in every one of 2000 short passwords', () => {
    // Arrange: at length 8 a class would often be missing by chance alone.
    const spec = passwordSpec({ length: 8 });
    const random = seededRandom('classes-present');

    // Act
    const passwords = Array.from({ length: 2000 }, () => generateRandomPassword(spec, random));

    // Assert
    const missingAClass = passwords.filter((password) => [UPPER, LOWER, DIGITS, SPECIAL].some((characters) => countIn(password, characters) === 0));
    expect(missingAClass).toEqual([]);
  });

  it('honours minimum counts exactly at their tightest (length equal to their sum)', () => {
    // Arrange
    const spec = passwordSpec({ length: 12, minUpper: 3, minLower: 4, minDigits: 2, minSpecial: 3 });
    const random = seededRandom('tight-minimums');

    for (let round = 0; round < 500; round++) {
      // Act
      const password = generateRandomPassword(spec, random);

      // Assert
      expect([countIn(password, UPPER), countIn(password, LOWER), countIn(password, DIGITS), countIn(password, SPECIAL)]).toEqual([3, 4, 2, 3]);
    }
  });

  it('honours minimum counts when there is room to spare', () => {
    const spec = passwordSpec({ length: 20, minDigits: 6, minSpecial: 5 });
    const random = seededRandom('loose-minimums');
    for (let round = 0; round < 500; round++) {
      const password = generateRandomPassword(spec, random);
      expect(countIn(password, DIGITS)).toBeGreaterThanOrEqual(6);
      expect(countIn(password, SPECIAL)).toBeGreaterThanOrEqual(5);
    }
  });

  it.each([
    ['upper', UPPER],
    ['lower', LOWER],
    ['digits', DIGITS],
    ['special', SPECIAL],
  ])('never holds a %s character when that class is off', (name, characters) => {
    const spec = passwordSpec({ [name]: false, length: 64 });
    const random = seededRandom(`no-${name}`);
    for (let round = 0; round < 200; round++) expect(countIn(generateRandomPassword(spec, random), characters)).toBe(0);
  });

  it('never holds an excluded character, including regex and JSON metacharacters', () => {
    // Arrange
    const excluded = '"@/\\`\'$^[]';
    const spec = passwordSpec({ length: 128, excludeCharacters: excluded });
    const random = seededRandom('exclusions');

    // Act
    const all = Array.from({ length: 300 }, () => generateRandomPassword(spec, random)).join('');

    // Assert
    expect(countIn(all, excluded)).toBe(0);
    expect(new Set(all)).toEqual(new Set(passwordAlphabet(spec)));
  });

  it('keeps a class whose characters are partly excluded, drawing only from what is left', () => {
    const spec = passwordSpec({ length: 16, upper: false, lower: false, special: false, excludeCharacters: '01234567' });
    const random = seededRandom('partly-excluded');
    const all = Array.from({ length: 200 }, () => generateRandomPassword(spec, random)).join('');
    expect(new Set(all)).toEqual(new Set(['8', '9']));
  });

  it('draws each character at the rate the algorithm promises (seeded, chi-square over 100k characters)', () => {
    // Arrange: a character of class K appears, per password, min_K/|K| times from the
    // required draws plus (length - sum of minimums)/|alphabet| times from the fill.
    const spec = passwordSpec({ length: 20, minDigits: 3, minSpecial: 2 });
    const passwords = 5000;
    const random = seededRandom('distribution');
    const alphabet = passwordAlphabet(spec);
    const fill = spec.length - (1 + 1 + 3 + 2);
    const perPassword = (char: string, classSize: number, min: number): number => min / classSize + fill / alphabet.length;
    const expected = new Map<string, number>();
    for (const [characters, min] of [[UPPER, 1], [LOWER, 1], [DIGITS, 3], [SPECIAL, 2]] as const) {
      for (const char of characters) expected.set(char, passwords * perPassword(char, characters.length, min));
    }

    // Act
    const observed = countCharacters(Array.from({ length: passwords }, () => generateRandomPassword(spec, random)).join(''));

    // Assert
    expect(chiSquare(observed, expected)).toBeLessThan(chiSquareBound(alphabet.length - 1));
  });

  it('places required characters at uniformly random positions (no class favours the front)', () => {
    // Arrange: lower and digits only, one digit required; without the shuffle it would always come first.
    const spec = passwordSpec({ length: 10, upper: false, special: false, minLower: 0 });
    const random = seededRandom('positions');
    const rounds = 20_000;
    const digitsAt = new Map<string, number>();

    // Act
    let totalDigits = 0;
    for (let round = 0; round < rounds; round++) {
      [...generateRandomPassword(spec, random)].forEach((char, position) => {
        if (DIGITS.includes(char)) {
          digitsAt.set(String(position), (digitsAt.get(String(position)) ?? 0) + 1);
          totalDigits++;
        }
      });
    }

    // Assert: digits are spread evenly over the 10 positions.
    const expected = new Map(Array.from({ length: 10 }, (_, position) => [String(position), totalDigits / 10]));
    expect(chiSquare(digitsAt, expected)).toBeLessThan(chiSquareBound(9));
  });

  it('spreads crypto-generated characters evenly when no minimum skews them (loose bound)', () => {
    // Arrange
    const spec = passwordSpec({ length: 1000, minUpper: 0, minLower: 0, minDigits: 0, minSpecial: 0 });

    // Act
    const observed = countCharacters(Array.from({ length: 100 }, () => generateRandomPassword(spec, cryptoRandomSource)).join(''));

    // Assert
    const alphabet = passwordAlphabet(spec);
    const expected = new Map(alphabet.map((char) => [char, 100_000 / alphabet.length]));
    expect(chiSquare(observed, expected)).toBeLessThan(chiSquareBound(alphabet.length - 1));
  });

  it('gives different passwords on each call', () => {
    const spec = passwordSpec({});
    const passwords = new Set(Array.from({ length: 100 }, () => generateRandomPassword(spec, cryptoRandomSource)));
    expect(passwords.size).toBe(100);
  });
});
