/**
 * The strategies by name. A new strategy is a new file with its list of steps and one
 * line here; the engine knows none of them by name.
 */
import type { StrategyKind } from '../../consumers/consumer-port.js';
import { alternatingUsers } from './alternating-users.js';
import { multiPassword } from './multi-password.js';
import type { RotationStrategy } from './step.js';
import { vaultOnly } from './vault-only.js';

const STRATEGIES: Record<StrategyKind, RotationStrategy> = {
  'alternating-users': alternatingUsers,
  'multi-password': multiPassword,
};

export function strategyFor(kind: StrategyKind | undefined): RotationStrategy {
  return kind ? STRATEGIES[kind] : vaultOnly;
}

export type { BoundConsumer, RotationStrategy, RotationStepDefinition, StepOutcome, StepRun } from './step.js';
export { DrainTimedOutError } from './drain.js';
export { parseCredential, type Credential } from './credential.js';
