import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { jsonLineLogger } from '../adapters/console-logger.js';
import { DomainError, describeError } from '../core/errors.js';
import { loadAppServices } from '../app-services.js';
import type { AppServices } from '../composition.js';

/**
 * Key Vault's SecretNearExpiry / SecretExpired / SecretNewVersionCreated events.
 * Returning means handled (including "nothing to do"); throwing asks Event Grid to
 * redeliver, which we want only when storage or Key Vault could not be reached.
 */
export async function onKeyVaultEvent(event: EventGridEvent, context: InvocationContext): Promise<void> {
  const services = await loadAppServices();
  await services.ready();
  await handleKeyVaultEvent(event, context, services);
}

/** The event's fields are the sender's: they reach the log as escaped, bounded JSON fields, never as the line itself. */
export async function handleKeyVaultEvent(event: EventGridEvent, context: InvocationContext, services: Pick<AppServices, 'events'>): Promise<void> {
  const log = jsonLineLogger(context);
  try {
    const result = await services.events.handle(event);
    const detail = result.status === 'rotation' ? { outcome: result.outcome.status, reason: result.outcome.reason } : { reason: result.reason };
    log.info('event.handled', { eventId: result.eventId, status: result.status, ...detail });
  } catch (error) {
    if (error instanceof DomainError && !error.retryable) {
      log.error('event.refused', { eventId: String(event.id), error: describeError(error) });
      return;
    }
    throw error;
  }
}

app.eventGrid('onKeyVaultEvent', { handler: onKeyVaultEvent });
