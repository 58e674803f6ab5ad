/**
 * What one invocation of the engine reports to RotationMetrics while it drives a rotation:
 * each step's duration and result, the drain waits by consumer kind, and how it ended.
 * Attributes come from the rotation's claimed target and the policy's strategy kind only.
 */
import { RotationInProgressError } from '../errors.js';
import type { ActiveRotation, ConsumerProgress, DrainStatus, RotationStep, RotationTrigger } from '../ports.js';
import type { RotationAttributes, RotationMetrics, RotationResult, StepResult, StepTiming } from '../metrics.js';
import type { RotationPolicy } from '../policy/policy.js';
import type { RotationOutcome } from './rotation-outcome.js';

/** The kinds of the consumers a step marked as draining; the rest (followers) do not drain. */
interface DrainingConsumers {
  consumers: readonly { spec: { name: string; kind: string } }[];
  progress: Record<string, ConsumerProgress> | undefined;
}

export class RotationMeter {
  readonly #metrics: RotationMetrics;
  readonly #attributes: RotationAttributes;
  #step: StepTiming | undefined;

  constructor(metrics: RotationMetrics, policy: RotationPolicy, active: ActiveRotation, trigger: RotationTrigger) {
    this.#metrics = metrics;
    this.#attributes = { vault: vaultHost(active.target.vaultUrl), strategy: policy.strategy?.kind ?? 'vault-only', trigger: trigger.kind };
  }

  stepStarted(step: RotationStep): void {
    this.#step = this.#metrics.stepStarted(step, this.#attributes);
  }

  /** Ends the running step, if any. */
  stepEnded(result: StepResult): void {
    this.#step?.end(result);
    this.#step = undefined;
  }

  /** One wait per consumer kind that still drains. */
  drainWaited(drain: DrainStatus, draining: DrainingConsumers): void {
    const reason = drain.sessions > 0 ? 'sessions' : 'grace-period';
    const kinds = new Set(draining.consumers.filter((consumer) => draining.progress?.[consumer.spec.name]?.status === 'draining').map((consumer) => consumer.spec.kind));
    for (const kind of kinds) this.#metrics.drainWaited(kind, reason, this.#attributes);
  }

  ended(outcome: RotationOutcome): RotationOutcome {
    this.stepEnded('failed');
    // The only 'skipped' a driven rotation ends in is an abandoned one: its policy moved to another secret.
    const result: RotationResult = outcome.status === 'skipped' ? 'abandoned' : outcome.status;
    this.#metrics.rotationEnded(result, this.#attributes);
    return outcome;
  }

  /** The engine could not record an outcome (storage down), or an HTTP caller lost the lease to another instance. */
  threw(error: unknown): void {
    this.stepEnded('failed');
    this.#metrics.rotationEnded(error instanceof RotationInProgressError ? 'in-progress' : 'error', this.#attributes);
  }
}

function vaultHost(vaultUrl: string): string {
  try {
    return new URL(vaultUrl).host.toLowerCase();
  } catch {
    return 'unknown';
  }
}
