/**
 * Every HTTP route of the API as data: its function name (the key of ROUTE_ROLES), method,
 * route, parameters, body and answers, each described by the zod schemas of api-schemas.ts.
 * The OpenAPI document is generated from this table and kvrot's client calls the API through
 * it, so no path is written twice; a test holds it equal to the functions the app registers.
 */
import { z } from 'zod';
import { environmentNameSchema, rotationPolicySchema } from '../../core/policy/policy.js';
import {
  accessReportSchema,
  accessReviewQuerySchema,
  approveBodySchema,
  auditPageSchema,
  auditQueryPageSchema,
  auditQuerySchema,
  auditVerificationSchema,
  auditVerifyQuerySchema,
  breakGlassBodySchema,
  breakGlassFailedSchema,
  breakGlassOutcomeSchema,
  cancelBodySchema,
  changeRequestAcceptedSchema,
  changeRequestPageSchema,
  changeRequestSchema,
  changeRequestsQuerySchema,
  costReportSchema,
  findingsPageSchema,
  healthSchema,
  inventoryPageSchema,
  costQuerySchema,
  listPoliciesQuerySchema,
  pageQuerySchema,
  policyBodySchema,
  policyCheckBodySchema,
  policyCheckQuerySchema,
  policyCheckResultSchema,
  policyPageSchema,
  policyViewSchema,
  rejectBodySchema,
  reportPageQuerySchema,
  rotateBodySchema,
  rotationTimelineQuerySchema,
  rotationTimelineSchema,
  rotationFailedSchema,
  rotationOutcomeSchema,
  rotationPlanSchema,
  smokeTestBodySchema,
  smokeTestSchema,
} from './api-schemas.js';
import { CHANGE_REQUEST_ID, IDEMPOTENCY_KEY } from './request-schemas.js';
import type { RoutedFunction } from './route-roles.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface ApiAnswer {
  description: string;
  /** The body's schema; absent for an answer without a body (204). */
  schema?: z.ZodType;
  /** Response headers worth naming, with what they hold. */
  headers?: Record<string, string>;
}

export interface ApiOperation {
  method: HttpMethod;
  /** As registered with app.http, without the /api prefix: policies/{id}/rotate. */
  route: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  /** Request headers the operation reads, with their schema and meaning. */
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  body?: { schema: z.ZodType; required: boolean };
  /** The answers this operation gives on its own; the errors every route shares are added by the document. */
  answers: Partial<Record<number, ApiAnswer>>;
}

const policyId = rotationPolicySchema.shape.id;
const changeRequestId = z.string().regex(CHANGE_REQUEST_ID);
const vaultName = z.string().min(3).max(24).describe('A Key Vault name.');
const environment = environmentNameSchema.describe("An environment, named as policies' environment field names it.");

const ifMatch = { schema: z.string(), description: 'An ETag from a previous answer (or *): act only on that version of the policy (412 otherwise).' };
const ifNoneMatch = { schema: z.literal('*'), description: '*: create only; 412 when the policy exists.' };
const idempotencyKey = { schema: z.string().regex(IDEMPOTENCY_KEY), description: '1-128 visible ASCII characters: a repeat answers what the first request produced; the same key with another body is a 422.' };

const accepted = { description: 'A protected environment: a change request waits for approvals.', schema: changeRequestAcceptedSchema, headers: { Location: '/api/change-requests/{id}' } } satisfies ApiAnswer;
const notFound = (what: string): ApiAnswer => ({ description: `No such ${what}.` });
const conflict = (why: string): ApiAnswer => ({ description: why });

export const API_OPERATIONS = {
  health: {
    method: 'GET',
    route: 'health',
    summary: 'Liveness, with one Table Storage read and one of the poison queue',
    description: 'Anonymous: answers fixed words and one count, never a message.',
    tags: ['health'],
    answers: { 200: { description: 'Healthy.', schema: healthSchema }, 503: { description: 'Storage or the queue is unreachable (why is in the log only).', schema: healthSchema } },
  },
  openApiDocument: {
    method: 'GET',
    route: 'openapi.json',
    summary: 'This document',
    description: 'Anonymous: a fixed document built from the code, the same for every caller; it describes the API and holds no data.',
    tags: ['meta'],
    answers: { 200: { description: 'The OpenAPI 3.1 document.', schema: z.record(z.string(), z.unknown()) } },
  },
  dashboard: {
    method: 'GET',
    route: 'ui/{*path}',
    summary: 'The dashboard: a static single-page app, and its sign-in settings',
    description:
      'Anonymous: fixed files of the build (text/html, text/javascript, text/css, image/svg+xml) that carry no data, and config.json (what MSAL.js needs to sign in: client id, authority, the API scope). The page signs in with Entra ID and calls this API with the token. {*path} is the rest of the path; a path not in the build is a 404.',
    tags: ['dashboard'],
    params: { path: z.string().describe('A file of the build, e.g. index.html (the default), assets/index-<hash>.js or config.json.') },
    answers: {
      200: { description: 'The file, with a strict Content-Security-Policy; hashed assets are cached for a year, everything else revalidated by ETag.' },
      304: { description: 'If-None-Match holds the file\'s ETag.' },
      404: { description: 'No such file in the build.' },
    },
  },
  listPolicies: {
    method: 'GET',
    route: 'policies',
    summary: 'Policies, paged, with their states if asked',
    tags: ['policies'],
    query: listPoliciesQuerySchema,
    answers: { 200: { description: 'A page of policies; with include=state each carries its state, read for the whole page at once.', schema: policyPageSchema } },
  },
  getPolicy: {
    method: 'GET',
    route: 'policies/{id}',
    summary: 'A policy, its state and any rotation in progress',
    tags: ['policies'],
    params: { id: policyId },
    answers: { 200: { description: 'The policy.', schema: policyViewSchema, headers: { ETag: "The policy's ETag." } }, 404: notFound('policy') },
  },
  putPolicy: {
    method: 'PUT',
    route: 'policies/{id}',
    summary: 'Create or replace a policy',
    tags: ['policies'],
    params: { id: policyId },
    headers: { 'If-Match': ifMatch, 'If-None-Match': ifNoneMatch },
    body: { schema: policyBodySchema, required: true },
    answers: {
      200: { description: 'Replaced.', schema: policyViewSchema, headers: { ETag: "The policy's new ETag." } },
      201: { description: 'Created.', schema: policyViewSchema, headers: { ETag: "The policy's ETag.", Location: '/api/policies/{id}' } },
      202: accepted,
      409: conflict('A rotation of the policy holds its lease.'),
      412: { description: 'If-Match or If-None-Match does not hold.' },
    },
  },
  deletePolicy: {
    method: 'DELETE',
    route: 'policies/{id}',
    summary: 'Stop governing a secret (the secret and the history stay)',
    tags: ['policies'],
    params: { id: policyId },
    headers: { 'If-Match': ifMatch },
    answers: { 202: accepted, 204: { description: 'Deleted.' }, 404: notFound('policy'), 409: conflict('A rotation of the policy holds its lease.'), 412: { description: 'If-Match does not hold.' } },
  },
  listRotations: {
    method: 'GET',
    route: 'policies/{id}/rotations',
    summary: "A policy's audit trail, newest first; it outlives the policy",
    tags: ['policies', 'audit'],
    params: { id: policyId },
    query: pageQuerySchema,
    answers: { 200: { description: 'A page of records.', schema: auditPageSchema }, 404: notFound('policy, and no record of one') },
  },
  rotatePolicy: {
    method: 'POST',
    route: 'policies/{id}/rotate',
    summary: 'Rotate now, or with dryRun say what a rotation would do',
    tags: ['rotation'],
    params: { id: policyId },
    headers: { 'Idempotency-Key': idempotencyKey },
    body: { schema: rotateBodySchema, required: true },
    answers: {
      200: { description: 'The rotation (status succeeded or skipped), or with dryRun the plan.', schema: z.union([rotationOutcomeSchema, rotationPlanSchema]) },
      202: { description: 'A protected environment: a change request (ChangeRequestAccepted); or the rotation waits for a drain (RotationOutcome, status waiting-for-drain, Location the policy).', schema: z.union([changeRequestAcceptedSchema, rotationOutcomeSchema]) },
      404: notFound('policy'),
      409: conflict('Another rotation runs (RotationInProgress), or the policy is disabled (PolicyDisabled).'),
      422: { description: 'IdempotencyKeyReused: the key came with another body.' },
      502: { description: 'RotationFailed: recorded, audited, retried by the scan.', schema: rotationFailedSchema },
    },
  },
  breakGlassRotation: {
    method: 'POST',
    route: 'policies/{id}/break-glass',
    summary: 'Rotate a protected policy now, without approvals; reviewed afterwards',
    tags: ['rotation', 'approvals'],
    params: { id: policyId },
    body: { schema: breakGlassBodySchema, required: true },
    answers: {
      200: { description: 'Rotated; the review request is in review.', schema: breakGlassOutcomeSchema },
      202: { description: 'Rotated up to a drain.', schema: breakGlassOutcomeSchema },
      404: notFound('policy'),
      409: conflict('NotProtected, RotationInProgress or PolicyDisabled.'),
      502: { description: 'RotationFailed; the review stands.', schema: breakGlassFailedSchema },
    },
  },
  listVaultAudit: {
    method: 'GET',
    route: 'vaults/{vaultName}/audit',
    summary: 'Events on secrets of a vault that no policy governs, newest first',
    tags: ['audit'],
    params: { vaultName },
    query: pageQuerySchema,
    answers: { 200: { description: 'A page of records.', schema: auditPageSchema } },
  },
  queryAudit: {
    method: 'GET',
    route: 'audit',
    summary: 'The whole audit trail, filtered, newest first',
    tags: ['audit'],
    query: auditQuerySchema,
    answers: { 200: { description: 'The range read and a page of records.', schema: auditQueryPageSchema } },
  },
  verifyAudit: {
    method: 'GET',
    route: 'audit/verify',
    summary: "Compare the audit's table copies with the write-once archive",
    description: 'Reports, by digest and field name and never by value, table rows that differ from the archived record, archived records missing from the table, and records not archived yet. Paged by archived records, oldest first.',
    tags: ['audit'],
    query: auditVerifyQuerySchema,
    answers: { 200: { description: 'What this page checked and found; intact is false when any finding is not pending.', schema: auditVerificationSchema } },
  },
  listChangeRequests: {
    method: 'GET',
    route: 'change-requests',
    summary: 'Change requests in a status, oldest first',
    tags: ['approvals'],
    query: changeRequestsQuerySchema,
    answers: { 200: { description: 'A page of requests.', schema: changeRequestPageSchema } },
  },
  getChangeRequest: {
    method: 'GET',
    route: 'change-requests/{id}',
    summary: 'One change request: the exact operation, who asked, approvals, outcome',
    tags: ['approvals'],
    params: { id: changeRequestId },
    answers: { 200: { description: 'The request.', schema: changeRequestSchema }, 404: notFound('change request') },
  },
  approveChangeRequest: {
    method: 'POST',
    route: 'change-requests/{id}/approve',
    summary: 'Approve (the approval that completes the count runs the operation); review a break-glass rotation',
    tags: ['approvals'],
    params: { id: changeRequestId },
    body: { schema: approveBodySchema, required: false },
    answers: {
      200: { description: 'The request, executed or failed when this approval ran it.', schema: changeRequestSchema },
      404: notFound('change request'),
      409: conflict('AlreadyApproved, ChangeRequestExpired, ChangeRequestVoid, ChangeRequestTampered or ChangeRequestNotPending.'),
    },
  },
  rejectChangeRequest: {
    method: 'POST',
    route: 'change-requests/{id}/reject',
    summary: 'Reject',
    tags: ['approvals'],
    params: { id: changeRequestId },
    body: { schema: rejectBodySchema, required: false },
    answers: { 200: { description: 'The request, rejected.', schema: changeRequestSchema }, 404: notFound('change request'), 409: conflict('ChangeRequestNotPending.') },
  },
  cancelChangeRequest: {
    method: 'POST',
    route: 'change-requests/{id}/cancel',
    summary: 'The requester withdraws a request',
    tags: ['approvals'],
    params: { id: changeRequestId },
    body: { schema: cancelBodySchema, required: false },
    answers: { 200: { description: 'The request, cancelled.', schema: changeRequestSchema }, 404: notFound('change request'), 409: conflict('ChangeRequestNotPending.') },
  },
  inventoryReport: {
    method: 'GET',
    route: 'reports/inventory',
    summary: 'Every secret in the governed vaults, managed or not, paged',
    tags: ['reports'],
    query: reportPageQuerySchema,
    answers: { 200: { description: 'A page; the first carries the summary.', schema: inventoryPageSchema }, 503: { description: 'Key Vault is unavailable.' } },
  },
  complianceReport: {
    method: 'GET',
    route: 'reports/compliance',
    summary: 'Findings of the policy, secret and vault-settings rules, paged',
    tags: ['reports'],
    query: reportPageQuerySchema,
    answers: { 200: { description: 'A page of findings.', schema: findingsPageSchema }, 503: { description: 'Key Vault or ARM is unavailable.' } },
  },
  driftReport: {
    method: 'GET',
    route: 'reports/drift',
    summary: 'Where the vaults differ from what the policies would write, paged',
    tags: ['reports'],
    query: reportPageQuerySchema,
    answers: { 200: { description: 'A page of findings.', schema: findingsPageSchema }, 503: { description: 'Key Vault is unavailable.' } },
  },
  costReport: {
    method: 'GET',
    route: 'reports/cost',
    summary: "The monthly cost of the deployment's policies",
    tags: ['reports'],
    query: costQuerySchema,
    answers: { 200: { description: 'The estimate, line by line.', schema: costReportSchema } },
  },
  rotationTimelineReport: {
    method: 'GET',
    route: 'reports/rotations',
    summary: 'Rotation results per UTC day over the last days, counted from the audit (counts only)',
    tags: ['reports'],
    query: rotationTimelineQuerySchema,
    answers: { 200: { description: 'One entry per day, oldest first.', schema: rotationTimelineSchema } },
  },
  accessReport: {
    method: 'GET',
    route: 'reports/access',
    summary: "The access review: role assignments at and above each governed vault, with findings",
    tags: ['reports'],
    query: accessReviewQuerySchema,
    answers: { 200: { description: 'The review.', schema: accessReportSchema }, 503: { description: 'ARM is unavailable.' } },
  },
  checkPolicy: {
    method: 'POST',
    route: 'policy-check',
    summary: 'The policy rules over policy bodies, before anything is stored; reads and writes nothing',
    tags: ['reports'],
    query: policyCheckQuerySchema,
    body: { schema: policyCheckBodySchema, required: true },
    answers: { 200: { description: 'pass, per policy and overall, with the findings.', schema: policyCheckResultSchema } },
  },
  recordSmokeTest: {
    method: 'POST',
    route: 'environments/{environment}/smoke-tests',
    summary: "Record a smoke test of the environment (kvrot smoke): audited, and the environment's latest from then on",
    description: 'Appends an audit record (environment.smoke-passed or environment.smoke-failed) and replaces the latest smoke test that kvrot promote reads as its gate.',
    tags: ['environments'],
    params: { environment },
    body: { schema: smokeTestBodySchema, required: true },
    answers: { 201: { description: 'The smoke test as recorded.', schema: smokeTestSchema } },
  },
  getLatestSmokeTest: {
    method: 'GET',
    route: 'environments/{environment}/smoke-tests/latest',
    summary: "The environment's latest recorded smoke test: kvrot promote's gate",
    tags: ['environments'],
    params: { environment },
    answers: { 200: { description: 'The latest smoke test.', schema: smokeTestSchema }, 404: notFound('smoke test of this environment') },
  },
} as const satisfies Record<RoutedFunction, ApiOperation>;

export type ApiOperationName = keyof typeof API_OPERATIONS;

/** The path a client calls: /api/<route> with each {param} percent-encoded. */
export function apiPath(operation: ApiOperation, params: Record<string, string> = {}): string {
  return `/api/${operation.route.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`route ${operation.route} needs the parameter ${name}`);
    return encodeURIComponent(value);
  })}`;
}
