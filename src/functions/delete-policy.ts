import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { httpHandler, type AuthenticatedActor } from './http/http-handler.js';
import { presentChangeRequestAccepted } from './http/presenters.js';
import { preconditionsOf, policyIdOf } from './http/route-params.js';

/**
 * Stops governing the secret. The secret and its versions stay in Key Vault, and the policy's
 * history stays readable. For a protected environment, 202 with the change request instead.
 */
export async function deletePolicy(request: HttpRequest, _context: InvocationContext, services: AppServices, actor: AuthenticatedActor): Promise<HttpResponseInit> {
  const result = await services.operations.deletePolicy(policyIdOf(request), actor, preconditionsOf(request));
  if ('approvalRequired' in result) return presentChangeRequestAccepted(result.approvalRequired);
  return { status: 204 };
}

app.http('deletePolicy', { methods: ['DELETE'], authLevel: 'anonymous', route: 'policies/{id}', handler: httpHandler('deletePolicy', deletePolicy) });
