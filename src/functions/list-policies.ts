import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { ValidationError } from '../core/errors.js';
import { httpHandler } from './http/http-handler.js';
import { presentPage, presentPolicy, presentPolicyView } from './http/presenters.js';
import { pageOptionsOf } from './http/route-params.js';

/**
 * include=state, given once, or nothing; anything else is refused, naming include. With it a page
 * carries each policy's state, so a dashboard reads the fleet in one call instead of one per policy.
 */
function includesState(request: HttpRequest): boolean {
  const given = request.query.getAll('include');
  if (given.length === 0) return false;
  if (given.length > 1) throw new ValidationError('query parameter include is invalid: given more than once', [{ path: 'include', message: 'given more than once' }]);
  if (given[0] !== 'state') throw new ValidationError("query parameter include is invalid: only 'state' is supported", [{ path: 'include', message: "only 'state' is supported" }]);
  return true;
}

export async function listPolicies(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  const withState = includesState(request);
  const options = pageOptionsOf(request);
  if (!withState) return { status: 200, jsonBody: presentPage(await services.admin.list(options), presentPolicy) };
  const page = await services.admin.listWithState(options);
  return { status: 200, jsonBody: presentPage(page, (view) => presentPolicyView(view, services.engine.stepsOf(view.stored.policy))) };
}

app.http('listPolicies', { methods: ['GET'], authLevel: 'anonymous', route: 'policies', handler: httpHandler('listPolicies', listPolicies) });
