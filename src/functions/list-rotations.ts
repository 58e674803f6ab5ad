import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { httpHandler } from './http/http-handler.js';
import { presentAuditRecord } from './http/presenters.js';
import { pageOptionsOf, policyIdOf } from './http/route-params.js';

/** The policy's audit history, newest first. */
export async function listRotations(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const policyId = policyIdOf(request);
  const options = pageOptionsOf(request);
  await services.admin.get(policyId);
  const page = await services.audit.listForPolicy(policyId, options);
  return {
    status: 200,
    jsonBody: { items: page.items.map(presentAuditRecord), ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) },
  };
}

app.http('listRotations', { methods: ['GET'], authLevel: 'function', route: 'policies/{id}/rotations', handler: httpHandler(listRotations) });
