import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { appServices, type AppServices } from '../composition.js';
import { describeError } from '../core/errors.js';

const HEALTHY: HttpResponseInit = { status: 200, jsonBody: { status: 'ok', checks: { tableStorage: 'ok' } } };
const DEGRADED: HttpResponseInit = { status: 503, jsonBody: { status: 'degraded', checks: { tableStorage: 'failed' } } };

/**
 * Liveness plus one cheap read of Table Storage, so a probe notices lost storage access.
 * Anonymous, so a probe needs no key: it answers one of two fixed bodies and nothing else,
 * which is why it does not go through httpHandler (whose error answers carry messages).
 */
export async function health(_request: HttpRequest, context: InvocationContext, services: () => AppServices = appServices): Promise<HttpResponseInit> {
  try {
    const app = services();
    await app.ready();
    await app.states.get('health-probe');
    return HEALTHY;
  } catch (error) {
    context.warn(`health.table-storage-failed: ${describeError(error)}`);
    return DEGRADED;
  }
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: (request, context) => health(request, context) });
