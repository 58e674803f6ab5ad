/**
 * The parts of SecretZero's Secretfile model (its pydantic classes) that kvrot reads, checked
 * the way pydantic checks them: unknown keys are ignored, as SecretZero ignores them, so a
 * file stays valid for both tools; our own extensions live under `x-kvrot`, where unknown
 * keys are refused, since a typo there would silently change a policy.
 */
import { z } from 'zod';
import { refuseProtoKey } from '../generators/zod-support.js';

const anyMap = z.record(z.string(), z.unknown());

/** pydantic's lax bool: SecretZero relies on it for values like `${IS_LOCAL:-false}`. */
const laxBoolean = z.union([z.boolean(), z.number(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['1', 'on', 't', 'true', 'y', 'yes'].includes(text)) return true;
  if (['0', 'off', 'f', 'false', 'n', 'no'].includes(text)) return false;
  ctx.issues.push({ code: 'custom', message: 'must be true or false', input: value });
  return z.NEVER;
});

export const targetSchema = z.looseObject({
  provider: z.string(),
  kind: z.string(),
  config: anyMap.nullish().transform((config) => config ?? {}),
});
export type SecretZeroTarget = z.output<typeof targetSchema>;

const targetsSchema = z.array(z.unknown()).nullish().transform((targets) => targets ?? []);

export const generatorSchema = z.looseObject({
  kind: z.string(),
  config: anyMap.nullish().transform((config) => config ?? {}),
});

export const templateFieldSchema = z.looseObject({
  description: z.string(),
  generator: generatorSchema,
  targets: targetsSchema,
});

export const templateSchema = z.looseObject({
  description: z.string(),
  fields: z.record(z.string(), z.unknown()),
  targets: targetsSchema,
});
export type SecretZeroTemplate = z.output<typeof templateSchema>;

/** Our extensions, at the top level (defaults for every policy) and per secret. */
const xKvrotFields = {
  environment: z.string().optional(),
  owner: z.string().optional(),
  tags: refuseProtoKey(z.record(z.string(), z.string())).optional(),
  /** How long each version stays valid; defaults to every + 30 days + a week (see rotation.ts). */
  validFor: z.string().optional(),
  strategy: z.unknown().optional(),
  consumers: z.array(z.unknown()).optional(),
};

export const topLevelExtensionSchema = z.strictObject(xKvrotFields);
export const secretExtensionSchema = z.strictObject({
  ...xKvrotFields,
  /** The policy id when the secret's name does not make a good one (or two names would make the same). */
  id: z.string().optional(),
});
export type TopLevelExtension = z.output<typeof topLevelExtensionSchema>;
export type SecretExtension = z.output<typeof secretExtensionSchema>;

export const X_KVROT = 'x-kvrot';

export const secretSchema = z.looseObject({
  name: z.string(),
  kind: z.string(),
  config: anyMap.nullish().transform((config) => config ?? {}),
  targets: targetsSchema,
  one_time: laxBoolean.nullish().transform((value) => value ?? false),
  rotation_period: z.string().nullish(),
  [X_KVROT]: secretExtensionSchema.optional(),
});
export type SecretZeroSecret = z.output<typeof secretSchema>;

const profileSchema = z.looseObject({
  var_files: z.array(z.string()).nullish(),
  target_profile: z.string().nullish(),
});

const targetProfileSchema = z.looseObject({
  provider_overrides: z.record(z.string(), anyMap).nullish(),
  target_overrides: z.record(z.string(), anyMap).nullish(),
});
export type TargetProfile = z.output<typeof targetProfileSchema>;

/** The top level; secrets, templates and policies are checked one by one, so one bad entry does not hide the rest. */
export const secretfileSchema = z.looseObject({
  variables: anyMap.optional(),
  metadata: z
    .looseObject({
      owner: z.string().nullish(),
      compliance: z.array(z.string()).nullish(),
    })
    .nullish(),
  environments: z
    .looseObject({
      default: z.string().nullish(),
      profiles: z.record(z.string(), profileSchema).nullish(),
    })
    .nullish(),
  target_profiles: z.record(z.string(), targetProfileSchema).nullish(),
  secrets: z.array(z.unknown()).nullish(),
  templates: z.record(z.string(), z.unknown()).nullish(),
  policies: z.record(z.string(), z.unknown()).nullish(),
  [X_KVROT]: topLevelExtensionSchema.optional(),
});
export type SecretfileModel = z.output<typeof secretfileSchema>;
