/**
 * The shape `kvrot validate --json` prints, as a zod schema: the documented contract
 * (docs/cli.md), the type the command builds, and what the tests check its output against.
 * Fields are only ever added; `kvrotJson` changes if one is removed or changes meaning.
 */
import { z } from 'zod';
import { findingJsonFields } from '../../core/reports/finding.js';

export const KVROT_JSON_VERSION = 1;

const location = {
  file: z.string(),
  line: z.number().int().min(1),
  column: z.number().int().min(1),
};

export const locatedMessageSchema = z.strictObject({
  ...location,
  /** `secrets[3].config.length`; '' for the file as a whole. */
  path: z.string(),
  message: z.string(),
});

/** A policy as the API stores it, a template's fixed values shown as [redacted]. */
const policy = z.looseObject({
  id: z.string(),
  vaultUrl: z.string(),
  secretName: z.string(),
  generator: z.looseObject({ kind: z.enum(['random_password', 'random_string', 'uuid', 'template', 'static', 'issued']) }),
  rotation: z.strictObject({ every: z.string(), validFor: z.string() }),
  environment: z.string(),
  owner: z.string(),
  tags: z.record(z.string(), z.string()),
  enabled: z.boolean(),
});

/** A target kvrot does not serve, at its place in the file. */
export const skippedTargetSchema = z.strictObject({
  ...location,
  path: z.string(),
  secret: z.string(),
  provider: z.string(),
  kind: z.string(),
  reason: z.string(),
});

export const validateReportSchema = z.strictObject({
  kvrotJson: z.literal(KVROT_JSON_VERSION),
  command: z.literal('validate'),
  /** No errors, and no finding of high severity. */
  ok: z.boolean(),
  file: z.string(),
  environment: z.string().nullable(),
  varFiles: z.array(z.string()),
  policies: z.array(
    z.strictObject({
      policy,
      source: z.strictObject({
        ...location,
        /** The secret entry: `secrets[3]`. */
        path: z.string(),
        /** The SecretZero secret's name. */
        secret: z.string(),
        /** The Key Vault target the policy serves: `secrets[3].targets[0]`. */
        target: z.string(),
        /** A template field with a target of its own. */
        field: z.string().optional(),
      }),
      /** rotation.validFor was not in the file: every + 30 days + 7. */
      validForDefault: z.boolean(),
      /** one_time, or no rotation_period: created when missing, never rotated. */
      neverRotated: z.boolean(),
      notes: z.array(z.string()),
    }),
  ),
  skipped: z.array(skippedTargetSchema),
  findings: z.array(
    z.strictObject({
      ...location,
      path: z.string(),
      ...findingJsonFields,
    }),
  ),
  warnings: z.array(locatedMessageSchema),
  errors: z.array(locatedMessageSchema),
  summary: z.strictObject({
    policies: z.number().int(),
    skipped: z.number().int(),
    findings: z.number().int(),
    warnings: z.number().int(),
    errors: z.number().int(),
  }),
});

export type ValidateReport = z.output<typeof validateReportSchema>;
