/**
 * The strategies by name. A new strategy is a new file with its list of steps and one
 * line here; the engine knows none of them by name.
 */
import type { StrategyKind } from '../../consumers/consumer-port.js';
import { alternatingUsers } from './alternating-users.js';
import { issuedCredential } from './issued-credential.js';
import { multiPassword } from './multi-password.js';
import { deliverStep } from './common-steps.js';
import type { RotationStrategy } from './step.js';
import { vaultOnly } from './vault-only.js';

const STRATEGIES: Record<StrategyKind, RotationStrategy> = {
  'alternating-users': alternatingUsers,
  'multi-password': multiPassword,
  'issued-credential': issuedCredential,
};

const DELIVERING = new Map<RotationStrategy, RotationStrategy>();

/**
 * The steps a policy's rotation runs. With followers (replicas, webhooks...), every strategy
 * delivers the version right after its switch, so nothing after it (a drain, a revoke) starts
 * before each follower confirmed; without, the strategy runs as written.
 */
export function strategyFor(kind: StrategyKind | undefined, withFollowers = false): RotationStrategy {
  const strategy = kind ? STRATEGIES[kind] : vaultOnly;
  if (!withFollowers) return strategy;
  let delivering = DELIVERING.get(strategy);
  if (!delivering) {
    const switchIndex = strategy.steps.findIndex((step) => step.name === 'switched');
    delivering = { ...strategy, steps: [...strategy.steps.slice(0, switchIndex + 1), deliverStep, ...strategy.steps.slice(switchIndex + 1)] };
    DELIVERING.set(strategy, delivering);
  }
  return delivering;
}

export type { BoundConsumer, BoundFollower, BoundIssuer, RotationStrategy, RotationStepDefinition, StepOutcome, StepRun } from './step.js';
export { DrainTimedOutError } from './drain.js';
export { FollowersNotConfirmedError } from './common-steps.js';
export { parseCredential, type Credential } from './credential.js';
