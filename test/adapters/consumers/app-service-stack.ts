/**
 * What the app-service follower's end-to-end tests share: the local stack with the ARM stand-in,
 * the real @azure/arm-appservice client's reference reads, and the policy a test PUTs and rotates.
 * Each test file calls useAppServiceStack() once and reads the stack from the object it returns.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { AppServiceReferences } from '../../../src/adapters/arm/app-service-references.js';
import { createArmClients } from '../../../src/adapters/arm/arm-clients.js';
import { siteId } from '../../../src/local/arm/index.js';
import { EMULATOR_RESOURCE_GROUP, EMULATOR_SUBSCRIPTION_ID } from '../../../src/local/keyvault-emulator/options.js';
import { startAppStack, type AppAnswer, type AppStack } from '../../support/app-stack.js';
import { unusedCredential } from '../../local/arm/support.js';

export interface AppServiceStack {
  stack: AppStack;
  /** The policies' vault, as an origin. */
  vaultUrl: string;
  references: AppServiceReferences;
}

export function useAppServiceStack(): AppServiceStack {
  const world = {} as AppServiceStack;
  beforeAll(async () => {
    world.stack = await startAppStack({ settings: { ROTATION_MAX_ATTEMPTS: '50' } });
    world.vaultUrl = new URL(world.stack.vaultUrl(0)).origin;
    const arm = world.stack.arm;
    world.references = new AppServiceReferences(createArmClients({ credential: unusedCredential, standIn: { endpoint: arm.baseUrl, caCertPath: arm.caCertPath, address: arm.host } }));
  }, 120_000);
  afterAll(async () => {
    await world.stack?.stop();
  });
  return world;
}

export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;
export const idOf = (site: string) => siteId(EMULATOR_SUBSCRIPTION_ID, EMULATOR_RESOURCE_GROUP, site);

/** The policy's secret as an application wrote it before the policy: the version apps hold before any rotation. */
export async function existingSecret(world: AppServiceStack, name: string): Promise<string> {
  return (await world.stack.secrets(world.vaultUrl).setSecret(name, `initial-${randomBytes(8).toString('hex')}`, { contentType: 'text/plain' })).properties.version!;
}

export function appServicePolicy(vaultUrl: string, id: string, consumer: Record<string, unknown>) {
  return {
    id,
    vaultUrl,
    secretName: id,
    generator: { kind: 'random_password', length: 32 },
    rotation: { every: '30d', validFor: '60d' },
    contentType: 'text/plain',
    consumers: [{ kind: 'app-service', name: 'apps', timeout: '3s', ...consumer }],
    environment: 'test',
    owner: 'team-apps',
  };
}

/** No answer holds the secret's current value (read with the real SecretClient, never printed). */
export async function expectNoValueIn(world: AppServiceStack, answers: AppAnswer[], secret: string): Promise<void> {
  const value = (await world.stack.secrets(world.vaultUrl).getSecret(secret)).value;
  expect(value).toBeDefined();
  for (const answer of answers) expect(answer.text.includes(value!)).toBe(false);
}
