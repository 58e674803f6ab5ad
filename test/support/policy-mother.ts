/**
 * Test builders ("mothers") for rotation policies: a valid policy in one line,
 * changed only where a test cares.
 */
import { parsePolicy, type RotationPolicy, type RotationPolicyInput } from '../../src/core/policy/policy.js';
import type { GeneratorSpecInput } from '../../src/core/generators/index.js';

/** The raw API body of a valid policy; every call returns a fresh object. */
export function aPolicyJson(overrides: Partial<RotationPolicyInput> = {}): RotationPolicyInput {
  return {
    id: 'payments-db-password',
    vaultUrl: 'https://kv-payments-prod.vault.azure.net',
    secretName: 'payments-db-password',
    generator: { kind: 'random_password', length: 32, special: true, excludeCharacters: '"@/\\' },
    rotation: { every: '90d', validFor: '120d' },
    // Not a protected environment: through the API, a production policy's changes wait for approvals.
    environment: 'development',
    owner: 'team-payments',
    contentType: 'text/plain',
    tags: { CostCenter: 'engineering' },
    enabled: true,
    ...overrides,
  };
}

/** A parsed, normalised policy. Overrides go through parsePolicy too, so an invalid override fails loudly. */
export function aPolicy(overrides: Partial<RotationPolicy> = {}): RotationPolicy {
  return parsePolicy({ ...aPolicyJson(), ...overrides });
}

export function aPasswordGenerator(overrides: Partial<Extract<GeneratorSpecInput, { kind: 'random_password' }>> = {}): GeneratorSpecInput {
  return { kind: 'random_password', length: 32, ...overrides };
}

export function aTemplateGenerator(): GeneratorSpecInput {
  return {
    kind: 'template',
    fields: {
      host: { static: 'payments.postgres.database.azure.com' },
      username: { static: 'payments_app' },
      password: { kind: 'random_password', length: 32, excludeCharacters: '"@/\\' },
    },
  };
}
