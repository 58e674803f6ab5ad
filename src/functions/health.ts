import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { loadAppServices } from '../app-services.js';
import type { AppServices } from '../composition.js';
import { describeError } from '../core/errors.js';

type Check = 'ok' | 'failed';

/**
 * Liveness plus one cheap read each of Table Storage and the rotation queue, so a probe notices
 * lost storage access. Anonymous, so a probe needs no key: it answers fixed words and one count,
 * never a message, which is why it does not go through httpHandler (whose error answers carry
 * messages). The count is of messages the host gave up on (the poison queue): worth an admin's
 * look, never a reason for a probe to restart the app, so it does not degrade the status.
 */
export async function health(_request: HttpRequest, context: InvocationContext, services: () => AppServices | Promise<AppServices> = loadAppServices): Promise<HttpResponseInit> {
  const checks: { tableStorage: Check; rotationQueue: Check } = { tableStorage: 'failed', rotationQueue: 'failed' };
  let poisonMessages: number | undefined;
  try {
    const app = await services();
    await app.ready();
    const [table, queue] = await Promise.allSettled([app.states.get('health-probe'), app.rotationQueue.poisonCount()]);
    if (table.status === 'fulfilled') checks.tableStorage = 'ok';
    else context.warn(`health.table-storage-failed: ${describeError(table.reason)}`);
    if (queue.status === 'fulfilled') {
      checks.rotationQueue = 'ok';
      poisonMessages = queue.value;
    } else {
      context.warn(`health.rotation-queue-failed: ${describeError(queue.reason)}`);
    }
  } catch (error) {
    context.warn(`health.storage-failed: ${describeError(error)}`);
  }
  const healthy = checks.tableStorage === 'ok' && checks.rotationQueue === 'ok';
  return {
    status: healthy ? 200 : 503,
    jsonBody: { status: healthy ? 'ok' : 'degraded', checks, ...(poisonMessages !== undefined ? { poisonMessages } : {}) },
  };
}

app.http('health', { methods: ['GET'], authLevel: 'anonymous', route: 'health', handler: (request, context) => health(request, context) });
