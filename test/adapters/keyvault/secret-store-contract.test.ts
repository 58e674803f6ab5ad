/**
 * One SecretStore contract, two implementations: the in-memory twin the engine tests
 * use, and the real adapter through SecretClient against the shared emulator.
 */
import { inject } from 'vitest';
import { KeyVaultSecretStore } from '../../../src/adapters/keyvault/key-vault-secret-store.js';
import { describeSecretStoreContract } from '../../support/contract/secret-store.contract.js';
import { InMemorySecretStore } from '../../support/fakes/in-memory-secret-store.js';
import { ManualClock } from '../../support/fakes/manual-clock.js';
import { emulatorAdmin, localClients } from '../../support/local-stand-ins.js';

describeSecretStoreContract('in memory', () => {
  // Not on a second's boundary, as a real clock rarely is.
  const clock = new ManualClock(new Date('2026-11-23T12:00:00.437Z'));
  return {
    store: new InMemorySecretStore(clock),
    vaultUrls: ['https://kv-contract-one.vault.azure.net', 'https://kv-contract-two.vault.azure.net'],
    now: async () => clock.now(),
    nextSecond: async () => clock.advance(1000),
  };
});

describeSecretStoreContract('Key Vault emulator', () => {
  const vaults = inject('keyVaultEmulator').vaults;
  const admin = emulatorAdmin();
  return {
    store: new KeyVaultSecretStore(localClients()),
    vaultUrls: [vaults[0]!.url, vaults[1]!.url],
    now: () => admin.now(),
    nextSecond: async () => {
      const now = await admin.now();
      await new Promise((resolve) => setTimeout(resolve, 1000 - (now.getTime() % 1000) + 20));
    },
  };
});
