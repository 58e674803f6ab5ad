import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { httpHandler, type AuthenticatedActor } from './http/http-handler.js';
import { presentChangeRequest } from './http/presenters.js';
import { readBody } from './http/request-body.js';
import { breakGlassRequestSchema } from './http/request-schemas.js';
import { policyIdOf } from './http/route-params.js';

/**
 * Rotates a policy of a protected environment now, without approvals. Audited as
 * rotation.break-glass, logged as a warning the alert rule fires on, and left as a
 * change request in 'review' for two other people.
 */
export async function breakGlassRotation(request: HttpRequest, _context: InvocationContext, services: AppServices, actor: AuthenticatedActor): Promise<HttpResponseInit> {
  const policyId = policyIdOf(request);
  const { justification } = await readBody(request, breakGlassRequestSchema);
  const { outcome, review } = await services.operations.breakGlass(policyId, justification, actor);
  const presented = presentChangeRequest(review);
  if (outcome?.status === 'failed') {
    // The failure is recorded, audited and retried like any rotation's; the review stands either way.
    return { status: 502, jsonBody: { error: { code: 'RotationFailed', message: outcome.reason, details: [] }, rotationId: outcome.rotationId, review: presented } };
  }
  return { status: outcome?.status === 'waiting-for-drain' ? 202 : 200, jsonBody: { breakGlass: true, ...outcome, review: presented } };
}

app.http('breakGlassRotation', { methods: ['POST'], authLevel: 'anonymous', route: 'policies/{id}/break-glass', handler: httpHandler('breakGlassRotation', breakGlassRotation) });
