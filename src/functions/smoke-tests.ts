/**
 * Smoke tests of environments: kvrot smoke records what it found (Rotation.Operate, the role
 * its dry runs need), and kvrot promote reads the latest as its gate (Rotation.Read). What is
 * recorded and audited is SmokeTests' business.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AppServices } from '../composition.js';
import { ValidationError } from '../core/errors.js';
import { environmentNameSchema } from '../core/policy/policy.js';
import { httpHandler, type AuthenticatedActor } from './http/http-handler.js';
import { presentSmokeTest } from './http/presenters.js';
import { readBody, zodDetails } from './http/request-body.js';
import { smokeTestRequestSchema } from './http/request-schemas.js';

/** The environment in the URL, by the rules of a policy's environment field. */
function environmentOf(request: HttpRequest): string {
  const parsed = environmentNameSchema.safeParse(request.params.environment ?? '');
  if (!parsed.success) throw new ValidationError('the environment in the URL is invalid', zodDetails(parsed.error).map((detail) => ({ ...detail, path: 'environment' })));
  return parsed.data;
}

export async function recordSmokeTest(request: HttpRequest, _context: InvocationContext, services: AppServices, actor: AuthenticatedActor): Promise<HttpResponseInit> {
  const environment = environmentOf(request);
  const report = await readBody(request, smokeTestRequestSchema);
  return { status: 201, jsonBody: presentSmokeTest(await services.smokeTests.record(environment, report, actor)) };
}

export async function getLatestSmokeTest(request: HttpRequest, _context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  return { status: 200, jsonBody: presentSmokeTest(await services.smokeTests.latest(environmentOf(request))) };
}

app.http('recordSmokeTest', { methods: ['POST'], authLevel: 'anonymous', route: 'environments/{environment}/smoke-tests', handler: httpHandler('recordSmokeTest', recordSmokeTest) });
app.http('getLatestSmokeTest', { methods: ['GET'], authLevel: 'anonymous', route: 'environments/{environment}/smoke-tests/latest', handler: httpHandler('getLatestSmokeTest', getLatestSmokeTest) });
