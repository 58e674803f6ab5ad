import { createHash } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { z } from 'zod';
import type { AppServices } from '../composition.js';
import { ValidationError } from '../core/errors.js';
import type { RotationTrigger } from '../core/ports.js';
import { unsafeTrimmedTextProblem } from '../core/untrusted-text.js';
import { callerOf, httpHandler } from './http/http-handler.js';
import { readBody } from './http/request-body.js';
import { policyIdOf } from './http/route-params.js';

const rotateRequestSchema = z.strictObject({
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

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/** Rotates now (or, with dryRun, says what a rotation would do and writes nothing). */
export async function rotatePolicy(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const policyId = policyIdOf(request);
  const body = await readBody(request, rotateRequestSchema);
  const idempotencyKey = request.headers.get('idempotency-key') ?? undefined;
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new ValidationError('the Idempotency-Key header is invalid', [{ path: 'Idempotency-Key', message: '1-128 visible ASCII characters' }]);
  }
  const trigger: RotationTrigger = {
    kind: 'http',
    actor: callerOf(request),
    reason: body.reason,
    // The key is bound to the request it came with: the same key with another body is refused (422), not replayed.
    ...(idempotencyKey ? { idempotencyKey: `http:${idempotencyKey}`, idempotencyFingerprint: fingerprintOf(body) } : {}),
  };
  if (body.dryRun) {
    return { status: 200, jsonBody: { dryRun: true, ...(await services.engine.plan(policyId, trigger)) } };
  }
  const outcome = await services.engine.rotate(policyId, trigger);
  if (outcome.status === 'failed') {
    // The failure is already recorded, audited and scheduled for retry; the caller learns which rotation to look at.
    return {
      status: 502,
      jsonBody: { error: { code: 'RotationFailed', message: outcome.reason, details: [] }, rotationId: outcome.rotationId, parked: outcome.parked ?? false },
    };
  }
  // Still going: the rotation waits for the old credential to drain, and GET /api/policies/{id} shows its progress.
  if (outcome.status === 'waiting-for-drain') {
    return { status: 202, headers: { Location: `/api/policies/${policyId}` }, jsonBody: { dryRun: false, ...outcome } };
  }
  return { status: 200, jsonBody: { dryRun: false, ...outcome } };
}

app.http('rotatePolicy', { methods: ['POST'], authLevel: 'function', route: 'policies/{id}/rotate', handler: httpHandler(rotatePolicy) });

/** A digest of the validated body; the reason is free text, so it is hashed rather than stored. */
function fingerprintOf(body: { reason: string; dryRun: boolean }): string {
  return `sha256:${createHash('sha256').update(JSON.stringify([body.reason, body.dryRun])).digest('base64url')}`;
}
