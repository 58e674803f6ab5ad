import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { describeError } from '../core/errors.js';
import type { AppServices } from '../composition.js';
import { httpHandler } from './http/http-handler.js';

/** Liveness plus one cheap read of Table Storage, so a probe notices lost storage access. */
export async function health(_request: HttpRequest, context: InvocationContext, services: AppServices): Promise<HttpResponseInit> {
  try {
    await services.states.get('health-probe');
    return { status: 200, jsonBody: { status: 'ok', checks: { tableStorage: 'ok' } } };
  } catch (error) {
    context.warn(`health.table-storage-failed: ${describeError(error)}`);
    return { status: 503, jsonBody: { status: 'degraded', checks: { tableStorage: 'failed' } } };
  }
}

app.http('health', { methods: ['GET'], authLevel: 'function', route: 'health', handler: httpHandler(health) });
