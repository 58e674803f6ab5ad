import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { DomainError } from '../core/errors.js';
import { appServices } from '../composition.js';

/**
 * Key Vault's SecretNearExpiry / SecretExpired / SecretNewVersionCreated events.
 * Returning means handled (including "nothing to do"); throwing asks Event Grid to
 * redeliver, which we want only when storage or Key Vault could not be reached.
 */
export async function onKeyVaultEvent(event: EventGridEvent, context: InvocationContext): Promise<void> {
  const services = appServices();
  await services.ready();
  try {
    const result = await services.events.handle(event);
    const detail = result.status === 'rotation' ? `${result.outcome.status}: ${result.outcome.reason}` : result.reason;
    context.info(`event ${result.eventId} ${result.status}: ${detail}`);
  } catch (error) {
    if (error instanceof DomainError && !error.retryable) {
      context.error(`event ${event.id} refused permanently: ${error.message}`);
      return;
    }
    throw error;
  }
}

app.eventGrid('onKeyVaultEvent', { handler: onKeyVaultEvent });
