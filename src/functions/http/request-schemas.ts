/**
 * The zod schemas the HTTP functions validate request bodies with, in a module without side
 * effects: the functions parse with them, and the OpenAPI document (openapi-document.ts) and
 * kvrot's client describe the same bodies from them.
 */
import { z } from 'zod';
import { rotationPolicySchema } from '../../core/policy/policy.js';
import { MAX_SMOKE_CHECK_NAME_LENGTH, MAX_SMOKE_CHECKS, MAX_SMOKE_POLICIES } from '../../core/smoke/smoke-tests.js';
import { unsafeCharacterProblem, unsafeTrimmedTextProblem } from '../../core/untrusted-text.js';

/** POST /api/policies/{id}/rotate. */
export const rotateRequestSchema = z.strictObject({
  // The reason is logged and audited: a control or bidi character could forge or disguise a line there.
  // Checked before trimming, which would quietly drop a leading or trailing CR or LF.
  reason: z
    .string({ error: 'reason is required: say why this rotation is needed' })
    .superRefine((reason, ctx) => {
      const problem = unsafeTrimmedTextProblem(reason);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .trim()
    .min(1, 'reason must not be empty')
    .max(512),
  dryRun: z.boolean().default(false),
});

/** The Idempotency-Key header a rotate may carry. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/** POST /api/policies/{id}/break-glass. The justification's length and characters are checked by the service, which names the field. */
export const breakGlassRequestSchema = z.strictObject({ justification: z.string({ error: 'justification is required: say why this cannot wait for approvals' }) });

/** Length, control and bidi characters of a note are checked by the service, which names the field. */
const note = z.string().optional();
/** POST /api/change-requests/{id}/approve (optional body). */
export const approveRequestSchema = z.strictObject({ comment: note });
/** POST /api/change-requests/{id}/reject (optional body). */
export const rejectRequestSchema = z.strictObject({ reason: note });
/** POST /api/change-requests/{id}/cancel (optional body). */
export const cancelRequestSchema = z.strictObject({});

/** The service's change request ids are UUIDs; anything else cannot name a request. */
export const CHANGE_REQUEST_ID = /^[0-9A-Za-z-]{1,64}$/;

/** How kvrot hashes a Secretfile and its var files (src/cli/secretfile-input.ts). */
export const SECRETFILE_HASH = /^sha256:[0-9a-f]{64}$/;

/** POST /api/environments/{environment}/smoke-tests: what kvrot smoke found. */
export const smokeTestRequestSchema = z
  .strictObject({
    passed: z.boolean({ error: 'passed is required: true when every check passed' }),
    fileHash: z.string().regex(SECRETFILE_HASH, 'sha256: and 64 lower-case hex digits, as kvrot smoke -f computes it').nullable(),
    policies: z.array(rotationPolicySchema.shape.id).max(MAX_SMOKE_POLICIES, `at most ${MAX_SMOKE_POLICIES} policies`),
    checks: z
      .array(
        z.strictObject({
          // The names go into the audit record's reason: no control or bidi character may forge or disguise a line there.
          name: z
            .string()
            .min(1, 'cannot be empty')
            .max(MAX_SMOKE_CHECK_NAME_LENGTH, `must be at most ${MAX_SMOKE_CHECK_NAME_LENGTH} characters`)
            .superRefine((name, ctx) => {
              const problem = unsafeCharacterProblem(name);
              if (problem) ctx.addIssue({ code: 'custom', message: problem });
            }),
          passed: z.boolean(),
        }),
      )
      .min(1, 'a smoke test has at least one check')
      .max(MAX_SMOKE_CHECKS, `at most ${MAX_SMOKE_CHECKS} checks`),
  })
  .superRefine((body, ctx) => {
    if (body.passed !== body.checks.every((check) => check.passed)) {
      ctx.addIssue({ code: 'custom', path: ['passed'], message: body.passed ? 'cannot be true when a check failed' : 'cannot be false when every check passed' });
    }
  });
