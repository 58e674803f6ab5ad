/**
 * A policy with no consumers: the new value is generated and written, and applications
 * pick it up from Key Vault. Nothing downstream must accept it first.
 */
import type { RotationStrategy } from './step.js';

export const vaultOnly: RotationStrategy = {
  steps: [
    {
      name: 'switched',
      usesNewValue: true,
      async run(run) {
        return { kind: 'done', patch: await run.switchTo(run.newValue()) };
      },
    },
  ],
};
