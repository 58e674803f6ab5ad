import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/core/policy/policy.js';

const examples = JSON.parse(readFileSync(new URL('../../../examples/policies.local.json', import.meta.url), 'utf8')) as Record<string, unknown>[];
const LOCAL_VAULTS = ['https://kv-app-local.vault.azure.net:8443', 'https://kv-shared-local.vault.azure.net:8443'];

describe('examples/policies.local.json', () => {
  it.each(examples.map((e) => [String(e['id']), e]))('%s is a valid policy for a local vault', (_id, example) => {
    // Act
    const policy = parsePolicy(example);

    // Assert
    expect(LOCAL_VAULTS).toContain(policy.vaultUrl);
    expect(policy.environment).toBe('development');
  });

  it('shows a random password, a base64url random string and a template, across both local vaults', () => {
    // Act
    const policies = examples.map((e) => parsePolicy(e));

    // Assert
    expect(policies.map((p) => p.generator.kind).sort()).toEqual(['random_password', 'random_string', 'template']);
    expect(new Set(policies.map((p) => p.vaultUrl))).toEqual(new Set(LOCAL_VAULTS));
    expect(new Set(policies.map((p) => p.id)).size).toBe(policies.length);
  });
});
