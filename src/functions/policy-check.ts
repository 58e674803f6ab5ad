import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { httpHandler } from './http/http-handler.js';
import { failOnParam } from './http/report-params.js';
import { readJson } from './http/request-body.js';

/**
 * The compliance rules for policies over one policy body, or {"policies": [...]}, before
 * anything is stored: 200 with `pass` and the findings (CI gates on `pass`); a body PUT
 * /api/policies/{id} would refuse is a 400 naming the field. Reads and writes nothing.
 */
export async function checkPolicy(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const failOn = failOnParam(request);
  const body = await readJson(request);
  return { status: 200, jsonBody: services.reports.checkPolicies(body, failOn) };
}

app.http('checkPolicy', { methods: ['POST'], authLevel: 'anonymous', route: 'policy-check', handler: httpHandler('checkPolicy', checkPolicy) });
