import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { httpHandler, type AuthenticatedActor } from './http/http-handler.js';
import { presentChangeRequestAccepted, presentPolicyView } from './http/presenters.js';
import { readJson } from './http/request-body.js';
import { preconditionsOf, policyIdOf } from './http/route-params.js';

/**
 * Creates (201) or replaces (200) a policy; If-Match guards a replace, If-None-Match: * makes it
 * create-only. For a protected environment (before or after), 202 with the change request instead.
 */
export async function putPolicy(request: HttpRequest, _context: InvocationContext, services: AppServices, actor: AuthenticatedActor): Promise<HttpResponseInit> {
  const id = policyIdOf(request);
  const body = await readJson(request);
  const result = await services.operations.putPolicy(id, body, actor, preconditionsOf(request));
  if ('approvalRequired' in result) return presentChangeRequestAccepted(result.approvalRequired);
  const view = result.done;
  return {
    status: view.created ? 201 : 200,
    headers: { etag: view.stored.etag, ...(view.created ? { location: `/api/policies/${id}` } : {}) },
    jsonBody: presentPolicyView(view, services.engine.stepsOf(view.stored.policy)),
  };
}

app.http('putPolicy', { methods: ['PUT'], authLevel: 'anonymous', route: 'policies/{id}', handler: httpHandler('putPolicy', putPolicy) });
