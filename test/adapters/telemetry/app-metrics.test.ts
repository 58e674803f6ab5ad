/**
 * The app's metrics through the real composition, Azurite and a Key Vault emulator of this
 * file's own (its faults are this file's alone), collected by the OpenTelemetry SDK's in-memory
 * exporter instead of Application Insights.
 */
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram, type MetricData } from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../../src/adapters/azure-clients.js';
import { METRIC_NAMES } from '../../../src/adapters/telemetry/open-telemetry-metrics.js';
import { composeServices, type AppServices } from '../../../src/composition.js';
import type { AppConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/core/logger.js';
import { EmulatorAdminClient, startKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/options.js';
import { localConfig, uniqueName } from '../../support/local-stand-ins.js';
import { aPolicy } from '../../support/policy-mother.js';

/** Every attribute a metric may carry, and what its values look like: bounded sets, never text. */
const ATTRIBUTE_VALUES: Record<string, RegExp> = {
  vault: /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$/,
  strategy: /^(vault-only|alternating-users|multi-password)$/,
  trigger: /^(timer|event|http)$/,
  result: /^(succeeded|failed|waiting-for-drain|abandoned|in-progress|error)$/,
  step: /^(drained|prepared|verified|switched|delivered|revoked|completed)$/,
  'step.result': /^(done|wait|failed)$/,
  'consumer.kind': /^[a-z0-9-]+$/,
  'drain.reason': /^(sessions|grace-period)$/,
  operation: /^(create|other)$/,
  queue: /^[a-z0-9-]+$/,
};

let emulator: RunningKeyVaultEmulator;
let admin: EmulatorAdminClient;
const started: Array<{ provider: MeterProvider }> = [];

beforeAll(async () => {
  emulator = await startKeyVaultEmulator();
  admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
});

afterEach(async () => {
  await admin.clearFaults();
});

afterAll(async () => {
  await Promise.all(started.map(({ provider }) => provider.shutdown()));
  await emulator?.stop();
});

interface MeteredApp {
  services: AppServices;
  config: AppConfig;
  /** Everything recorded so far (cumulative), as the exporter would send it. */
  collect(): Promise<MetricData[]>;
}

async function meteredApp(): Promise<MeteredApp> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  started.push({ provider });
  const config = localConfig({ keyVaultEmulator: { caCertPath: emulator.caCertPath, address: emulator.host }, rotationQueueName: uniqueName('metrics-') });
  const services = composeServices(config, { tablePrefix: uniqueName('metrics'), logger: silentLogger, meter: provider.getMeter('test') });
  await services.ready();
  return {
    services,
    config,
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      return exporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics));
    },
  };
}

function pointsOf(metrics: MetricData[], name: string): DataPoint<unknown>[] {
  return metrics.filter((metric) => metric.descriptor.name === name).flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]);
}

function valueOf(metrics: MetricData[], name: string, attributes: Record<string, string>): number | undefined {
  const point = pointsOf(metrics, name).find((p) => Object.entries(attributes).every(([key, value]) => p.attributes[key] === value));
  return point?.value as number | undefined;
}

function stepPoints(metrics: MetricData[], attributes: Record<string, string>): Array<{ step: string; count: number }> {
  return pointsOf(metrics, METRIC_NAMES.stepDuration)
    .filter((p) => Object.entries(attributes).every(([key, value]) => p.attributes[key] === value))
    .map((p) => ({ step: String(p.attributes['step']), count: (p.value as Histogram).count }));
}

const vaultHost = (url: string) => new URL(url).host.toLowerCase();
const http = (reason: string) => ({ kind: 'http' as const, actor: 'metrics-test', reason });

async function aPolicyIn(app: MeteredApp, prefix: string, vaultIndex = 0) {
  const vaultUrl = emulator.vaults[vaultIndex]!.url;
  const policy = aPolicy({ id: uniqueName(`${prefix}-`), vaultUrl, secretName: uniqueName(`${prefix}-`) });
  await app.services.admin.put(policy.id, policy, 'metrics-test');
  return policy;
}

describe('metrics of rotations on the local stack', () => {
  it('counts a succeeded rotation under result=succeeded, with a duration for each of its steps', async () => {
    // Arrange
    const app = await meteredApp();
    const policy = await aPolicyIn(app, 'ok');

    // Act
    const outcome = await app.services.engine.rotate(policy.id, http('metrics'));
    const metrics = await app.collect();

    // Assert
    expect(outcome.status).toBe('succeeded');
    const vault = vaultHost(policy.vaultUrl);
    expect(valueOf(metrics, METRIC_NAMES.rotations, { result: 'succeeded', vault, strategy: 'vault-only', trigger: 'http' })).toBe(1);
    const steps = stepPoints(metrics, { vault, 'step.result': 'done' });
    expect(steps.map((s) => s.step)).toEqual(expect.arrayContaining(['switched', 'completed']));
    for (const step of steps) expect(step.count).toBe(1);
  });

  it('counts a failed rotation under result=failed, its switch step as failed', async () => {
    // Arrange
    const app = await meteredApp();
    const policy = await aPolicyIn(app, 'fails');
    await admin.injectFault({ method: 'PUT', pathPrefix: `/secrets/${policy.secretName}`, status: 403, count: 10 });

    // Act
    const outcome = await app.services.engine.rotate(policy.id, http('metrics'));
    const metrics = await app.collect();

    // Assert
    expect(outcome.status).toBe('failed');
    const vault = vaultHost(policy.vaultUrl);
    expect(valueOf(metrics, METRIC_NAMES.rotations, { result: 'failed', vault })).toBe(1);
    expect(valueOf(metrics, METRIC_NAMES.rotations, { result: 'succeeded', vault })).toBeUndefined();
    expect(stepPoints(metrics, { vault, 'step.result': 'failed' }).map((s) => s.step)).toEqual(['switched']);
  });

  it('counts the 429s of a storm on one vault by that vault, and the rotation still succeeds', async () => {
    // Arrange: Retry-After 0, so the SDK retries at once and the storm costs no backoff.
    const app = await meteredApp();
    const policy = await aPolicyIn(app, 'storm', 1);
    const quiet = emulator.vaults[0]!.url;
    await admin.injectFault({ method: 'PUT', pathPrefix: `/secrets/${policy.secretName}`, status: 429, count: 2, headers: { 'retry-after': '0' } });

    // Act
    const outcome = await app.services.engine.rotate(policy.id, http('metrics'));
    const metrics = await app.collect();

    // Assert
    expect(outcome.status).toBe('succeeded');
    expect(valueOf(metrics, METRIC_NAMES.throttledCalls, { vault: vaultHost(policy.vaultUrl), operation: 'create' })).toBe(2);
    expect(valueOf(metrics, METRIC_NAMES.throttledCalls, { vault: vaultHost(quiet), operation: 'create' })).toBeUndefined();
  });

  it('reports the rotation queue and its poison queue by depth', async () => {
    // Arrange
    const app = await meteredApp();
    const queue = app.config.rotationQueueName;
    await app.services.rotationQueue.enqueue({ policyId: 'queued-a', dueAt: new Date() });
    await app.services.rotationQueue.enqueue({ policyId: 'queued-b', dueAt: new Date() });

    // Act
    const metrics = await app.collect();

    // Assert
    expect(valueOf(metrics, METRIC_NAMES.queueDepth, { queue })).toBe(2);
    expect(valueOf(metrics, METRIC_NAMES.queueDepth, { queue: `${queue}-poison` })).toBe(0);
  });

  it('records nothing that was not measured: no drain wait, no failure, no throttling after one quiet rotation', async () => {
    // Arrange
    const app = await meteredApp();
    const policy = await aPolicyIn(app, 'quiet');

    // Act
    await app.services.engine.rotate(policy.id, http('metrics'));
    const metrics = await app.collect();

    // Assert
    expect(pointsOf(metrics, METRIC_NAMES.rotations)).toHaveLength(1);
    expect(pointsOf(metrics, METRIC_NAMES.drainWaits)).toEqual([]);
    expect(valueOf(metrics, METRIC_NAMES.rotations, { result: 'failed' })).toBeUndefined();
    expect(pointsOf(metrics, METRIC_NAMES.throttledCalls).every((p) => p.value === 0)).toBe(true);
  });

  it('never carries a secret value, a policy id or a secret name in any attribute', async () => {
    // Arrange: several rotations, one of them throttled, one failed.
    const app = await meteredApp();
    const policies = await Promise.all([aPolicyIn(app, 'leak'), aPolicyIn(app, 'leak', 1), aPolicyIn(app, 'leak')]);
    await admin.injectFault({ method: 'PUT', pathPrefix: `/secrets/${policies[1]!.secretName}`, status: 429, count: 1, headers: { 'retry-after': '0' } });
    await admin.injectFault({ method: 'PUT', pathPrefix: `/secrets/${policies[2]!.secretName}`, status: 403, count: 10 });

    // Act
    for (const policy of policies) {
      await app.services.engine.rotate(policy.id, http('first'));
      await app.services.engine.rotate(policy.id, http('second'));
    }
    const metrics = await app.collect();

    // Assert
    const client = createAzureClientFactory(app.config);
    const values: string[] = [];
    for (const policy of policies) {
      const secrets = client.secretClient(policy.vaultUrl);
      for await (const version of secrets.listPropertiesOfSecretVersions(policy.secretName)) {
        values.push((await secrets.getSecret(policy.secretName, { version: version.version! })).value!);
      }
    }
    expect(values.length).toBeGreaterThanOrEqual(4);
    const attributes = metrics.flatMap((metric) => metric.dataPoints.flatMap((point) => Object.entries(point.attributes)));
    expect(attributes.length).toBeGreaterThan(0);
    for (const [key, value] of attributes) {
      expect(Object.keys(ATTRIBUTE_VALUES), `attribute ${key}`).toContain(key);
      expect(String(value), `attribute ${key}`).toMatch(ATTRIBUTE_VALUES[key]!);
      for (const secret of values) expect(String(value)).not.toContain(secret);
      for (const policy of policies) {
        expect(String(value)).not.toContain(policy.id);
        expect(String(value)).not.toContain(policy.secretName);
      }
    }
  });
});
