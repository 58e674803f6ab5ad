/**
 * The zod schemas the HTTP functions validate request bodies with, in a module without side
 * effects: the functions parse with them, and the OpenAPI document (openapi-document.ts) and
 * kvrot's client describe the same bodies from them.
 */
import { z } from 'zod';
import { unsafeTrimmedTextProblem } from '../../core/untrusted-text.js';

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
