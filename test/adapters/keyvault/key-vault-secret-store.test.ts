/**
 * The Key Vault adapter, through the real SecretClient, against the emulator.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzureClientFactory } from '../../../src/adapters/azure-clients.js';
import { KeyVaultSecretStore } from '../../../src/adapters/keyvault/key-vault-secret-store.js';
import { composeServices } from '../../../src/composition.js';
import { PermanentDependencyError, TransientDependencyError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import { startKeyVaultEmulator, EmulatorAdminClient } from '../../../src/local/keyvault-emulator/index.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/options.js';
import { emulatorAdmin, localClients, localConfig, uniqueName, vaultUrl } from '../../support/local-stand-ins.js';
import { aPolicy } from '../../support/policy-mother.js';

const expiresOn = () => new Date(Date.now() + 200 * 86_400_000);

describe('KeyVaultSecretStore', () => {
  const store = new KeyVaultSecretStore(localClients());

  it('reads nothing for a missing secret, then the latest version, a version, and a version by tag', async () => {
    // Arrange
    const ref = { vaultUrl: vaultUrl(), secretName: uniqueName('adapter-') };

    // Act
    const missing = await store.getLatest(ref);
    const first = await store.write(ref, SecretValue.of('first-value'), { expiresOn: expiresOn(), contentType: 'text/plain', tags: { 'rotation-id': 'r-1' } });
    const second = await store.write(ref, SecretValue.of('second-value'), { expiresOn: expiresOn(), tags: { 'rotation-id': 'r-2' } });

    // Assert
    expect(missing).toBeUndefined();
    expect(await store.getLatest(ref)).toMatchObject({ version: second.version, enabled: true, tags: { 'rotation-id': 'r-2' } });
    expect(await store.getVersion(ref, first.version)).toMatchObject({ version: first.version, contentType: 'text/plain' });
    expect(await store.getVersion(ref, '0'.repeat(32))).toBeUndefined();
    expect(await store.findVersionByTag(ref, 'rotation-id', 'r-1')).toMatchObject({ version: first.version });
    expect(await store.findVersionByTag(ref, 'rotation-id', 'r-3')).toBeUndefined();
    expect(JSON.stringify(await store.getLatest(ref))).not.toContain('second-value');
  });

  it('reads the properties of a disabled latest version, which Key Vault refuses to return with its value', async () => {
    // Arrange
    const ref = { vaultUrl: vaultUrl(), secretName: uniqueName('disabled-') };
    const written = await store.write(ref, SecretValue.of('disabled-value'), { expiresOn: expiresOn(), tags: {} });
    await localClients().secretClient(ref.vaultUrl).updateSecretProperties(ref.secretName, written.version, { enabled: false });

    // Act
    const latest = await store.getLatest(ref);

    // Assert
    expect(latest).toMatchObject({ version: written.version, enabled: false });
  });

  it.each([
    [500, TransientDependencyError],
    [429, TransientDependencyError],
    [403, PermanentDependencyError],
  ])('maps a %i on write to %o and the error carries no trace of the value', async (status, errorType) => {
    // Arrange
    const ref = { vaultUrl: vaultUrl(), secretName: uniqueName('faulty-') };
    const value = `never-leak-${uniqueName('')}`;
    await emulatorAdmin().injectFault({ method: 'PUT', pathPrefix: `/secrets/${ref.secretName}`, status, count: 10 });

    // Act
    const error = await store.write(ref, SecretValue.of(value), { expiresOn: expiresOn(), tags: {} }).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(errorType);
    expect(inspect(error, { depth: 20, showHidden: true })).not.toContain(value);
    expect(JSON.stringify(error)).not.toContain(value);
    expect(String((error as Error).message)).toContain(ref.secretName);
  });
});

describe('one generated rotation through the real adapters', () => {
  let emulator: RunningKeyVaultEmulator;

  beforeAll(async () => {
    // Its own emulator, so other test files' traffic does not enter the counts.
    emulator = await startKeyVaultEmulator();
  });

  afterAll(async () => {
    await emulator.stop();
  });

  it('costs one Key Vault create and at most two other operations', async () => {
    // Arrange
    const config = localConfig({ keyVaultEmulator: { caCertPath: emulator.caCertPath, address: emulator.host } });
    const services = composeServices(config, { tablePrefix: uniqueName('cost'), logger: silentLogger });
    await services.ready();
    const vault = emulator.vaults[0]!;
    const policy = aPolicy({ id: 'cost-check', vaultUrl: vault.url, secretName: 'cost-check' });
    await services.admin.put(policy.id, policy, 'test');
    await services.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'first' });
    const admin = new EmulatorAdminClient(emulator.adminUrl, emulator.caCertPem);
    const before = (await admin.countsFor(vault.name)).operations;

    // Act
    const outcome = await services.engine.rotate(policy.id, { kind: 'http', actor: 'test', reason: 'second' });

    // Assert
    const after = (await admin.countsFor(vault.name)).operations;
    const delta = Object.fromEntries(Object.entries(after).map(([op, n]) => [op, n - (before[op as keyof typeof before] ?? 0)]).filter(([, n]) => n !== 0));
    expect(outcome.status).toBe('succeeded');
    expect(delta.setSecret).toBe(1);
    const others = Object.entries(delta).filter(([op]) => op !== 'setSecret').reduce((sum, [, n]) => sum + (n as number), 0);
    expect(others).toBeLessThanOrEqual(2);
    const secret = await createAzureClientFactory(config).secretClient(vault.url).getSecret(policy.secretName);
    expect(secret.properties.version).toBe(outcome.newVersion);
  });
});
