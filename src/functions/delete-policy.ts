import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { callerOf, httpHandler } from './http/http-handler.js';
import { preconditionsOf, policyIdOf } from './http/route-params.js';

/** Stops governing the secret. The secret and its versions stay in Key Vault, and the policy's history stays readable. */
export async function deletePolicy(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  await services.admin.delete(policyIdOf(request), callerOf(request), preconditionsOf(request));
  return { status: 204 };
}

app.http('deletePolicy', { methods: ['DELETE'], authLevel: 'function', route: 'policies/{id}', handler: httpHandler(deletePolicy) });
