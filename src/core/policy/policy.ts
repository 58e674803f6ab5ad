/**
 * The rotation policy: which secret to rotate, how to generate its new value,
 * and how often. Exchanged as JSON over the HTTP API and stored in Table
 * Storage; parsePolicy is the only way in, and it refuses anything that would
 * hurt in production with a message that says why.
 */
import { z } from 'zod';
import { parseDuration, DAY_MS, formatDuration } from '../durations.js';
import { ValidationError } from '../errors.js';
import { generatorSpecSchema } from '../generators/generator-spec.js';
import { issueMessages, refuseProtoKey, toErrorDetails } from '../generators/zod-support.js';
import { parseVaultUrl, secretNameProblem } from '../names.js';
import { unsafeCharacterProblem } from '../untrusted-text.js';
import { NEAR_EXPIRY_WINDOW_MS } from './schedule.js';

/** Tags this app writes on every version it creates. */
export const MANAGED_TAGS = { managedBy: 'managed-by', policyId: 'rotation-policy-id', rotationId: 'rotation-id' } as const;
export const MANAGED_BY_VALUE = 'kv-rotation';

export const KEY_VAULT_MAX_TAGS = 15;
export const MAX_POLICY_TAGS = KEY_VAULT_MAX_TAGS - Object.keys(MANAGED_TAGS).length;
const TAG_TEXT_LIMIT = 256;
const RESERVED_TAG_NAMES = new Set(Object.values(MANAGED_TAGS).map((name) => name.toLowerCase()));

/** Each rotation adds a version that can never be deleted, and backup fails above 500 versions. */
export const MIN_ROTATION_INTERVAL_MS = DAY_MS;

const POLICY_ID = /^[a-z][a-z0-9-]{0,62}$/;

const idSchema = z
  .string()
  .regex(POLICY_ID, 'must be 1-63 lower-case letters, digits and hyphens, starting with a letter: the id is a Table Storage key and a URL segment');

const vaultUrlSchema = z.string().transform((url, ctx) => {
  try {
    return parseVaultUrl(url).origin;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    ctx.issues.push({ code: 'custom', message: error.message, input: url });
    return z.NEVER;
  }
});

const secretNameSchema = z.string().superRefine((name, ctx) => {
  const problem = secretNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const durationSchema = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text).text;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    ctx.issues.push({ code: 'custom', message: error.message, input: text });
    return z.NEVER;
  }
});

const rotationSchema = z
  .strictObject({
    /** Rotate when the current version is this old. */
    every: durationSchema,
    /** Each new version expires this long after it is written. */
    validFor: durationSchema,
  })
  .superRefine((rotation, ctx) => {
    const every = millisecondsOrUndefined(rotation.every);
    const validFor = millisecondsOrUndefined(rotation.validFor);
    if (every !== undefined && every < MIN_ROTATION_INTERVAL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['every'],
        message: `every (${rotation.every}) must be at least 1 day: each rotation adds a Key Vault version that can never be deleted, and a secret with more than 500 versions can no longer be backed up`,
      });
    }
    if (validFor !== undefined && validFor <= NEAR_EXPIRY_WINDOW_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['validFor'],
        message: `validFor (${rotation.validFor}) must be longer than 30 days: Key Vault raises SecretNearExpiry 30 days before a version expires, so each new version would be near expiry as soon as it is written and trigger the next rotation at once, a rotation loop`,
      });
    }
    if (every !== undefined && validFor !== undefined && validFor <= every) {
      ctx.addIssue({
        code: 'custom',
        path: ['validFor'],
        message: `validFor (${rotation.validFor}) must be longer than every (${rotation.every}): otherwise the current version expires before its replacement is due; ${formatDuration(every + NEAR_EXPIRY_WINDOW_MS)} or more leaves the near-expiry window clear`,
      });
    }
  });

/** Transforms above hand on z.NEVER for a value they refused; those are reported already. */
function millisecondsOrUndefined(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseDuration(text).milliseconds;
  } catch {
    return undefined;
  }
}

/** Free text is logged, audited and written to Key Vault: a control or bidi character could forge or disguise a line there. */
function refuseUnsafeCharacters(text: string, ctx: z.RefinementCtx, path: PropertyKey[] = []): void {
  const problem = unsafeCharacterProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', path, message: problem });
}

const tagsSchema = refuseProtoKey(
  z.record(z.string(), z.string()).superRefine((tags, ctx) => {
    const names = Object.keys(tags);
    if (names.length > MAX_POLICY_TAGS) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `has ${names.length} tags, at most ${MAX_POLICY_TAGS} are allowed: Key Vault keeps ${KEY_VAULT_MAX_TAGS} tags per secret and this app writes ${KEY_VAULT_MAX_TAGS - MAX_POLICY_TAGS} of its own (${Object.values(MANAGED_TAGS).join(', ')})`,
      });
    }
    for (const [name, value] of Object.entries(tags)) {
      if (name.length === 0) ctx.addIssue({ code: 'custom', path: [name], message: 'a tag name cannot be empty' });
      if (name.length > TAG_TEXT_LIMIT) {
        ctx.addIssue({ code: 'custom', path: [name], message: `a tag name has at most ${TAG_TEXT_LIMIT} characters in Key Vault; this one has ${name.length}` });
      }
      if (RESERVED_TAG_NAMES.has(name.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: [name], message: `'${name}' is reserved: this app writes it to mark the versions it creates` });
      }
      if (value.length > TAG_TEXT_LIMIT) {
        ctx.addIssue({ code: 'custom', path: [name], message: `a tag value has at most ${TAG_TEXT_LIMIT} characters in Key Vault; this one has ${value.length}` });
      }
      refuseUnsafeCharacters(name, ctx, [name]);
      refuseUnsafeCharacters(value, ctx, [name]);
    }
  }),
);

export const rotationPolicySchema = z.strictObject({
  id: idSchema,
  /** Normalised to the vault's origin: lower-case, no trailing slash, no :443. */
  vaultUrl: vaultUrlSchema,
  secretName: secretNameSchema,
  generator: generatorSpecSchema,
  rotation: rotationSchema,
  // Checked once trimmed: whitespace around them is dropped, never stored or logged.
  environment: z.string().trim().min(1, 'cannot be empty').max(64, 'must be at most 64 characters').superRefine((text, ctx) => refuseUnsafeCharacters(text, ctx)),
  owner: z.string().trim().min(1, 'cannot be empty').max(128, 'must be at most 128 characters').superRefine((text, ctx) => refuseUnsafeCharacters(text, ctx)),
  /** When absent, defaultContentType(generator) applies (application/json for templates). */
  contentType: z
    .string()
    .min(1, 'cannot be empty; leave it out instead')
    .max(255, 'must be at most 255 characters: Key Vault refuses longer content types')
    .superRefine((text, ctx) => refuseUnsafeCharacters(text, ctx))
    .optional(),
  tags: tagsSchema.default({}),
  enabled: z.boolean().default(true),
});

export type RotationPolicy = z.output<typeof rotationPolicySchema>;
export type RotationPolicyInput = z.input<typeof rotationPolicySchema>;

/** Parses and normalises a policy; throws ValidationError with one detail per problem. */
export function parsePolicy(input: unknown): RotationPolicy {
  const result = rotationPolicySchema.safeParse(input, { error: issueMessages });
  if (result.success) return result.data;
  const details = toErrorDetails(result.error);
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  throw new ValidationError(`invalid rotation policy: ${first.path || '(policy)'}: ${first.message}${more}`, details);
}
