/**
 * The wrapper every HTTP function goes through: waits for storage to be ready,
 * maps errors to the API's error shape, and logs failures without values.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
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
      if (status >= 500) context.error(`http.failed ${request.method} ${new URL(request.url).pathname}: ${describeError(error)}`);
      return response;
    }
  };
}

/** Who is calling: the Easy Auth principal when App Service authentication is on, else the function key holder. */
export function callerOf(request: HttpRequest): string {
  return request.headers.get('x-ms-client-principal-name') ?? request.headers.get('x-ms-client-principal-id') ?? 'function-key';
}
