/**
 * The largest value a generator can produce, in UTF-8 bytes, so a policy that
 * could ever exceed Key Vault's limit is refused when it is saved rather than
 * failing at some rotation months later.
 */
import { NAMED_CHARSETS, distinctCharacters } from './character-sets.js';
import type { GeneratorSpec, RandomStringSpec, TemplateFieldSpec } from './generator-spec.js';
import { passwordAlphabet } from './random-password.js';

/**
 * Key Vault documents "25 KB" and answers "Secret is beyond the maximum permitted
 * length of 25600 characters"; counting UTF-8 bytes against 25,600 is safe
 * under either reading, since a string never has more characters than bytes.
 */
export const KEY_VAULT_MAX_VALUE_BYTES = 25_600;

const UUID_LENGTH = 36;

export function maxGeneratedBytes(spec: GeneratorSpec): number {
  switch (spec.kind) {
    case 'random_password':
      return spec.length * widest(passwordAlphabet(spec), utf8Bytes);
    case 'random_string':
      return spec.length * widest(stringAlphabet(spec), utf8Bytes);
    case 'uuid':
      return UUID_LENGTH;
    case 'template':
      return templateBytes(spec.fields);
    case 'static':
      return 0;
    case 'issued':
      // The issuer's credential, not ours: a storage connection string or client secret is far below the limit.
      return 0;
  }
}

export function stringAlphabet(spec: RandomStringSpec): string[] {
  return spec.charset === 'custom' ? distinctCharacters(spec.characters ?? '') : distinctCharacters(NAMED_CHARSETS[spec.charset]);
}

/** The exact JSON text is '{' + '"name":value' joined by ',' + '}'; a generated string's characters may each need escaping. */
function templateBytes(fields: Record<string, TemplateFieldSpec>): number {
  const entries = Object.entries(fields);
  const separators = 2 + Math.max(0, entries.length - 1);
  return entries.reduce((total, [name, field]) => total + jsonBytes(name) + 1 + fieldBytes(field), separators);
}

function fieldBytes(field: TemplateFieldSpec): number {
  if ('static' in field) return jsonBytes(field.static);
  switch (field.kind) {
    case 'random_password':
      return 2 + field.length * widest(passwordAlphabet(field), jsonCharBytes);
    case 'random_string':
      return 2 + field.length * widest(stringAlphabet(field), jsonCharBytes);
    case 'uuid':
      return 2 + UUID_LENGTH;
  }
}

function widest(alphabet: string[], size: (char: string) => number): number {
  return alphabet.reduce((max, char) => Math.max(max, size(char)), 0);
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A string as JSON, quotes included. */
function jsonBytes(text: string): number {
  return utf8Bytes(JSON.stringify(text));
}

/** One character inside a JSON string: '"' and '\' take two bytes, others their UTF-8 size. */
function jsonCharBytes(char: string): number {
  return jsonBytes(char) - 2;
}
