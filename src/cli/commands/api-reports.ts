/**
 * The shapes the API commands print with --json, as zod schemas: the documented contract
 * (docs/cli.md), the types the commands build, and what the tests check their output against.
 * Each document carries kvrotJson and its command. What the API answered is embedded with the
 * API's own schemas (api-schemas.ts). Fields are only ever added; kvrotJson changes if one is
 * removed or changes meaning.
 */
import { z } from 'zod';
import { CHANGE_REQUEST_STATUSES } from '../../core/approvals/change-request.js';
import { auditRecordSchema, changeRequestSchema, costReportSchema, findingSchema, policyStateSchema, rotationOutcomeSchema, rotationPlanSchema } from '../../functions/http/api-schemas.js';
import { KVROT_JSON_VERSION, locatedMessageSchema, skippedTargetSchema } from './validate-report.js';

const header = <C extends string>(command: C) => ({
  kvrotJson: z.literal(KVROT_JSON_VERSION),
  command: z.literal(command),
  /** The command did what it was asked (the exit code is 0 exactly then, drift's 4 aside). */
  ok: z.boolean(),
});

/** Where the command talked to: the environment's name and its API's base URL. */
const target = { environment: z.string(), api: z.string() };

export const PLAN_ACTIONS = ['create', 'replace', 'delete', 'unchanged'] as const;

export const plannedChangeSchema = z.strictObject({
  action: z.enum(PLAN_ACTIONS),
  policyId: z.string(),
  vaultUrl: z.string(),
  secretName: z.string(),
  environment: z.string(),
  /** replace: the dotted paths of the fields that differ; never their values. */
  changedFields: z.array(z.string()),
  /** Where the policy comes from in the Secretfile (create, replace, unchanged). */
  source: z.strictObject({ file: z.string(), line: z.number().int(), column: z.number().int(), path: z.string() }).nullable(),
  /**
   * The rotation the file gives the policy (null for a delete): validForDefault when validFor was
   * not in the file and kvrot chose every + 30 days + 7; neverRotated for one_time or no rotation_period.
   */
  rotation: z.strictObject({ every: z.string(), validFor: z.string(), validForDefault: z.boolean(), neverRotated: z.boolean() }).nullable(),
  /** What kvrot decided for the policy where the file does not say (the validFor default and why, one_time, a static value): validate's notes. */
  notes: z.array(z.string()),
});

const planFields = {
  ...target,
  file: z.string(),
  /** The Secretfile profile read, or null. */
  profile: z.string().nullable(),
  prune: z.boolean(),
  changes: z.array(plannedChangeSchema),
  /** Policies of this environment the API has and the file does not; --prune deletes them. */
  untracked: z.array(z.string()),
  /** The Secretfile's targets kvrot does not serve, as validate lists them. */
  skipped: z.array(skippedTargetSchema),
  /** The Secretfile's warnings, as validate lists them: among them how a secret in several vaults was placed (one policy with keyvault-replica consumers, or one policy per vault). */
  warnings: z.array(locatedMessageSchema),
  summary: z.strictObject({ create: z.number().int(), replace: z.number().int(), delete: z.number().int(), unchanged: z.number().int() }),
};

export const planReportSchema = z.strictObject({ ...header('plan'), ...planFields });

export const APPLY_OUTCOMES = ['applied', 'change-request', 'unchanged', 'failed', 'not-attempted'] as const;

export const appliedChangeSchema = z.strictObject({
  action: z.enum(PLAN_ACTIONS),
  policyId: z.string(),
  outcome: z.enum(APPLY_OUTCOMES),
  /** The API's HTTP status, when it was called. */
  status: z.number().int().nullable(),
  changeRequestId: z.string().nullable(),
  /** The change request's status when the command ended (after --wait: final, unless the wait timed out). */
  changeRequestStatus: z.enum(CHANGE_REQUEST_STATUSES).nullable(),
  error: z.string().nullable(),
});

const applyFields = {
  ...planFields,
  results: z.array(appliedChangeSchema),
  waited: z.boolean(),
  /** Recorded in .kvrot/state.json for status and promote. */
  fileHash: z.string(),
};

export const applyReportSchema = z.strictObject({ ...header('apply'), ...applyFields });

export const promoteReportSchema = z.strictObject({
  ...header('promote'),
  ...applyFields,
  from: z.string(),
  /** Staging's smoke test this promotion stands on. */
  smoke: z.strictObject({ at: z.string(), fileHash: z.string(), api: z.string() }),
});

export const rotateReportSchema = z.strictObject({
  ...header('rotate'),
  ...target,
  policyId: z.string(),
  dryRun: z.boolean(),
  outcome: z.enum(['rotated', 'skipped', 'waiting-for-drain', 'change-request', 'planned']),
  rotation: rotationOutcomeSchema.nullable(),
  plan: rotationPlanSchema.nullable(),
  changeRequestId: z.string().nullable(),
});

const decidedRequest = z.strictObject({
  id: z.string(),
  status: z.enum(CHANGE_REQUEST_STATUSES),
  action: z.string(),
  policyId: z.string(),
  approvals: z.number().int(),
  /** What running it did, once it ran. */
  result: z.string().nullable(),
  error: z.string().nullable(),
});

export const approveReportSchema = z.strictObject({ ...header('approve'), ...target, requests: z.array(decidedRequest) });
export const rejectReportSchema = z.strictObject({ ...header('reject'), ...target, requests: z.array(decidedRequest) });

const listedPolicy = z.strictObject({ id: z.string(), environment: z.string(), vaultUrl: z.string(), secretName: z.string(), enabled: z.boolean(), updatedAt: z.string() });

export const statusReportSchema = z.strictObject({
  ...header('status'),
  ...target,
  /** `status <policy>`: the policy (template fixed values [redacted]) and its state; else null. */
  policy: z.strictObject({ policy: z.record(z.string(), z.unknown()), etag: z.string(), updatedAt: z.string(), state: policyStateSchema }).nullable(),
  /** `status` alone: every policy; else []. */
  policies: z.array(listedPolicy),
  /** Pending requests (for the policy, with one), and those the last apply or promote here made. */
  changeRequests: z.array(changeRequestSchema),
});

export const historyReportSchema = z.strictObject({ ...header('history'), ...target, policyId: z.string(), records: z.array(auditRecordSchema), more: z.boolean() });

export const auditReportSchema = z.strictObject({ ...header('audit'), ...target, from: z.string(), to: z.string(), records: z.array(auditRecordSchema), more: z.boolean() });

export const REPORT_KINDS = ['inventory', 'compliance', 'access', 'drift', 'cost'] as const;

export const reportReportSchema = z.strictObject({
  ...header('report'),
  ...target,
  report: z.enum(REPORT_KINDS),
  /** false: this deployment's /api/openapi.json has no such report. */
  available: z.boolean(),
  /** The report as the API answers it, its pages' items joined (null when unavailable). */
  data: z.record(z.string(), z.unknown()).nullable(),
  more: z.boolean(),
});

export const driftReportSchema = z.strictObject({
  ...header('drift'),
  ...target,
  file: z.string(),
  drift: z.boolean(),
  /** Where the file and the API's policies differ (plan's changes other than unchanged; deletions of untracked policies included). */
  fileVsApi: z.array(plannedChangeSchema),
  /** The drift report's findings on this file's policies (vault against policy), or null where the deployment has no drift report. */
  apiVsVaults: z.array(findingSchema).nullable(),
});

export const costCommandReportSchema = z.strictObject({
  ...header('cost'),
  file: z.string(),
  profile: z.string().nullable(),
  policies: z.number().int(),
  estimate: costReportSchema,
});

export const smokeReportSchema = z.strictObject({
  ...header('smoke'),
  ...target,
  file: z.string().nullable(),
  fileHash: z.string().nullable(),
  checks: z.array(z.strictObject({ check: z.string(), passed: z.boolean(), detail: z.string() })),
  /** When the API recorded it (GET /api/environments/{env}/smoke-tests/latest, where promote reads it); null when it could not. */
  recordedAt: z.string().nullable(),
  /** Why the API did not record it (the smoke test then fails); null when it did. */
  recordError: z.string().nullable(),
});

export type PlannedChange = z.output<typeof plannedChangeSchema>;
export type AppliedChange = z.output<typeof appliedChangeSchema>;
export type PlanReport = z.output<typeof planReportSchema>;
export type ApplyReport = z.output<typeof applyReportSchema>;

/** Every --json shape by command, for the docs test. */
export const JSON_SCHEMAS = {
  plan: planReportSchema,
  apply: applyReportSchema,
  rotate: rotateReportSchema,
  approve: approveReportSchema,
  reject: rejectReportSchema,
  status: statusReportSchema,
  history: historyReportSchema,
  audit: auditReportSchema,
  report: reportReportSchema,
  drift: driftReportSchema,
  cost: costCommandReportSchema,
  smoke: smokeReportSchema,
  promote: promoteReportSchema,
} as const;
