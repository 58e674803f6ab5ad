/**
 * random_password: length characters from the enabled classes, minus the
 * excluded characters, holding at least the minimum count of each class.
 */
import { DIGITS, LOWER, SPECIAL, UPPER, distinctCharacters } from './character-sets.js';
import type { RandomPasswordSpec } from './generator-spec.js';
import { pick, shuffle, type RandomSource } from './random-source.js';

type ClassName = 'upper' | 'lower' | 'digits' | 'special';
type MinField = 'minUpper' | 'minLower' | 'minDigits' | 'minSpecial';

const CLASSES: readonly { name: ClassName; minField: MinField; label: string; characters: string }[] = [
  { name: 'upper', minField: 'minUpper', label: 'upper-case letter', characters: UPPER },
  { name: 'lower', minField: 'minLower', label: 'lower-case letter', characters: LOWER },
  { name: 'digits', minField: 'minDigits', label: 'digit', characters: DIGITS },
  { name: 'special', minField: 'minSpecial', label: 'special character', characters: SPECIAL },
];

export interface PasswordClass {
  name: ClassName;
  minField: MinField;
  label: string;
  enabled: boolean;
  /** The class's characters left after excludeCharacters. */
  alphabet: string[];
  /** How many the password must hold: 0 when the class is off, else the minimum given (default 1). */
  min: number;
}

type PasswordSettings = Omit<RandomPasswordSpec, 'kind' | 'length'>;

export function passwordClasses(spec: PasswordSettings): PasswordClass[] {
  const excluded = new Set(spec.excludeCharacters ?? '');
  return CLASSES.map(({ name, minField, label, characters }) => {
    const enabled = spec[name];
    return {
      name,
      minField,
      label,
      enabled,
      alphabet: enabled ? distinctCharacters(characters).filter((char) => !excluded.has(char)) : [],
      min: enabled ? (spec[minField] ?? 1) : 0,
    };
  });
}

/** Every character a password may hold. The classes are disjoint, so this is their concatenation. */
export function passwordAlphabet(spec: PasswordSettings): string[] {
  return passwordClasses(spec).flatMap((charClass) => charClass.alphabet);
}

/**
 * Draws each class's required characters from that class, fills the rest from
 * the whole alphabet, then shuffles, so the required characters sit at uniformly
 * random positions rather than at the front.
 */
export function generateRandomPassword(spec: RandomPasswordSpec, random: RandomSource): string {
  const classes = passwordClasses(spec);
  const alphabet = classes.flatMap((charClass) => charClass.alphabet);
  const chars: string[] = [];
  for (const charClass of classes) {
    for (let count = 0; count < charClass.min; count++) chars.push(pick(charClass.alphabet, random));
  }
  while (chars.length < spec.length) chars.push(pick(alphabet, random));
  return shuffle(chars, random).join('');
}
