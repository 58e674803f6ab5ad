/**
 * The wrapper for an anonymous route that answers one fixed JSON document: it reads nothing
 * of the request (no header, query or body), touches no service or storage, and so can say
 * nothing but the document, to anyone. httpHandler refuses anonymous routes; this refuses
 * the rest, so a route ROUTE_ROLES protects can never be served this way.
 */
import type { HttpHandler } from '@azure/functions';
import { ROUTE_ROLES, type RoutedFunction } from './route-roles.js';

/**
 * `build` runs once, on the first request rather than when the module loads, so what it needs
 * stays out of a cold start; a build that fails is tried again by the next request.
 */
export function fixedJsonHandler(name: RoutedFunction, build: () => unknown): HttpHandler {
  if (ROUTE_ROLES[name] !== 'anonymous') throw new Error(`${name} needs app roles in ROUTE_ROLES and must go through httpHandler, not answer a fixed document`);
  const headers = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' };
  let body: Promise<string> | undefined;
  return async () => {
    body ??= Promise.resolve()
      .then(build)
      .then((document) => JSON.stringify(document))
      .catch((error: unknown) => {
        body = undefined;
        throw error;
      });
    return { status: 200, headers, body: await body };
  };
}
