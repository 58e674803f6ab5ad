/**
 * The wrapper every HTTP function goes through: waits for storage to be ready,
 * maps errors to the API's error shape, and logs failures without values.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { jsonLineLogger } from '../../adapters/console-logger.js';
import { describeError } from '../../core/errors.js';
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

/**
 * Who is calling. Until the app validates Entra ID tokens itself, the only thing it knows is that the
 * caller holds the function key. The x-ms-client-principal-* headers are deliberately not read: any
 * caller can set them when App Service authentication is off, and the audit's "who" must not be forgeable.
 */
export function callerOf(_request: HttpRequest): string {
  return 'function-key';
}
