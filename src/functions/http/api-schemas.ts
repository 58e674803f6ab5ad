/**
 * The HTTP API's shapes as zod schemas: the request bodies and query parameters the functions
 * accept (the very schemas they validate with, imported from where they live) and the answers
 * the presenters give. The OpenAPI document is generated from these, and kvrot's client parses
 * every answer with them, so a presenter that changes shape fails the CLI's end-to-end tests.
 * Answers are open objects (fields are only ever added); request bodies are strict.
 */
import { z } from 'zod';
import { CHANGE_ACTIONS, CHANGE_REQUEST_STATUSES } from '../../core/approvals/change-request.js';
import { AUDIT_RESULTS } from '../../core/audit/audit-result.js';
import { AUDIT_FINDING_KINDS, DEFAULT_VERIFY_PAGE_SIZE } from '../../core/audit/audit-verification.js';
import { rotationPolicySchema, type RotationPolicy } from '../../core/policy/policy.js';
import { AUDIT_ACTIONS, ROTATION_STEPS } from '../../core/ports.js';
import { MAX_CHECKED_POLICIES } from '../../core/reports/compliance/policy-check.js';
import { MAX_APPLICATION_READS_PER_SECRET_PER_MONTH } from '../../core/reports/cost/cost-report.js';
import { findingJsonFields, SEVERITIES } from '../../core/reports/finding.js';
import { DEFAULT_TIMELINE_DAYS, MAX_TIMELINE_DAYS } from '../../core/reports/rotation-timeline.js';
import { approveRequestSchema, breakGlassRequestSchema, cancelRequestSchema, rejectRequestSchema, rotateRequestSchema, SECRETFILE_HASH, smokeTestRequestSchema } from './request-schemas.js';

/** Names schemas as components of the OpenAPI document; `ref` marks a stand-in for a named component. */
export const apiSchemas = z.registry<{ id?: string; ref?: string; description?: string }>();

function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  apiSchemas.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
}

/**
 * A stored policy as an answer carries it: described in the document by the policy schema PUT
 * validates with (component RotationPolicy), but not validated again by a client, which does not
 * know the deployment's consumer kinds.
 */
const storedPolicyBody = z.custom<RotationPolicy>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message: 'expected a policy object' });
apiSchemas.add(storedPolicyBody, { ref: 'RotationPolicy' });

const instant = z.iso.datetime({ offset: true });

// ---------------------------------------------------------------- requests

/** PUT /api/policies/{id}: parsePolicy's schema; the body's id may be left out (the URL's is used). */
export const policyBodySchema = named('RotationPolicy', rotationPolicySchema, "A rotation policy (docs/policy-format.md). On PUT the body's id may be left out; when present it must equal the URL's.");
export const rotateBodySchema = named('RotateRequest', rotateRequestSchema);
export const breakGlassBodySchema = named('BreakGlassRequest', breakGlassRequestSchema);
export const approveBodySchema = named('ApproveRequest', approveRequestSchema);
export const rejectBodySchema = named('RejectRequest', rejectRequestSchema);
export const cancelBodySchema = named('CancelRequest', cancelRequestSchema);
export const smokeTestBodySchema = named('SmokeTestReport', smokeTestRequestSchema, 'What kvrot smoke found: passed is true exactly when every check passed; fileHash is null when it ran without a Secretfile.');
/** POST /api/policy-check: one policy as PUT takes it (its id required), or up to MAX_CHECKED_POLICIES of them. */
export const policyCheckBodySchema = named(
  'PolicyCheckRequest',
  z.union([rotationPolicySchema, z.strictObject({ policies: z.array(rotationPolicySchema).min(1).max(MAX_CHECKED_POLICIES) })]),
  'One policy (its id required), or {"policies": [...]} with 1 to 100 of them, each parsed as PUT /api/policies/{id} parses it.',
);

// ---------------------------------------------------------------- query parameters

const pageSize = (max: number, fallback?: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .optional()
    .describe(`Items per page, 1 to ${max}${fallback ? ` (default ${fallback})` : ''}.`);
const continuationToken = z.string().min(1).optional().describe('The continuationToken of the previous page, as given.');

/** pageOptionsOf (route-params.ts). */
export const pageQuerySchema = z.strictObject({ pageSize: pageSize(1000), continuationToken });
/** GET /api/policies: paging, and include=state (list-policies.ts). */
export const listPoliciesQuerySchema = pageQuerySchema.extend({
  include: z.literal('state').optional().describe("'state': each item carries its state, as GET /api/policies/{id} shows it; anything else is a 400 naming include."),
});
/** GET /api/change-requests. */
export const changeRequestsQuerySchema = z.strictObject({ status: z.enum(CHANGE_REQUEST_STATUSES).optional().describe('Default pending.'), pageSize: pageSize(1000), continuationToken });
/** parseAuditWindow (core/audit/audit-query.ts) plus paging: the window GET /api/audit/verify checks. */
export const auditVerifyQuerySchema = z.strictObject({
  from: instant.optional().describe('ISO 8601 instant, inclusive; default 7 days before `to`; at most 366 days before it.'),
  to: instant.optional().describe('ISO 8601 instant, inclusive; default now.'),
  pageSize: pageSize(1000, DEFAULT_VERIFY_PAGE_SIZE),
  continuationToken,
});
/** parseAuditQuery (core/audit/audit-query.ts) plus paging. */
export const auditQuerySchema = z.strictObject({
  from: instant.optional().describe('ISO 8601 instant, inclusive; default 7 days before `to`; at most 366 days before it.'),
  to: instant.optional().describe('ISO 8601 instant, inclusive; default now.'),
  actor: z.string().min(1).max(256).optional().describe("An oid, or a system actor's name such as scheduler."),
  action: z.enum(AUDIT_ACTIONS).optional(),
  policy: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).optional(),
  vault: z.string().min(3).max(24).optional().describe('A vault name.'),
  secret: z.string().min(1).max(127).optional().describe('A secret name; needs vault.'),
  result: z.enum(AUDIT_RESULTS).optional(),
  pageSize: pageSize(1000),
  continuationToken,
});
/** reportPageParams (report-params.ts). */
export const reportPageQuerySchema = z.strictObject({
  pageSize: pageSize(1000, 100),
  continuationToken,
  summary: z.enum(['true', 'false']).optional().describe('Default: true on the first page only (the summary is a pass over every governed vault).'),
});
/** costParams (report-params.ts). */
export const costQuerySchema = z.strictObject({
  readsPerSecretPerMonth: z.coerce.number().int().min(0).max(MAX_APPLICATION_READS_PER_SECRET_PER_MONTH).optional().describe("How often applications read each governed secret a month, priced as Key Vault gets; default 0 (not counted)."),
});
/** timelineDaysParam (report-params.ts). */
export const rotationTimelineQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(MAX_TIMELINE_DAYS).optional().describe(`Whole UTC days ending today, 1 to ${MAX_TIMELINE_DAYS} (default ${DEFAULT_TIMELINE_DAYS}).`),
});
/** failOnParam (report-params.ts). */
export const policyCheckQuerySchema = z.strictObject({ failOn: z.enum(SEVERITIES).optional().describe('The least severe finding that fails the check; default low.') });
/** parseAccessReviewQuery (core/reports/access/access-query.ts). */
export const accessReviewQuerySchema = z.strictObject({ vault: z.string().min(3).max(24).optional().describe('Only this vault, by name.'), minSeverity: z.enum(SEVERITIES).optional() });

// ---------------------------------------------------------------- answers

export const errorBodySchema = named(
  'Error',
  z.object({
    error: z.object({
      code: z.string().describe('ValidationFailed, InvalidJson, Unauthenticated, Forbidden, NotFound, RotationInProgress, PreconditionFailed, ...'),
      message: z.string(),
      details: z.array(z.object({ path: z.string().describe("The field or parameter, dotted; '' for the whole input."), message: z.string() })),
    }),
  }),
  'Every error. A refused request writes nothing; no answer ever holds a secret value.',
);

const drainSchema = z.object({ login: z.string(), sessions: z.number().int(), graceEndsAt: z.string(), waitingSince: z.string().optional(), nextCheckAt: z.string() });

export const policyStateSchema = named(
  'PolicyState',
  z.object({
    currentVersion: z.string().optional(),
    currentVersionExpiresOn: instant.optional(),
    lastRotationId: z.string().optional(),
    lastRotatedAt: instant.optional(),
    lastResult: z.enum(['succeeded', 'failed', 'skipped']).optional(),
    lastError: z.string().optional(),
    consecutiveFailures: z.number().int(),
    nextDueAt: instant.optional(),
    currentLogin: z.string().optional(),
    rotationInProgress: z
      .object({
        rotationId: z.string(),
        status: z.enum(['running', 'waiting-for-drain', 'failed-will-retry']),
        steps: z.array(z.enum(ROTATION_STEPS)).describe("Every step this policy's rotation persists, in order: its strategy's, with delivered after switched when it has followers."),
        step: z.enum(ROTATION_STEPS).describe('The last step it finished.'),
        startedAt: instant,
        trigger: z.enum(['timer', 'event', 'http']),
        attempt: z.number().int(),
        previousVersion: z.string().optional(),
        newVersion: z.string().optional(),
        logins: z.object({ current: z.string().optional(), target: z.string() }).nullable(),
        consumers: z.array(z.object({ name: z.string(), status: z.string(), login: z.string(), sessions: z.number().int().optional(), updatedAt: instant.optional() })),
        drain: z
          .object({ login: z.string(), sessions: z.number().int(), clients: z.array(z.unknown()), graceEndsAt: instant.optional(), waitingSince: instant.nullable(), checkedAt: instant.optional(), nextCheckAt: instant.optional() })
          .nullable(),
      })
      .nullable(),
  }),
);

export const storedPolicySchema = named('StoredPolicy', z.object({ policy: storedPolicyBody, createdAt: instant, updatedAt: instant, etag: z.string() }));
export const policyViewSchema = named('PolicyView', storedPolicySchema.extend({ state: policyStateSchema, warnings: z.array(z.string()).optional() }), 'A policy with its state; the ETag header repeats etag.');
export const policyPageSchema = named(
  'PolicyPage',
  z.object({
    items: z.array(storedPolicySchema.extend({ state: policyStateSchema.optional().describe('Only with include=state.') })),
    continuationToken: z.string().optional(),
  }),
);

export const auditRecordSchema = named(
  'AuditRecord',
  z.object({
    id: z.string(),
    at: instant,
    action: z.enum(AUDIT_ACTIONS),
    policyId: z.string().optional(),
    vaultUrl: z.string().optional(),
    secretName: z.string().optional(),
    rotationId: z.string().optional(),
    trigger: z.enum(['timer', 'event', 'http']).optional(),
    actor: z.string(),
    actorId: z.string().optional(),
    clientIp: z.string().optional(),
    correlationId: z.string().optional(),
    reason: z.string().optional(),
    previousVersion: z.string().optional(),
    newVersion: z.string().optional(),
    error: z.string().optional(),
    changedFields: z.array(z.string()).optional(),
    step: z.enum(ROTATION_STEPS).optional(),
    consumer: z.string().optional(),
    login: z.string().optional(),
  }),
);
export const auditPageSchema = named('AuditPage', z.object({ items: z.array(auditRecordSchema), continuationToken: z.string().optional() }));
export const auditVerificationSchema = named(
  'AuditVerification',
  z.object({
    window: z.object({ from: instant, to: instant }),
    checkedFrom: instant,
    checkedTo: instant,
    checked: z.number().int().describe('Distinct records, archived or in the table, this page looked at.'),
    intact: z.boolean().describe('No finding on this page but pending ones.'),
    findings: z.array(
      z.object({
        kind: z.enum(AUDIT_FINDING_KINDS).describe('altered: a table copy differs from the archived record; deleted: an archived record is missing from a table copy; unarchived: a table record past the catch-up window has no archived copy; pending: not archived yet, within that window.'),
        recordId: z.string(),
        at: instant,
        copy: z.string().optional().describe('For altered and deleted: the table copy concerned (time, policy, actor, action, vault, secret, result).'),
        message: z.string().describe('Names fields and digests, never values.'),
      }),
    ),
    continuationToken: z.string().optional(),
  }),
  'The table copies of the audit compared with the write-once archive over part of a window, oldest first; pass continuationToken with the same from and to for the rest.',
);
export const auditQueryPageSchema = named('AuditQueryPage', auditPageSchema.extend({ from: instant, to: instant }), 'The range read (so the next page asks for the same one) and a page of records, newest first. A page may be short, even empty, and still carry a token.');

const person = z.object({ oid: z.string(), displayName: z.string() });
export const changeRequestSchema = named(
  'ChangeRequest',
  z.object({
    id: z.string(),
    status: z.enum(CHANGE_REQUEST_STATUSES),
    action: z.enum(CHANGE_ACTIONS),
    policyId: z.string(),
    policyEtag: z.string().nullable(),
    environment: z.string(),
    body: z.record(z.string(), z.unknown()).describe("The operation's exact input: a policy's JSON, {reason} for a rotation, {justification} for break-glass."),
    requester: person,
    requestedAt: instant,
    expiresAt: instant,
    hash: z.string(),
    approvals: z.array(person.extend({ at: instant, comment: z.string().optional(), hash: z.string() })),
    rejection: person.extend({ at: instant, reason: z.string().optional() }).nullable(),
    statusReason: z.string().nullable(),
    closedAt: instant.nullable(),
    execution: z
      .object({
        startedAt: instant,
        finishedAt: instant.nullable(),
        attempts: z.number().int(),
        result: z
          .object({ summary: z.string(), policyEtag: z.string().optional(), rotationId: z.string().optional(), rotationStatus: z.string().optional(), previousVersion: z.string().optional(), newVersion: z.string().optional() })
          .nullable(),
        error: z.string().nullable(),
      })
      .nullable(),
  }),
);
export const changeRequestPageSchema = named('ChangeRequestPage', z.object({ items: z.array(changeRequestSchema), continuationToken: z.string().optional() }));
export const changeRequestAcceptedSchema = named(
  'ChangeRequestAccepted',
  z.object({ approvalRequired: z.literal(true), changeRequestId: z.string(), changeRequest: changeRequestSchema }),
  'A protected environment: the operation waits for approvals (202; Location: /api/change-requests/{id}).',
);

const rotationOutcomeFields = {
  policyId: z.string(),
  status: z.enum(['succeeded', 'skipped', 'waiting-for-drain']),
  reason: z.string(),
  rotationId: z.string().optional(),
  previousVersion: z.string().optional(),
  newVersion: z.string().optional(),
  parked: z.boolean().optional(),
  replayed: z.boolean().optional(),
  drain: drainSchema.optional(),
};
export const rotationOutcomeSchema = named('RotationOutcome', z.object({ dryRun: z.literal(false), ...rotationOutcomeFields }));
export const rotationPlanSchema = named(
  'RotationPlan',
  z.object({
    dryRun: z.literal(true),
    policyId: z.string(),
    trigger: z.enum(['timer', 'event', 'http']),
    wouldRotate: z.boolean(),
    reason: z.string(),
    vaultUrl: z.string(),
    secretName: z.string(),
    currentVersion: z.string().optional(),
    currentVersionExpiresOn: z.string().optional(),
    newVersionExpiresOn: z.string().optional(),
    contentType: z.string().optional(),
    tagNames: z.array(z.string()),
    resumesRotationId: z.string().optional(),
    strategy: z.string().optional(),
    steps: z.array(z.string()).optional(),
    consumers: z.array(z.object({ name: z.string(), kind: z.string(), login: z.string() })).optional(),
    keyVaultOperations: z.object({ creates: z.number(), others: z.number() }),
  }),
);
export const rotationFailedSchema = named('RotationFailed', errorBodySchema.extend({ rotationId: z.string().optional(), parked: z.boolean().optional() }), 'The rotation failed: recorded, audited and retried with backoff.');
export const breakGlassOutcomeSchema = named('BreakGlassOutcome', z.object({ breakGlass: z.literal(true), ...rotationOutcomeFields, review: changeRequestSchema }));
export const breakGlassFailedSchema = named('BreakGlassFailed', errorBodySchema.extend({ rotationId: z.string().optional(), review: changeRequestSchema }));

export const healthSchema = named(
  'Health',
  z.object({ status: z.enum(['ok', 'degraded']), checks: z.object({ tableStorage: z.enum(['ok', 'failed']), rotationQueue: z.enum(['ok', 'failed']) }), poisonMessages: z.number().int().optional() }),
);

const severity = z.enum(SEVERITIES);
export const findingSchema = named('Finding', z.object(findingJsonFields));
const bySeverity = z.object({ high: z.number().int(), medium: z.number().int(), low: z.number().int() });
const ruleDescription = z.object({ id: z.string(), severity, description: z.string(), azurePolicyDefinitionId: z.string().optional() });
export const findingsPageSchema = named(
  'FindingsPage',
  z.object({
    generatedAt: instant,
    items: z.array(findingSchema),
    examined: z.number().int(),
    continuationToken: z.string().optional(),
    summary: z.object({ examined: z.record(z.string(), z.number().int()), findings: z.number().int(), bySeverity, byRule: z.record(z.string(), z.number().int()) }).optional(),
    rules: z.array(ruleDescription).optional().describe('On the first page.'),
  }),
);

export const inventoryPageSchema = named(
  'InventoryPage',
  z.object({
    generatedAt: instant,
    items: z.array(
      z.object({
        vault: z.string(),
        name: z.string(),
        managedBy: z.string().nullable(),
        replicaOf: z.string().nullable(),
        environment: z.string().nullable(),
        enabled: z.boolean(),
        expiresOn: z.string().nullable(),
        daysLeft: z.number().int().nullable(),
        currentVersionAgeDays: z.number().nullable(),
        contentType: z.string().nullable(),
        lastRotation: z.object({ at: z.string(), result: z.string() }).nullable(),
        outOfBandVersions: z.number().int().nullable(),
        policyStatus: z.enum(['ok', 'failing', 'parked', 'disabled', 'never-rotated']).nullable(),
      }),
    ),
    continuationToken: z.string().optional(),
    summary: z
      .object({
        vaults: z.number().int(),
        secrets: z.number().int(),
        managed: z.number().int(),
        replicas: z.number().int(),
        unmanaged: z.number().int(),
        disabled: z.number().int(),
        noExpiry: z.number().int(),
        expired: z.number().int(),
        expiringWithin30Days: z.number().int(),
        expiringWithin7Days: z.number().int(),
        olderThanMaxAge: z.number().int(),
        policies: z.number().int(),
        parkedOrFailingPolicies: z.number().int(),
        parkedPolicies: z.number().int(),
      })
      .optional(),
  }),
);

const costLine = z.object({ item: z.string(), formula: z.string(), quantity: z.number(), unit: z.string(), unitPrice: z.number(), pricePer: z.number(), monthlyCost: z.number() });
export const costReportSchema = named(
  'CostReport',
  z.object({
    generatedAt: instant.optional().describe('Absent from kvrot cost, which estimates offline.'),
    currency: z.literal('USD'),
    month: z.string(),
    vaults: z.array(z.object({ vault: z.string(), policies: z.number().int(), rotationsPerMonth: z.number(), lines: z.array(costLine), monthlyCost: z.number() })),
    shared: z.object({ lines: z.array(costLine), monthlyCost: z.number() }),
    totalMonthlyCost: z.number(),
    prices: z.record(z.string(), z.number()),
    assumptions: z.array(z.string()),
  }),
);

export const rotationTimelineSchema = named(
  'RotationTimeline',
  z.object({
    from: instant.describe('UTC midnight starting the first day.'),
    to: instant.describe('Now: the last day is today so far.'),
    days: z.array(
      z.object({
        date: z.iso.date(),
        succeeded: z.number().int().describe('rotation.succeeded records.'),
        failed: z.number().int().describe('rotation.failed records: failed attempts, the one that parks a policy included.'),
        abandoned: z.number().int().describe('rotation.abandoned records: rotations ended with nothing changed.'),
        breakGlass: z.number().int().describe('rotation.break-glass records; their rotations are counted in succeeded or failed as well.'),
      }),
    ),
  }),
  'Rotation results per UTC day, oldest day first, counted from the audit; counts only, no record.',
);

/** What an active and an eligible role assignment both carry in the access review (ReviewedRoleGrant). */
const roleGrantFields = {
  id: z.string(),
  scope: z.string(),
  inherited: z.boolean(),
  principalId: z.string(),
  principalType: z.string(),
  roleDefinitionId: z.string(),
  roleName: z.string(),
  roleType: z.string(),
  condition: z.string().optional(),
};

export const accessReportSchema = named(
  'AccessReport',
  z.object({
    generatedAt: instant,
    appPrincipalId: z.string().nullable(),
    vaults: z.array(
      z.object({
        vault: z.string(),
        resourceId: z.string(),
        vaultUri: z.string().optional(),
        permissionModel: z.enum(['rbac', 'access-policies']).optional(),
        assignments: z.array(
          z.object({
            ...roleGrantFields,
            appIdentity: z.boolean(),
            activeAs: z
              .enum(['standing', 'time-bound', 'activation'])
              .optional()
              .describe("From PIM's schedule instance: 'activation' (activated from an eligible assignment, ends at endDateTime), 'time-bound' (assigned directly with an end), 'standing' (assigned directly, permanent, or no instance names it). Absent when PIM could not be read."),
            startDateTime: instant.optional(),
            endDateTime: instant.optional(),
            mayBeDeniedBy: z.array(z.string()).optional().describe('Ids of deny assignments that deny Key Vault data actions to this principal (by id or as Everyone, not excluded by id); effective access is not evaluated.'),
            findings: z.array(z.string()),
          }),
        ),
        accessPolicies: z.array(z.object({ objectId: z.string(), applicationId: z.string().optional(), secrets: z.array(z.string()) })),
        pim: z.enum(['read', 'unavailable', 'not-reviewed']).describe("Whether PIM's schedule instances were read; 'unavailable': the review answered from role assignments alone (see unavailable)."),
        eligible: z
          .array(
            z.object({
              ...roleGrantFields,
              memberType: z.string().optional(),
              startDateTime: instant.optional(),
              endDateTime: instant.optional().describe('Absent: eligible permanently.'),
              findings: z.array(z.string()),
            }),
          )
          .describe('PIM-eligible assignments at and above the vault: nothing is held until activated.'),
        denyAssignmentsStatus: z.enum(['read', 'unavailable', 'not-reviewed']),
        denyAssignments: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            denyAssignmentName: z.string().optional(),
            description: z.string().optional(),
            scope: z.string(),
            inherited: z.boolean(),
            isSystemProtected: z.boolean(),
            everyone: z.boolean(),
            principals: z.array(z.object({ id: z.string(), type: z.string() })),
            excludePrincipals: z.array(z.object({ id: z.string(), type: z.string() })),
            deniesKeyVaultData: z.boolean(),
            note: z.string().optional(),
          }),
        ),
        unavailable: z.array(z.object({ source: z.enum(['pim', 'deny-assignments']), problem: z.string() })).optional().describe("What could not be read, with ARM's status and code."),
      }),
    ),
    findings: z.array(findingSchema),
    summary: z.object({ vaults: z.number().int(), assignments: z.number().int(), findings: z.number().int(), bySeverity, byRule: z.record(z.string(), z.number().int()) }),
  }),
);

export const policyCheckResultSchema = named(
  'PolicyCheckResult',
  z.object({
    pass: z.boolean(),
    failOn: severity,
    policies: z.array(z.object({ id: z.string(), environment: z.string(), pass: z.boolean(), findings: z.number().int() })),
    findings: z.array(findingSchema),
  }),
);

// ---------------------------------------------------------------- smoke tests

/** GET /api/environments/{environment}/smoke-tests/latest, and what POST answers. */
export const smokeTestSchema = named(
  'SmokeTest',
  z.object({
    environment: z.string(),
    at: instant,
    passed: z.boolean(),
    fileHash: z.string().regex(SECRETFILE_HASH).nullable(),
    policies: z.array(z.string()),
    checks: z.array(z.object({ name: z.string(), passed: z.boolean() })),
    by: z.object({ oid: z.string(), name: z.string() }).describe('Who recorded it, as their validated token named them.'),
  }),
  'A smoke test as the API recorded it: at is the API\'s time of recording.',
);
