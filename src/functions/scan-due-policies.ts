import { app, type InvocationContext, type Timer } from '@azure/functions';
import { appConfig, loadAppServices } from '../app-services.js';

/**
 * Sends every due policy to the rotation queue, where rotateDuePolicy takes them on any instance.
 * An entry that could not be sent stays due for the next run; a run that could send none fails,
 * so the invocation shows as failed.
 */
export async function scanDuePolicies(timer: Timer, context: InvocationContext): Promise<void> {
  const services = await loadAppServices();
  await services.ready();
  const report = await services.scan.run();
  context.info(`scan: ${JSON.stringify(report)}${timer.isPastDue ? ' (past due)' : ''}`);
  if (report.failed > 0 && report.enqueued === 0) throw new Error(`scan: none of ${report.examined} due policies could be sent to the rotation queue`);
}

app.timer('scanDuePolicies', { schedule: appConfig().scanSchedule, runOnStartup: false, handler: scanDuePolicies });
