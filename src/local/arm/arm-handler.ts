/**
 * One ARM request, in the order ARM's front end applies things: the bearer token, then
 * (stand-in only) an armed fault, the route, the method, the api-version, and the read.
 * Every refusal has ARM's status and {"error":{"code","message"}} body.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, RequestTooLargeError, sendJson } from '../keyvault-emulator/http-io.js';
import { applyFaultDelays } from '../shared/http-faults.js';
import { ArmError, armErrors, injectedError } from './arm-errors.js';
import { matchRoute, param, requireGroup, SUPPORTED_API_VERSIONS } from './routes.js';
import type { ArmRuntime } from './runtime.js';

const BEARER = /^Bearer +\S+$/i;

function armHeaders(req: IncomingMessage): Record<string, string> {
  const requestId = randomUUID();
  const clientRequestId = req.headers['x-ms-client-request-id'];
  return {
    'cache-control': 'no-cache',
    pragma: 'no-cache',
    expires: '-1',
    'x-ms-request-id': requestId,
    'x-ms-correlation-request-id': requestId,
    'x-ms-routing-request-id': `LOCAL:${new Date().toISOString().replace(/[-:.]/g, '')}:${requestId}`,
    'x-ms-ratelimit-remaining-subscription-reads': '11999',
    ...(typeof clientRequestId === 'string' ? { 'x-ms-client-request-id': clientRequestId } : {}),
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
  };
}

function sendError(req: IncomingMessage, res: ServerResponse, error: ArmError): void {
  sendJson(res, error.status, error.toBody(), { ...armHeaders(req), ...error.headers });
}

export async function handleArmRequest(runtime: ArmRuntime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  let body: string;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof RequestTooLargeError) return sendError(req, res, new ArmError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
    throw error;
  }

  const authorization = req.headers.authorization;
  if (authorization === undefined || authorization.trim() === '') {
    runtime.counts.unauthenticated += 1;
    return sendError(req, res, armErrors.missingAuthorization());
  }
  if (!BEARER.test(authorization.trim())) {
    runtime.counts.unauthenticated += 1;
    return sendError(req, res, armErrors.invalidAuthorization());
  }

  const route = matchRoute(url.pathname);
  const fault = runtime.faults.take({ operation: route?.operation, method, path: url.pathname });
  if (fault) {
    runtime.counts.faults += 1;
    if (await applyFaultDelays(req, fault)) return;
    if (fault.status !== undefined) return sendError(req, res, injectedError(fault.status, fault.errorCode, fault.errorMessage, fault.headers));
  }

  if (!route) {
    runtime.counts.unknown += 1;
    return sendError(req, res, armErrors.unknownPath(url.pathname));
  }
  const allowed = route.method ?? 'GET';
  if (method !== allowed) {
    runtime.counts.unknown += 1;
    return sendError(req, res, armErrors.methodNotAllowed(method, allowed));
  }
  const query = new URLSearchParams(url.search);
  const apiVersion = param(query, 'api-version');
  if (apiVersion === undefined || apiVersion === '') return sendError(req, res, armErrors.missingApiVersion());
  const supported = SUPPORTED_API_VERSIONS[route.family];
  if (!supported.includes(apiVersion)) return sendError(req, res, armErrors.unsupportedApiVersion(apiVersion, route.family, supported));

  runtime.counts.operations[route.operation] += 1;
  try {
    const answer = await route.run({
      state: runtime.state,
      query,
      origin: `https://${req.headers.host ?? 'management.azure.com'}`,
      path: url.pathname,
      pageSize: runtime.pageSize,
      port: runtime.port === 443 ? undefined : runtime.port,
      body,
      references: runtime.references,
      requireGroup: (subscriptionId, group) => requireGroup(runtime.state, subscriptionId, group),
    });
    if (req.socket.destroyed) return;
    sendJson(res, 200, answer, armHeaders(req));
  } catch (error) {
    if (error instanceof ArmError) return sendError(req, res, error);
    throw error;
  }
}
