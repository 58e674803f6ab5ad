import { createHash } from 'node:crypto';
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { ValidationError } from '../core/errors.js';
import type { RotationTrigger } from '../core/ports.js';
import { httpHandler, type AuthenticatedActor } from './http/http-handler.js';
import { presentChangeRequestAccepted } from './http/presenters.js';
import { readBody } from './http/request-body.js';
import { IDEMPOTENCY_KEY, rotateRequestSchema } from './http/request-schemas.js';
import { policyIdOf } from './http/route-params.js';

/**
 * Rotates now (or, with dryRun, says what a rotation would do and writes nothing). A policy of a
 * protected environment answers 202 with a change request instead: the rotation runs when approved.
 */
export async function rotatePolicy(request: HttpRequest, _context: InvocationContext, services: AppServices, actor: AuthenticatedActor): Promise<HttpResponseInit> {
  const policyId = policyIdOf(request);
  const body = await readBody(request, rotateRequestSchema);
  const idempotencyKey = request.headers.get('idempotency-key') ?? undefined;
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new ValidationError('the Idempotency-Key header is invalid', [{ path: 'Idempotency-Key', message: '1-128 visible ASCII characters' }]);
  }
  const trigger: RotationTrigger & { actor: AuthenticatedActor } = {
    kind: 'http',
    actor,
    reason: body.reason,
    // The key is bound to the request it came with: the same key with another body is refused (422), not replayed.
    ...(idempotencyKey ? { idempotencyKey: `http:${idempotencyKey}`, idempotencyFingerprint: fingerprintOf(body) } : {}),
  };
  if (body.dryRun) {
    return { status: 200, jsonBody: { dryRun: true, ...(await services.engine.plan(policyId, trigger)) } };
  }
  // A dry run changes nothing and never waits for approval; a rotation of a protected policy does.
  const governed = await services.operations.rotate(policyId, trigger);
  if ('approvalRequired' in governed) return presentChangeRequestAccepted(governed.approvalRequired);
  const outcome = governed.done;
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

app.http('rotatePolicy', { methods: ['POST'], authLevel: 'anonymous', route: 'policies/{id}/rotate', handler: httpHandler('rotatePolicy', rotatePolicy) });

/** A digest of the validated body; the reason is free text, so it is hashed rather than stored. */
function fingerprintOf(body: { reason: string; dryRun: boolean }): string {
  return `sha256:${createHash('sha256').update(JSON.stringify([body.reason, body.dryRun])).digest('base64url')}`;
}
