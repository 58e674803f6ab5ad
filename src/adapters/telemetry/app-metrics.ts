/**
 * The app's metrics: exported to Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING
 * is set, with the Azure Monitor OpenTelemetry distro signed in as the app's managed identity;
 * recorded nowhere otherwise. The distro is loaded by a dynamic import when the app is composed,
 * so no function module pays for it on import, and what the engine records before it has loaded
 * is kept and recorded once it has.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { Meter } from '@opentelemetry/api';
import type { TelemetrySettings } from '../../config.js';
import { describeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { noRotationMetrics, type RotationMetrics } from '../../core/metrics.js';
import { METER_NAME, OpenTelemetryRotationMetrics, observeSources, type ObservedSources } from './open-telemetry-metrics.js';

export interface AppMetricsOptions {
  /** Undefined: no metrics are sent. */
  telemetry: TelemetrySettings | undefined;
  /** The app's managed identity: Application Insights with local auth off accepts nothing else. */
  credential: TokenCredential;
  sources: ObservedSources;
  logger: Logger;
  /** Tests collect into a meter of their own instead (an in-memory reader). */
  meter?: Meter | undefined;
}

/** The distro sets up the process's one meter provider: started once per process, whatever composes the app. */
let azureMonitorMeter: Promise<Meter> | undefined;

export function createAppMetrics(options: AppMetricsOptions): RotationMetrics {
  if (options.meter) {
    observeSources(options.meter, options.sources);
    return new OpenTelemetryRotationMetrics(options.meter);
  }
  if (!options.telemetry) return noRotationMetrics;
  const metrics = new OpenTelemetryRotationMetrics();
  const { connectionString } = options.telemetry;
  azureMonitorMeter ??= startAzureMonitor(connectionString, options.credential);
  azureMonitorMeter.then(
    (meter) => {
      observeSources(meter, options.sources);
      metrics.attach(meter);
    },
    (error: unknown) => {
      metrics.discard();
      // Never the connection string: the error is the SDK's, about loading or starting.
      options.logger.warn('metrics.unavailable', { error: describeError(error) });
    },
  );
  return metrics;
}

async function startAzureMonitor(connectionString: string, credential: TokenCredential): Promise<Meter> {
  const [{ useAzureMonitor }, { metrics }] = await Promise.all([import('@azure/monitor-opentelemetry'), import('@opentelemetry/api')]);
  const off = { enabled: false };
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString, credential },
    // Metrics only. The Functions host already reports requests, dependencies and logs; these
    // instrumentations would report them twice, with URLs that name vaults and secrets.
    instrumentationOptions: { http: off, azureSdk: off, mongoDb: off, mySql: off, postgreSql: off, redis: off, redis4: off, bunyan: off, winston: off },
    enableLiveMetrics: false,
    enableStandardMetrics: false,
    enablePerformanceCounters: false,
  });
  return metrics.getMeter(METER_NAME);
}
