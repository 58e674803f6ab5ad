/**
 * How a policy's new value is made, named as SecretZero names its generators:
 * random_password, random_string, uuid, template and static. Each schema
 * refuses settings that cannot produce a valid value, saying why.
 */
import { z } from 'zod';
import { CHARSET_NAMES, distinctCharacters, UNPRINTABLE } from './character-sets.js';
import { passwordClasses, passwordAlphabet } from './random-password.js';
import { KEY_VAULT_MAX_VALUE_BYTES, maxGeneratedBytes } from './size.js';
import { flattenIssues, issueMessages, refuseProtoKey } from './zod-support.js';

export const LENGTH_LIMITS = { min: 8, max: 4096 } as const;
export const TEMPLATE_FIELD_LIMIT = 64;
/** A template field's name: also how a keyvault-replica names the one field it copies. */
export const TEMPLATE_FIELD_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
export const TEMPLATE_FIELD_NAME_RULE = 'a field name is 1-128 letters, digits, underscores, dots or hyphens';

const length = z
  .number()
  .int('must be a whole number')
  .min(LENGTH_LIMITS.min, `must be at least ${LENGTH_LIMITS.min}: shorter secrets are too easy to guess`)
  .max(LENGTH_LIMITS.max, `must be at most ${LENGTH_LIMITS.max}`);

const minimumCount = z
  .number()
  .int('must be a whole number')
  .min(0, 'cannot be negative')
  .max(LENGTH_LIMITS.max, `must be at most ${LENGTH_LIMITS.max}`)
  .optional();

export const randomPasswordSchema = z
  .strictObject({
    kind: z.literal('random_password'),
    length,
    upper: z.boolean().default(true),
    lower: z.boolean().default(true),
    digits: z.boolean().default(true),
    special: z.boolean().default(true),
    /** Default 1 when the class is on, 0 when it is off. */
    minUpper: minimumCount,
    minLower: minimumCount,
    minDigits: minimumCount,
    minSpecial: minimumCount,
    excludeCharacters: z.string().max(256, 'must be at most 256 characters').optional(),
  })
  .superRefine((spec, ctx) => {
    const classes = passwordClasses(spec);
    for (const charClass of classes) {
      const requested = spec[charClass.minField];
      if (!charClass.enabled && requested !== undefined && requested > 0) {
        ctx.addIssue({
          code: 'custom',
          path: [charClass.minField],
          message: `${charClass.minField} is ${requested} but ${charClass.name} is false: turn ${charClass.name} on or drop ${charClass.minField}`,
        });
      }
      if (charClass.enabled && charClass.min > 0 && charClass.alphabet.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['excludeCharacters'],
          message: `excludes every ${charClass.label}, yet ${charClass.minField} is ${charClass.min}: no password could satisfy both; set ${charClass.minField} to 0 or turn ${charClass.name} off`,
        });
      }
    }
    if (!classes.some((charClass) => charClass.enabled)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'upper, lower, digits and special are all false: turn at least one character class on',
      });
      return;
    }
    const usable = passwordAlphabet(spec).length;
    if (usable < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['excludeCharacters'],
        message: `leaves ${usable} usable character${usable === 1 ? '' : 's'}: a random password needs at least 2`,
      });
    }
    const required = classes.filter((charClass) => charClass.min > 0);
    const total = required.reduce((sum, charClass) => sum + charClass.min, 0);
    if (total > spec.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['length'],
        message: `length ${spec.length} is shorter than the minimum counts it must hold (${required.map((c) => `${c.minField} ${c.min}`).join(' + ')} = ${total})`,
      });
    }
  });

export const randomStringSchema = z
  .strictObject({
    kind: z.literal('random_string'),
    length,
    charset: z.enum(CHARSET_NAMES, { error: `must be one of ${CHARSET_NAMES.join(', ')}` }).default('alphanumeric'),
    /** The alphabet when charset is custom; duplicates count once. */
    characters: z.string().min(1, 'cannot be empty').max(1024, 'must be at most 1024 characters').optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.charset !== 'custom') {
      if (spec.characters !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['characters'],
          message: `is only read when charset is custom (charset is ${spec.charset}): remove it or set charset to custom`,
        });
      }
      return;
    }
    if (spec.characters === undefined) {
      ctx.addIssue({ code: 'custom', path: ['characters'], message: 'is required when charset is custom: list the characters to draw from' });
      return;
    }
    if (UNPRINTABLE.test(spec.characters)) {
      ctx.addIssue({
        code: 'custom',
        path: ['characters'],
        message: 'contains a control character or an unpaired surrogate: such characters are mangled on the way to and from Key Vault',
      });
    }
    const distinct = distinctCharacters(spec.characters).length;
    if (distinct < 2) {
      ctx.addIssue({ code: 'custom', path: ['characters'], message: `has ${distinct} distinct character: a random string needs at least 2` });
    }
  });

export const uuidSchema = z.strictObject({ kind: z.literal('uuid') });

/** Nothing is generated: the value is set outside this app, which only watches its expiry. */
export const staticSchema = z.strictObject({ kind: z.literal('static') });

/** Nothing is generated: the consumer that issues the credential (a storage account, an Entra application) makes it. */
export const issuedSchema = z.strictObject({ kind: z.literal('issued') });

/** A fixed field of a template, stored in the policy as plain text: not for secrets. */
export const staticFieldSchema = z.strictObject({ static: z.string() });

const NESTED_KINDS = 'random_password, random_string or uuid';
const nestedGeneratorSchema = z.discriminatedUnion('kind', [randomPasswordSchema, randomStringSchema, uuidSchema], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `a template field is a generator (kind ${NESTED_KINDS}) or a fixed value ({ "static": "..." })`
      : undefined,
});

/**
 * A field is routed by shape, not tried against each option in turn, so a
 * mistake inside it is reported at its own path rather than as "no option matched".
 */
const templateFieldSchema = z.unknown().transform((input, ctx) => {
  const isStatic = input !== null && typeof input === 'object' && 'static' in input;
  const result = isStatic ? staticFieldSchema.safeParse(input, { error: issueMessages }) : nestedGeneratorSchema.safeParse(input, { error: issueMessages });
  if (!result.success) {
    for (const { path, message } of flattenIssues(result.error.issues)) ctx.issues.push({ code: 'custom', path, message, input });
    return z.NEVER;
  }
  return result.data as z.output<typeof staticFieldSchema> | z.output<typeof nestedGeneratorSchema>;
});

export const templateSchema = z.strictObject({
  kind: z.literal('template'),
  fields: refuseProtoKey(
    z.record(z.string(), templateFieldSchema).superRefine((fields, ctx) => {
      const names = Object.keys(fields);
      if (names.length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'a template needs at least one field' });
      if (names.length > TEMPLATE_FIELD_LIMIT) {
        ctx.addIssue({ code: 'custom', path: [], message: `a template has at most ${TEMPLATE_FIELD_LIMIT} fields; this one has ${names.length}` });
      }
      for (const name of names) {
        if (!TEMPLATE_FIELD_NAME.test(name)) {
          ctx.addIssue({ code: 'custom', path: [name], message: TEMPLATE_FIELD_NAME_RULE });
        }
      }
      if (names.length > 0 && Object.values(fields).every((field) => 'static' in field)) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: 'every field is static, so each rotation would write the same value again: generate at least one field, or use kind static',
        });
      }
    }),
  ),
});

const GENERATOR_KINDS = ['random_password', 'random_string', 'uuid', 'template', 'static', 'issued'] as const;

export const generatorSpecSchema = z
  .discriminatedUnion('kind', [randomPasswordSchema, randomStringSchema, uuidSchema, templateSchema, staticSchema, issuedSchema], {
    error: (issue) => (issue.code === 'invalid_union' ? `kind must be one of ${GENERATOR_KINDS.join(', ')}` : undefined),
  })
  .superRefine((spec, ctx) => {
    const bytes = maxGeneratedBytes(spec);
    if (bytes > KEY_VAULT_MAX_VALUE_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: spec.kind === 'template' ? ['fields'] : ['length'],
        message: `the generated value can reach ${bytes} bytes, over Key Vault's limit of ${KEY_VAULT_MAX_VALUE_BYTES} bytes for a secret value: every rotation would fail; shorten or drop fields`,
      });
    }
  });

export type RandomPasswordSpec = z.output<typeof randomPasswordSchema>;
export type RandomStringSpec = z.output<typeof randomStringSchema>;
export type UuidSpec = z.output<typeof uuidSchema>;
export type StaticSpec = z.output<typeof staticSchema>;
export type StaticFieldSpec = z.output<typeof staticFieldSchema>;
export type NestedGeneratorSpec = RandomPasswordSpec | RandomStringSpec | UuidSpec;
export type TemplateFieldSpec = NestedGeneratorSpec | StaticFieldSpec;
export type TemplateSpec = z.output<typeof templateSchema>;
export type GeneratorSpec = z.output<typeof generatorSpecSchema>;
export type GeneratorSpecInput = z.input<typeof generatorSpecSchema>;
export type GeneratorKind = GeneratorSpec['kind'];
