import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { httpHandler } from './http/http-handler.js';
import { presentPolicy, presentPage } from './http/presenters.js';
import { pageOptionsOf } from './http/route-params.js';

export async function listPolicies(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const page = await services.admin.list(pageOptionsOf(request));
  return {
    status: 200,
    jsonBody: presentPage(page, presentPolicy),
  };
}

app.http('listPolicies', { methods: ['GET'], authLevel: 'function', route: 'policies', handler: httpHandler(listPolicies) });
