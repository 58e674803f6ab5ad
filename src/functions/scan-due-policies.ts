import { app, type InvocationContext, type Timer } from '@azure/functions';
import { appConfig, appServices } from '../composition.js';

/** Rotates what is due and finishes rotations left half-done. Per-policy failures are recorded, not thrown. */
export async function scanDuePolicies(timer: Timer, context: InvocationContext): Promise<void> {
  const services = appServices();
  await services.ready();
  const report = await services.scan.run();
  context.info(`scan: ${JSON.stringify(report)}${timer.isPastDue ? ' (past due)' : ''}`);
}

app.timer('scanDuePolicies', { schedule: appConfig().scanSchedule, runOnStartup: false, handler: scanDuePolicies });
