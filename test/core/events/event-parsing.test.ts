/** Where parseKeyVaultEvent finds each field, and how it says what it could not find. */
import { describe, expect, it } from 'vitest';
import { parseKeyVaultEvent } from '../../../src/core/events/key-vault-event.js';

const V1 = '0123456789abcdef0123456789abcdef';
const TOPIC = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-payments';

describe('parseKeyVaultEvent finds', () => {
  it('the type under CloudEvents names (type, source) as well as Event Grid ones', () => {
    const parsed = parseKeyVaultEvent({ id: 'ce-1', type: 'Microsoft.KeyVault.SecretExpired', source: TOPIC, subject: 'db-password', data: { Version: V1 } });
    expect(parsed).toEqual({ kind: 'secret', event: { id: 'ce-1', type: 'Microsoft.KeyVault.SecretExpired', vaultName: 'kv-payments', secretName: 'db-password', version: V1 } });
  });

  it('values with stray whitespace, trimmed, and a vault name in any case, lower-cased', () => {
    const parsed = parseKeyVaultEvent({ ' ID ': ' e-2 ', ' eventType': 'Microsoft.KeyVault.SecretNearExpiry ', data: { ' vaultname ': ' KV-Payments ', OBJECTNAME: ' db-password ', version: ` ${V1} `, Exp: ' 1795000000 ' } });
    expect(parsed).toEqual({
      kind: 'secret',
      event: { id: 'e-2', type: 'Microsoft.KeyVault.SecretNearExpiry', vaultName: 'kv-payments', secretName: 'db-password', version: V1, expiresOn: new Date(1795000000 * 1000) },
    });
  });

  it('no expiry in an empty or absent EXP', () => {
    for (const EXP of ['', null, undefined]) {
      const parsed = parseKeyVaultEvent({ id: 'e-3', eventType: 'Microsoft.KeyVault.SecretNearExpiry', data: { VaultName: 'kv-payments', ObjectName: 'db-password', Version: V1, EXP } });
      expect(parsed.kind).toBe('secret');
      expect(parsed.kind === 'secret' && 'expiresOn' in parsed.event).toBe(false);
    }
  });
});

describe('parseKeyVaultEvent does not take', () => {
  it('a data.Id outside /secrets/ for a secret', () => {
    const parsed = parseKeyVaultEvent({ id: 'e-4', eventType: 'Microsoft.KeyVault.SecretNearExpiry', data: { Id: `https://kv-payments.vault.azure.net/keys/db-password/${V1}` } });
    expect(parsed).toEqual({ kind: 'ignored', id: 'e-4', type: 'Microsoft.KeyVault.SecretNearExpiry', reason: 'event lacks data.VaultName, data.ObjectName, data.Version' });
  });

  it('a data.Id that is not a URL', () => {
    const parsed = parseKeyVaultEvent({ id: 'e-5', eventType: 'Microsoft.KeyVault.SecretNearExpiry', subject: 'db-password', data: { Id: 'secrets/db-password' } });
    expect(parsed).toMatchObject({ kind: 'ignored', reason: 'event lacks data.VaultName, data.Version' });
  });

  it('a topic that does not end at a vault', () => {
    const parsed = parseKeyVaultEvent({ id: 'e-6', eventType: 'Microsoft.KeyVault.SecretNearExpiry', topic: `${TOPIC}/secrets/db-password`, subject: 'db-password', data: { Version: V1 } });
    expect(parsed).toMatchObject({ kind: 'ignored', reason: 'event lacks data.VaultName' });
  });

  it('a topic of another resource provider', () => {
    const parsed = parseKeyVaultEvent({ id: 'e-7', eventType: 'Microsoft.KeyVault.SecretNearExpiry', topic: TOPIC.replace('Microsoft.KeyVault', 'Microsoft.Storage'), subject: 'db-password', data: { Version: V1 } });
    expect(parsed).toMatchObject({ kind: 'ignored', reason: 'event lacks data.VaultName' });
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['a string', 'event'],
  ])('%s as the event', (_name, raw) => {
    expect(parseKeyVaultEvent(raw)).toEqual({ kind: 'ignored', id: 'unknown', type: 'unknown', reason: 'event is not an object' });
  });

  it('an array as the data, nor an event without an id or a type', () => {
    expect(parseKeyVaultEvent({ id: 'e-8', eventType: 'Microsoft.KeyVault.SecretNearExpiry', data: [] })).toEqual({
      kind: 'ignored',
      id: 'e-8',
      type: 'Microsoft.KeyVault.SecretNearExpiry',
      reason: 'event has no data object',
    });
    expect(parseKeyVaultEvent({ data: {} })).toMatchObject({ kind: 'ignored', id: 'unknown', type: 'unknown' });
    expect(parseKeyVaultEvent({ id: '  ', eventType: 'Microsoft.KeyVault.SecretNearExpiry', data: { VaultName: 'kv-payments', ObjectName: 'db-password', Version: V1 } })).toMatchObject({
      kind: 'secret',
      event: { id: 'unknown' },
    });
  });
});
