import { app, type InvocationContext, type Timer } from '@azure/functions';
import { loadAppServices } from '../app-services.js';
import { ARCHIVE_CATCH_UP_WINDOW_MS } from '../core/audit/archived-audit-log.js';

/** Daily, at a quiet hour: often enough that the archive trails the table by a day at worst. */
const SCHEDULE = '0 30 2 * * *';

/**
 * Copies to the immutable archive any audit record an append could not archive (its request
 * was not repeated): records already archived are skipped. Logs `audit.archive-catch-up`; a
 * record whose archived copy differs from the table's stops it with an error, loudly.
 */
export async function archiveAudit(timer: Timer, context: InvocationContext): Promise<void> {
  const services = await loadAppServices();
  await services.ready();
  const to = services.clock.now();
  const result = await services.audit.catchUp(new Date(to.getTime() - ARCHIVE_CATCH_UP_WINDOW_MS), to);
  const line = JSON.stringify({ event: 'audit.archive-catch-up', ...result, pastDue: timer.isPastDue });
  if (result.failed > 0) context.warn(line);
  else context.info(line);
}

app.timer('archiveAudit', { schedule: SCHEDULE, runOnStartup: false, handler: archiveAudit });
