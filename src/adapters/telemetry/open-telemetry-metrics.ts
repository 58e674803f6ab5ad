/**
 * The app's metrics as OpenTelemetry instruments (docs/metrics.md names each, with its unit and
 * attributes). Rotations, step durations and drain waits come from the engine through the
 * RotationMetrics port; throttled Key Vault calls and the rotation queue's depth are read from
 * the rate governor and the queue when the meter collects. Only types are imported here, so
 * composing the app loads no OpenTelemetry code; a meter is handed in once one exists.
 */
import type { Attributes, Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import type { DrainWaitReason, RotationAttributes, RotationMetrics, RotationResult, StepResult, StepTiming } from '../../core/metrics.js';
import type { RotationStep } from '../../core/ports.js';
import { poisonQueueName } from '../../core/rotation/due-queue.js';
import type { BucketSnapshot } from '../keyvault/rate-governor.js';
import type { RotationQueueDepth } from '../queues/storage-due-queue.js';

export const METRIC_NAMES = {
  rotations: 'kvrot.rotations',
  stepDuration: 'kvrot.rotation.step.duration',
  drainWaits: 'kvrot.drain.waits',
  throttledCalls: 'kvrot.keyvault.throttled_calls',
  queueDepth: 'kvrot.queue.depth',
} as const;

export const METER_NAME = 'keyvault-rotation-governance';

/** Recordings kept while the meter is not there yet (a cold start loading the exporter); the rest are dropped. */
const MAX_PENDING = 10_000;

/** What the observable instruments read when the meter collects. */
export interface ObservedSources {
  /** Per vault and kind of operation, the 429s this instance has seen since it started. */
  rateGovernor?: { snapshot(): BucketSnapshot[] } | undefined;
  rotationQueue?: { readonly queueName: string; depth(): Promise<RotationQueueDepth> } | undefined;
}

interface Instruments {
  rotations: Counter;
  stepDuration: Histogram;
  drainWaits: Counter;
}

export class OpenTelemetryRotationMetrics implements RotationMetrics {
  readonly #now: () => number;
  #instruments: Instruments | undefined;
  #pending: Array<(instruments: Instruments) => void> | undefined = [];

  /** Without a meter, recordings wait (up to MAX_PENDING) for attach(). */
  constructor(meter?: Meter, now: () => number = () => performance.now()) {
    this.#now = now;
    if (meter) this.attach(meter);
  }

  attach(meter: Meter): void {
    const instruments: Instruments = {
      rotations: meter.createCounter(METRIC_NAMES.rotations, {
        description: 'Invocations that drove a rotation, by how they ended',
        unit: '{rotation}',
      }),
      stepDuration: meter.createHistogram(METRIC_NAMES.stepDuration, {
        description: "How long one step of a rotation took, its persistence and audit included",
        unit: 'ms',
        advice: { explicitBucketBoundaries: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000] },
      }),
      drainWaits: meter.createCounter(METRIC_NAMES.drainWaits, {
        description: "Drain checks that found the old credential still in use or within its grace period, per consumer kind",
        unit: '{wait}',
      }),
    };
    const pending = this.#pending ?? [];
    this.#instruments = instruments;
    this.#pending = undefined;
    for (const record of pending) record(instruments);
  }

  /** The meter will never come (the exporter did not start): stop keeping recordings. */
  discard(): void {
    if (!this.#instruments) this.#pending = undefined;
  }

  rotationEnded(result: RotationResult, attributes: RotationAttributes): void {
    const recorded = { ...rotationAttributes(attributes), result };
    this.#record((instruments) => instruments.rotations.add(1, recorded));
  }

  stepStarted(step: RotationStep, attributes: RotationAttributes): StepTiming {
    const startedAt = this.#now();
    let ended = false;
    return {
      end: (result: StepResult) => {
        if (ended) return;
        ended = true;
        const durationInMs = Math.max(0, this.#now() - startedAt);
        const recorded = { ...rotationAttributes(attributes), step, 'step.result': result };
        this.#record((instruments) => instruments.stepDuration.record(durationInMs, recorded));
      },
    };
  }

  drainWaited(consumerKind: string, reason: DrainWaitReason, attributes: RotationAttributes): void {
    const recorded = { ...rotationAttributes(attributes), 'consumer.kind': consumerKind, 'drain.reason': reason };
    this.#record((instruments) => instruments.drainWaits.add(1, recorded));
  }

  #record(record: (instruments: Instruments) => void): void {
    if (this.#instruments) record(this.#instruments);
    else if (this.#pending && this.#pending.length < MAX_PENDING) this.#pending.push(record);
  }
}

/** The instruments read at collection: throttled Key Vault calls by vault, the rotation queue's depth. */
export function observeSources(meter: Meter, sources: ObservedSources): void {
  const { rateGovernor, rotationQueue } = sources;
  if (rateGovernor) {
    meter
      .createObservableCounter(METRIC_NAMES.throttledCalls, {
        description: 'Key Vault calls answered 429 (each attempt, retries included), by vault and kind of operation',
        unit: '{call}',
      })
      .addCallback((result: ObservableResult) => {
        for (const bucket of rateGovernor.snapshot()) result.observe(bucket.throttledCalls, { vault: bucket.vault, operation: bucket.kind });
      });
  }
  if (rotationQueue) {
    meter
      .createObservableGauge(METRIC_NAMES.queueDepth, {
        description: 'Approximate messages in the rotation queue and its poison queue, as Storage counts them',
        unit: '{message}',
      })
      .addCallback(async (result: ObservableResult) => {
        // A storage outage skips this observation; the health check and the alerts report the outage.
        const depth = await rotationQueue.depth().catch(() => undefined);
        if (!depth) return;
        result.observe(depth.queued, { queue: rotationQueue.queueName });
        result.observe(depth.poison, { queue: poisonQueueName(rotationQueue.queueName) });
      });
  }
}

function rotationAttributes(attributes: RotationAttributes): Attributes {
  return { vault: attributes.vault, strategy: attributes.strategy, trigger: attributes.trigger };
}
