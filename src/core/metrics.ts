/**
 * Rotation metrics as a port: what the engine counts and times. Every attribute is from a
 * small, fixed set (a governed vault's host, a strategy, a trigger kind, a step, a result, a
 * consumer kind), so a metric never carries a value, a policy id or text a caller wrote.
 */
import type { RotationStep, TriggerKind } from './ports.js';

/** How one invocation that drove a rotation ended: its outcome's status, or what it threw. */
export type RotationResult = 'succeeded' | 'failed' | 'waiting-for-drain' | 'abandoned' | 'in-progress' | 'error';

export type StepResult = 'done' | 'wait' | 'failed';

/** Why a drain check waited: sessions still hold the old credential, or only its grace period is left. */
export type DrainWaitReason = 'sessions' | 'grace-period';

export interface RotationAttributes {
  /** The vault's host name, lower-case: one of the governed vaults. */
  vault: string;
  /** The policy's strategy kind, or 'vault-only' for a policy without consumers. */
  strategy: string;
  /** What drove this invocation (not necessarily what started the rotation). */
  trigger: TriggerKind;
}

export interface StepTiming {
  /** Records the step's duration since it started, by result. Later calls do nothing. */
  end(result: StepResult): void;
}

export interface RotationMetrics {
  rotationEnded(result: RotationResult, attributes: RotationAttributes): void;
  /** A strategy's step, or 'completed' after them. The adapter measures the time, with a monotonic clock of its own. */
  stepStarted(step: RotationStep, attributes: RotationAttributes): StepTiming;
  drainWaited(consumerKind: string, reason: DrainWaitReason, attributes: RotationAttributes): void;
}

const noTiming: StepTiming = { end() {} };

/** When nothing collects metrics: the tests, the CLI, and the app without Application Insights. */
export const noRotationMetrics: RotationMetrics = {
  rotationEnded() {},
  stepStarted: () => noTiming,
  drainWaited() {},
};
