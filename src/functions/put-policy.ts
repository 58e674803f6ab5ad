import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { callerOf, httpHandler } from './http/http-handler.js';
import { presentPolicyView } from './http/presenters.js';
import { readJson } from './http/request-body.js';
import { preconditionsOf, policyIdOf } from './http/route-params.js';

/** Creates (201) or replaces (200) a policy; If-Match guards a replace, If-None-Match: * makes it create-only. */
export async function putPolicy(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const id = policyIdOf(request);
  const body = await readJson(request);
  const result = await services.admin.put(id, body, callerOf(request), preconditionsOf(request));
  return {
    status: result.created ? 201 : 200,
    headers: { etag: result.stored.etag, ...(result.created ? { location: `/api/policies/${id}` } : {}) },
    jsonBody: presentPolicyView(result),
  };
}

app.http('putPolicy', { methods: ['PUT'], authLevel: 'function', route: 'policies/{id}', handler: httpHandler(putPolicy) });
