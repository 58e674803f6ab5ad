import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKeyVaultEvent } from '../../../src/core/events/key-vault-event.js';

const V1 = '0123456789abcdef0123456789abcdef';
const V2 = 'fedcba9876543210fedcba9876543210';

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
    ['PascalCase data with numeric EXP', { Id: 'https://kv-payments.vault.azure.net/secrets/db-password/'+V1, VaultName: 'kv-payments', ObjectType: 'Secret', ObjectName: 'db-password', Version: V1, NBF: null, EXP: 1795000000 }],
    ['EXP as a string', { VaultName: 'kv-payments', ObjectName: 'db-password', Version: V1, EXP: '1795000000' }],
    ["the sample's 'ObjectName ' key with a trailing space", { VaultName: 'kv-payments', 'ObjectName ': 'db-password', Version: V1, EXP: 1795000000 }],
    ['camelCase keys, as the SDK types claim', { vaultName: 'kv-payments', objectName: 'db-password', version: V1, exp: 1795000000 }],
    ['only the Id URL', { Id: 'https://kv-payments.vault.azure.net/secrets/db-password/'+V1, EXP: 1795000000 }],
  ])('reads %s', (_name, data) => {
    const parsed = parseKeyVaultEvent({ ...base, data });
    expect(parsed).toEqual({
      kind: 'secret',
      event: { id: 'e-1', type: 'Microsoft.KeyVault.SecretNearExpiry', vaultName: 'kv-payments', secretName: 'db-password', version: V1, expiresOn: new Date(1795000000 * 1000) },
    });
  });

  it('falls back to the topic for the vault and the subject for the secret', () => {
    const parsed = parseKeyVaultEvent({ ...base, data: { Version: V2 } });
    expect(parsed).toMatchObject({ kind: 'secret', event: { vaultName: 'kv-payments', secretName: 'db-password', version: V2 } });
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

  describe('bounds every field', () => {
    const data = { VaultName: 'kv-payments', ObjectName: 'db-password', Version: V1 };
    const huge = 'x'.repeat(10_000);

    it.each([
      ['a 10,000-character version', { ...base, data: { ...data, Version: 'a'.repeat(10_000) } }, /data\.Version .* is not a Key Vault version \(32 hexadecimal characters\)/],
      ['a version with a newline', { ...base, data: { ...data, Version: `${V1}\nforged` } }, /data\.Version/],
      ['a version of 31 characters', { ...base, data: { ...data, Version: V1.slice(1) } }, /data\.Version/],
      ['a 10,000-character id', { ...base, id: huge, data }, /id has 10000 characters; at most 128/],
      ['an id with a control character', { ...base, id: 'e-1\r\nforged', data }, /id contains a control character/],
      ['a 10,000-character subject', { ...base, subject: huge, data }, /subject has 10000 characters; at most 256/],
      ['a 10,000-character event type', { ...base, eventType: huge, data }, /event type 'x{64}…\[9936 more characters\]' is not a Key Vault secret event/],
      ['a 10,000-character vault name', { ...base, data: { ...data, VaultName: huge } }, /data\.VaultName: vault name 'x{64}…\[9936 more characters\]' has 10000 characters/],
      ['a vault name with a bidi override', { ...base, data: { ...data, VaultName: 'kv-\u202epayments' } }, /data\.VaultName: vault name 'kv-\\u202epayments'/],
      ['a 10,000-character object name', { ...base, data: { ...data, ObjectName: huge } }, /data\.ObjectName: a Key Vault secret name has at most 127 characters/],
      ['an object name with a newline', { ...base, data: { ...data, ObjectName: 'db\npassword' } }, /data\.ObjectName: .*'\\u000a' is not allowed/],
      ['a 10,000-character topic', { ...base, topic: `/${huge}`, data }, /topic has 10001 characters; at most 1024/],
      ['a 10,000-character data.Id', { ...base, data: { ...data, Id: `https://kv-payments.vault.azure.net/secrets/${huge}` } }, /data\.Id has \d+ characters; at most 2048/],
      ['an EXP past the year 9999', { ...base, data: { ...data, EXP: 1e300 } }, /data\.EXP is not a time/],
    ])('ignores %s, with a bounded reason', (_name, raw, reason) => {
      // Act
      const parsed = parseKeyVaultEvent(raw);

      // Assert
      expect(parsed.kind).toBe('ignored');
      if (parsed.kind !== 'ignored') return;
      expect(parsed.reason).toMatch(reason);
      expect(parsed.reason.length).toBeLessThan(400);
      expect(parsed.id.length).toBeLessThan(200);
      expect(parsed.type.length).toBeLessThan(200);
      expect(`${parsed.id}${parsed.type}${parsed.reason}`).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u);
    });

    it('accepts the upper-case hex of a version, as Key Vault compares versions case-insensitively', () => {
      const parsed = parseKeyVaultEvent({ ...base, data: { ...data, Version: V1.toUpperCase() } });
      expect(parsed).toMatchObject({ kind: 'secret', event: { version: V1.toUpperCase() } });
    });

    it('holds for generated events: a result is either within bounds or ignored with a bounded reason', () => {
      const field = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom(V1, 'kv-payments', 'db-password'));
      fc.assert(
        fc.property(field, field, field, field, field, (id, type, vault, name, version) => {
          const parsed = parseKeyVaultEvent({ ...base, id, eventType: fc.sample(fc.constantFrom(type, 'Microsoft.KeyVault.SecretNearExpiry'), 1)[0], data: { VaultName: vault, ObjectName: name, Version: version } });
          if (parsed.kind === 'secret') {
            expect(parsed.event.version).toMatch(/^[0-9a-f]{32}$/i);
            expect(parsed.event.secretName.length).toBeLessThanOrEqual(127);
            expect(parsed.event.vaultName.length).toBeLessThanOrEqual(24);
            expect(parsed.event.id.length).toBeLessThanOrEqual(128);
          } else {
            expect(parsed.reason.length).toBeLessThan(400);
            expect(parsed.id.length).toBeLessThan(200);
          }
        }),
        { numRuns: 2000, seed: 6 },
      );
    });
  });
});
