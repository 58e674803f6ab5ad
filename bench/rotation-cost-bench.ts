/** Key Vault operations per rotation, by kind, from the emulator's own counts. */
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../src/config.js';
import { composeServices } from '../src/composition.js';
import { silentLogger } from '../src/core/logger.js';
import { parsePolicy } from '../src/core/policy/policy.js';
import type { EmulatorAdminClient } from '../src/local/keyvault-emulator/index.js';

export interface RotationCostFigures {
  rotations: number;
  perRotation: Record<string, number>;
  millisecondsPerRotation: number;
}

export async function benchRotationCost(config: AppConfig, vault: { name: string; url: string }, admin: EmulatorAdminClient, rotations: number): Promise<RotationCostFigures> {
  const services = composeServices(config, { tablePrefix: `cost${randomBytes(3).toString('hex')}`, logger: silentLogger });
  await services.ready();
  const policy = parsePolicy({
    id: 'rotation-cost',
    vaultUrl: vault.url,
    secretName: `rotation-cost-${randomBytes(3).toString('hex')}`,
    generator: { kind: 'random_password', length: 32 },
    rotation: { every: '90d', validFor: '120d' },
    environment: 'bench',
    owner: 'bench',
  });
  await services.admin.put(policy.id, policy, 'bench');
  await services.engine.rotate(policy.id, { kind: 'http', actor: 'bench', reason: 'warm-up' });
  const before = (await admin.countsFor(vault.name)).operations;
  const started = performance.now();
  for (let i = 0; i < rotations; i++) {
    const outcome = await services.engine.rotate(policy.id, { kind: 'http', actor: 'bench', reason: `run ${i}` });
    if (outcome.status !== 'succeeded') throw new Error(`rotation ${i} ${outcome.status}: ${outcome.reason}`);
  }
  const elapsed = performance.now() - started;
  const after = (await admin.countsFor(vault.name)).operations;
  const perRotation: Record<string, number> = {};
  for (const [operation, count] of Object.entries(after)) {
    const delta = count - (before[operation as keyof typeof before] ?? 0);
    if (delta !== 0) perRotation[operation] = delta / rotations;
  }
  return { rotations, perRotation, millisecondsPerRotation: elapsed / rotations };
}
