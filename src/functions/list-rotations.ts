import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { httpHandler } from './http/http-handler.js';
import { presentAuditRecord, presentPage } from './http/presenters.js';
import { pageOptionsOf, policyIdOf } from './http/route-params.js';

/**
 * The policy's audit history, newest first: rotations, failures, resumes, replaces, events.
 * It outlives the policy: a deleted policy's history stays readable. A policy id that never
 * existed and has no history is a 404.
 */
export async function listRotations(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const policyId = policyIdOf(request);
  const options = pageOptionsOf(request);
  const page = await services.audit.listForPolicy(policyId, options);
  if (page.items.length === 0 && !options.continuationToken) await services.admin.get(policyId);
  return {
    status: 200,
    jsonBody: presentPage(page, presentAuditRecord),
  };
}

app.http('listRotations', { methods: ['GET'], authLevel: 'anonymous', route: 'policies/{id}/rotations', handler: httpHandler('listRotations', listRotations) });
