import { app, type InvocationContext } from '@azure/functions';
import { appConfig, loadAppServices } from '../app-services.js';
import type { AppServices } from '../composition.js';

/**
 * One message of the rotation queue: one due policy, rotated on whichever instance took it.
 * Throwing hands the message back to the host, which redelivers it and, after the fifth
 * failed delivery, moves it to `<queue>-poison` (host.json's maxDequeueCount).
 */
export async function rotateDuePolicy(message: unknown, context: InvocationContext, services: () => AppServices | Promise<AppServices> = loadAppServices): Promise<void> {
  const app = await services();
  await app.ready();
  const dequeueCount = Number(context.triggerMetadata?.['dequeueCount'] ?? 1);
  const messageId = context.triggerMetadata?.['id'];
  const result = await app.dueRotations.handleMessage(message, { dequeueCount: Number.isInteger(dequeueCount) && dequeueCount > 0 ? dequeueCount : 1, ...(typeof messageId === 'string' ? { messageId } : {}) });
  context.info(`rotateDuePolicy: ${result}`);
}

app.storageQueue('rotateDuePolicy', { queueName: appConfig().rotationQueueName, connection: 'AzureWebJobsStorage', handler: (message, context) => rotateDuePolicy(message, context) });
