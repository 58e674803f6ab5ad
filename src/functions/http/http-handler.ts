/**
 * The wrapper every HTTP function goes through: checks the caller's access token and app role
 * before anything else runs, waits for storage to be ready, maps errors to the API's error
 * shape, and logs failures and refusals without values.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { jsonLineLogger } from '../../adapters/console-logger.js';
import { parseBearer } from '../../adapters/identity/entra-token-validator.js';
import { loadAppServices } from '../../app-services.js';
import type { AppServices } from '../../composition.js';
import type { RequestActor } from '../../core/audit-fields.js';
import type { Caller } from '../../core/auth/caller.js';
import { describeError, ForbiddenError } from '../../core/errors.js';
import { toErrorResponse } from './http-errors.js';
import { ROUTE_ROLES, type RoutedFunction } from './route-roles.js';

/** The caller as its validated token says, and as the audit records them. */
export interface AuthenticatedActor extends RequestActor {
  caller: Caller;
}

export type ServiceHttpHandler = (request: HttpRequest, context: InvocationContext, services: AppServices, actor: AuthenticatedActor) => Promise<HttpResponseInit>;

/**
 * `name` is the function's registered name: its entry in ROUTE_ROLES decides who may call it.
 * Identity comes only from the Authorization header's token, validated in the app. The
 * App Service principal headers are ignored (this file never reads them): any caller can set
 * them when App Service authentication is off. The authorization matrix test forges them.
 */
export function httpHandler(name: RoutedFunction, handler: ServiceHttpHandler): HttpHandler {
  const access = ROUTE_ROLES[name];
  if (access === 'anonymous') throw new Error(`${name} is anonymous in ROUTE_ROLES and must not go through httpHandler, whose answers say why a request failed`);
  return async (request, context) => {
    let caller: Caller | undefined;
    let response: HttpResponseInit;
    try {
      const services = await loadAppServices();
      const validated = await services.tokens.validate(parseBearer(request.headers.get('authorization')));
      caller = validated;
      if (!access.some((role) => validated.roles.has(role))) {
        throw new ForbiddenError(`this operation needs the app role ${access.join(' or ')}`);
      }
      await services.ready();
      response = await handler(request, context, services, actorOf(validated, request, context));
    } catch (error) {
      response = toErrorResponse(error, context.invocationId);
      if ((response.status ?? 500) >= 500) jsonLineLogger(context).error('http.failed', { method: request.method, path: new URL(request.url).pathname, error: describeError(error) });
    }
    if (isRefusal(response.status ?? 200, request.method)) jsonLineLogger(context).warn('http.refused', refusalOf(name, request, context, response, caller));
    return response;
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refusals someone may need to trace: a missing or bad token (401), a role or rule that says
 * no (403), a header too large (431, when the host lets it through), and bad input to a route
 * that writes (400), which is how a probe of the write surface shows. Refused requests write
 * no audit record (nothing happened), so this line is their only trace.
 */
function isRefusal(status: number, method: string): boolean {
  return status === 401 || status === 403 || status === 431 || (status === 400 && !SAFE_METHODS.has(method.toUpperCase()));
}

/**
 * What a refusal is logged with: who (only when the token was valid), from where, which route
 * and why (the error code). Never the token, the body or any other header: each can hold
 * anything a caller chose, a secret included.
 */
function refusalOf(name: RoutedFunction, request: HttpRequest, context: InvocationContext, response: HttpResponseInit, caller: Caller | undefined): Record<string, string | number> {
  const clientIp = clientIpOf(request);
  const code = errorCodeOf(response);
  return {
    function: name,
    method: request.method,
    status: response.status ?? 200,
    ...(code ? { code } : {}),
    ...(caller ? { actorId: caller.oid, actor: caller.displayName } : {}),
    ...(clientIp ? { clientIp } : {}),
    correlationId: context.invocationId,
  };
}

function errorCodeOf(response: HttpResponseInit): string | undefined {
  const body = response.jsonBody as { error?: { code?: unknown } } | undefined;
  return typeof body?.error?.code === 'string' ? body.error.code : undefined;
}

function actorOf(caller: Caller, request: HttpRequest, context: InvocationContext): AuthenticatedActor {
  const clientIp = clientIpOf(request);
  const origin = { correlationId: context.invocationId, ...(clientIp ? { clientIp } : {}) };
  return { caller: { ...caller, origin }, oid: caller.oid, displayName: caller.displayName, ...origin };
}

const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/;
const BRACKETED_IPV6 = /^\[([0-9a-fA-F:.]+)\](?::\d+)?$/;
const IP = /^(?:\d{1,3}(?:\.\d{1,3}){3}|(?=[0-9a-fA-F.]*:)[0-9a-fA-F:.]{2,45})$/;

/**
 * The client's address as the platform saw it: the last X-Forwarded-For entry, which App
 * Service's front end (and the local host) appends. Entries before it are the caller's to
 * write and are ignored. App Service writes IPv4 with a port; the port is dropped.
 */
export function clientIpOf(request: HttpRequest): string | undefined {
  const forwarded = request.headers.get('x-forwarded-for');
  if (!forwarded) return undefined;
  const last = forwarded.slice(forwarded.lastIndexOf(',') + 1).trim();
  const address = IPV4_WITH_PORT.exec(last)?.[1] ?? BRACKETED_IPV6.exec(last)?.[1] ?? last;
  return IP.test(address) ? address.replace(/^::ffff:(?=\d)/, '') : undefined;
}
