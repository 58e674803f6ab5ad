import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { httpHandler } from './http/http-handler.js';
import { presentPolicyView } from './http/presenters.js';
import { policyIdOf } from './http/route-params.js';

export async function getPolicy(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const view = await services.admin.get(policyIdOf(request));
  return { status: 200, headers: { etag: view.stored.etag }, jsonBody: presentPolicyView(view, services.engine.stepsOf(view.stored.policy)) };
}

app.http('getPolicy', { methods: ['GET'], authLevel: 'anonymous', route: 'policies/{id}', handler: httpHandler('getPolicy', getPolicy) });
