/**
 * A Key Vault client with a retry budget (what a dry run reads through) gives up
 * within the budget when Key Vault throttles or stalls, where the default client
 * backs off 1, 2, 4, 8 and 16 s; and it still reads when Key Vault answers.
 */
import { describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../../src/adapters/azure-clients.js';
import { KeyVaultSecretStore } from '../../../src/adapters/keyvault/key-vault-secret-store.js';
import { TransientDependencyError } from '../../../src/core/errors.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { emulatorAdmin, localConfig, uniqueName, vaultUrl } from '../../support/local-stand-ins.js';

const BUDGET_IN_MS = 2_000;

async function timed<T>(work: Promise<T>): Promise<{ elapsedInMs: number; error: unknown }> {
  const started = Date.now();
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return { elapsedInMs: Date.now() - started, error };
}

describe('KeyVaultSecretStore with a retry budget', () => {
  // Key Vault's own backoff, not the tests' shortened one: the budget must cut it short.
  const clients = createAzureClientFactory(localConfig());
  const budgeted = new KeyVaultSecretStore(clients, { retryBudgetInMs: BUDGET_IN_MS });
  const admin = emulatorAdmin();
  const vault = new URL(vaultUrl()).hostname.split('.')[0]!;

  it('answers within the budget while Key Vault throttles every call', async () => {
    // Arrange
    const ref = { vaultUrl: vaultUrl(), secretName: uniqueName('budget-429-') };
    await admin.injectFault({ vault, method: 'GET', pathPrefix: `/secrets/${ref.secretName}`, status: 429, errorCode: 'Throttled', count: 50 });

    // Act
    const { elapsedInMs, error } = await timed(budgeted.getLatest(ref));

    // Assert
    expect(error).toBeInstanceOf(TransientDependencyError);
    expect((error as Error).message).toMatch(/429/);
    expect(elapsedInMs).toBeLessThan(BUDGET_IN_MS + 500);
  });

  it('answers within the budget while Key Vault stalls', async () => {
    const ref = { vaultUrl: vaultUrl(), secretName: uniqueName('budget-slow-') };
    await admin.injectFault({ vault, method: 'GET', pathPrefix: `/secrets/${ref.secretName}`, latencyInMs: 10_000, count: 5 });

    const { elapsedInMs, error } = await timed(budgeted.getLatest(ref));

    expect(error).toBeInstanceOf(TransientDependencyError);
    expect(elapsedInMs).toBeLessThan(BUDGET_IN_MS + 500);
  });

  it('still rides out a short throttle inside the budget', async () => {
    // Arrange: one bare 429, then Key Vault answers
    const ref = { vaultUrl: vaultUrl(), secretName: uniqueName('budget-once-') };
    const written = await new KeyVaultSecretStore(clients).write(ref, SecretValue.of('budget-value'), { expiresOn: new Date(Date.now() + 200 * 86_400_000), tags: {} });
    await admin.injectFault({ vault, method: 'GET', pathPrefix: `/secrets/${ref.secretName}`, status: 429, errorCode: 'Throttled', count: 1 });

    // Act
    const latest = await budgeted.getLatest(ref);

    // Assert
    expect(latest?.version).toBe(written.version);
  });
});
