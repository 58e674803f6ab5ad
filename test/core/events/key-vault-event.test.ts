import { describe, expect, it } from 'vitest';
import { parseKeyVaultEvent } from '../../../src/core/events/key-vault-event.js';

const base = {
  id: 'e-1',
  topic: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-payments',
  subject: 'db-password',
  eventType: 'Microsoft.KeyVault.SecretNearExpiry',
  eventTime: '2026-11-23T12:00:00Z',
  dataVersion: '1',
  metadataVersion: '1',
};

describe('parseKeyVaultEvent', () => {
  it.each([
    ['PascalCase data with numeric EXP', { Id: 'https://kv-payments.vault.azure.net/secrets/db-password/v1', VaultName: 'kv-payments', ObjectType: 'Secret', ObjectName: 'db-password', Version: 'v1', NBF: null, EXP: 1795000000 }],
    ['EXP as a string', { VaultName: 'kv-payments', ObjectName: 'db-password', Version: 'v1', EXP: '1795000000' }],
    ["the sample's 'ObjectName ' key with a trailing space", { VaultName: 'kv-payments', 'ObjectName ': 'db-password', Version: 'v1', EXP: 1795000000 }],
    ['camelCase keys, as the SDK types claim', { vaultName: 'kv-payments', objectName: 'db-password', version: 'v1', exp: 1795000000 }],
    ['only the Id URL', { Id: 'https://kv-payments.vault.azure.net/secrets/db-password/v1', EXP: 1795000000 }],
  ])('reads %s', (_name, data) => {
    const parsed = parseKeyVaultEvent({ ...base, data });
    expect(parsed).toEqual({
      kind: 'secret',
      event: { id: 'e-1', type: 'Microsoft.KeyVault.SecretNearExpiry', vaultName: 'kv-payments', secretName: 'db-password', version: 'v1', expiresOn: new Date(1795000000 * 1000) },
    });
  });

  it('falls back to the topic for the vault and the subject for the secret', () => {
    const parsed = parseKeyVaultEvent({ ...base, data: { Version: 'v2' } });
    expect(parsed).toMatchObject({ kind: 'secret', event: { vaultName: 'kv-payments', secretName: 'db-password', version: 'v2' } });
  });

  it.each([
    ['not an object', 'nope', 'not an object'],
    ['another event type', { ...base, eventType: 'Microsoft.KeyVault.KeyNearExpiry', data: {} }, 'not a Key Vault secret event'],
    ['no data', { ...base, data: undefined }, 'no data object'],
    ['no version', { ...base, data: { VaultName: 'kv-payments', ObjectName: 'db-password' } }, 'data.Version'],
  ])('ignores %s with a reason', (_name, raw, reason) => {
    const parsed = parseKeyVaultEvent(raw);
    expect(parsed.kind).toBe('ignored');
    expect(parsed.kind === 'ignored' && parsed.reason).toContain(reason);
  });
});
