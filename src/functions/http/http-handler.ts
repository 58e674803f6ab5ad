/**
 * The wrapper every HTTP function goes through: waits for storage to be ready,
 * maps errors to the API's error shape, and logs failures without values.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { jsonLineLogger } from '../../adapters/console-logger.js';
import { describeError } from '../../core/errors.js';
import { boundText } from '../../core/untrusted-text.js';
import { appServices, type AppServices } from '../../composition.js';
import { toErrorResponse } from './http-errors.js';

export type ServiceHttpHandler = (request: HttpRequest, context: InvocationContext, services: AppServices) => Promise<HttpResponseInit>;

export function httpHandler(handler: ServiceHttpHandler): HttpHandler {
  return async (request, context) => {
    try {
      const services = appServices();
      await services.ready();
      return await handler(request, context, services);
    } catch (error) {
      const response = toErrorResponse(error, context.invocationId);
      const status = response.status ?? 500;
      if (status >= 500) jsonLineLogger(context).error('http.failed', { method: request.method, path: new URL(request.url).pathname, error: describeError(error) });
      return response;
    }
  };
}

/** Who is calling: the Easy Auth principal when App Service authentication is on, else the function key holder. */
export function callerOf(request: HttpRequest): string {
  const principal = request.headers.get('x-ms-client-principal-name') ?? request.headers.get('x-ms-client-principal-id');
  // Without App Service authentication, whoever holds the key sets these headers: escaped and bounded, as they reach the audit trail.
  return principal === null ? 'function-key' : boundText(principal, 256);
}
