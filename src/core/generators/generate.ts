/** Produces a new value from a generator spec. Values leave this module only inside a SecretValue (see index.ts). */
import { randomUUID } from 'node:crypto';
import type { NestedGeneratorSpec, RandomStringSpec, TemplateSpec } from './generator-spec.js';
import { generateRandomPassword } from './random-password.js';
import { pick, type RandomSource } from './random-source.js';
import { stringAlphabet } from './size.js';

export function generateRandomString(spec: RandomStringSpec, random: RandomSource): string {
  const alphabet = stringAlphabet(spec);
  let value = '';
  for (let index = 0; index < spec.length; index++) value += pick(alphabet, random);
  return value;
}

/** One JSON object, fields in the order the policy lists them. */
export function generateTemplate(spec: TemplateSpec, random: RandomSource): string {
  const members = Object.entries(spec.fields).map(([name, field]) => {
    const value = 'static' in field ? field.static : generateNested(field, random);
    return `${JSON.stringify(name)}:${JSON.stringify(value)}`;
  });
  return `{${members.join(',')}}`;
}

export function generateNested(spec: NestedGeneratorSpec, random: RandomSource): string {
  switch (spec.kind) {
    case 'random_password':
      return generateRandomPassword(spec, random);
    case 'random_string':
      return generateRandomString(spec, random);
    case 'uuid':
      // Node's v4 UUID draws from the CSPRNG; its 122 random bits are not worth re-deriving from the injected source.
      return randomUUID();
  }
}
