/**
 * The app-service kind on its own, against the ARM stand-in and the Key Vault emulator through the
 * real clients, for what the HTTP API cannot show: a repeated delivery finds the site already on
 * the version and refreshes nothing; several sites fail together, each named; ARM refusing the
 * refresh names the site.
 */
import type { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appServiceConsumer, type AppServiceSpec } from '../../../src/adapters/consumers/app-service-consumer.js';
import type { SwitchedVersion } from '../../../src/core/consumers/consumer-port.js';
import { PermanentDependencyError, TransientDependencyError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { SecretValue } from '../../../src/core/secret-value.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { RG, startArmWithVault, SUB, type ArmWithVault, type TestArm } from '../../local/arm/support.js';

let emulator: RunningKeyVaultEmulator;
let secrets: SecretClient;
let t: TestArm;
const siteId = (name: string) => `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/${name}`;
const kind = () => appServiceConsumer({ arm: t.clients, logger: silentLogger }, { pollIntervalInMs: 50 });

let stand: ArmWithVault;

beforeAll(async () => {
  stand = await startArmWithVault('kv-app');
  ({ emulator, secrets, arm: t } = stand);
});

afterAll(() => stand?.stop());

let before: string;
let switched: SwitchedVersion;

beforeEach(async () => {
  await t.admin.reset();
  before = (await secrets.setSecret('api-key', 'one')).properties.version!;
  const uri = `${emulator.vaults[0]!.url}/secrets/api-key`;
  await t.admin.seed({
    sites: [
      { subscriptionId: SUB, resourceGroup: RG, name: 'app-follows', appSettings: { API_KEY: `@Microsoft.KeyVault(SecretUri=${uri}/)` } },
      { subscriptionId: SUB, resourceGroup: RG, name: 'app-pinned', appSettings: { API_KEY: `@Microsoft.KeyVault(SecretUri=${uri}/${before})` } },
      { subscriptionId: SUB, resourceGroup: RG, name: 'app-unrelated', appSettings: { OTHER: 'plain' } },
    ],
  });
  const written = await secrets.setSecret('api-key', 'two');
  switched = {
    policyId: 'api-key',
    rotationId: 'r-1',
    version: { vaultUrl: emulator.vaults[0]!.url, secretName: 'api-key', version: written.properties.version!, enabled: true, tags: {} } as unknown as SwitchedVersion['version'],
    readValue: async () => SecretValue.of('two'),
  };
});

const spec = (sites: string[], extra: Partial<AppServiceSpec> = {}): AppServiceSpec => ({ kind: 'app-service', name: 'apps', siteIds: sites.map(siteId), timeout: '1s', ...extra });
const refreshes = async () => (await t.admin.counts()).operations['webApps.refreshAppSettingsKeyVaultReferences'] ?? 0;

describe('the app-service kind on its own', () => {
  it('is idempotent: a repeated delivery finds the site on the version and sends no second refresh', async () => {
    // Act
    const first = await kind().deliver(spec(['app-follows']), switched);
    const again = await kind().deliver(spec(['app-follows']), switched);

    // Assert
    expect(first).toBe(`site app-follows: app settings API_KEY resolved to version ${switched.version.version} after a refresh`);
    expect(again).toBe(`site app-follows: app settings API_KEY already resolved to version ${switched.version.version}`);
    expect(await refreshes()).toBe(1);
  });

  it('fails once for several sites, naming each, as a configuration problem when every failure is one', async () => {
    // Act
    const error = await kind().deliver(spec(['app-follows', 'app-pinned', 'app-unrelated']), switched).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(PermanentDependencyError);
    const message = (error as Error).message;
    expect(message).toContain(`site app-pinned: app setting API_KEY names version ${before}: only versionless references pick up new versions`);
    expect(message).toContain('nothing on site app-unrelated reads this secret');
    expect(message).not.toContain('app-follows');
  });

  it('a refresh ARM refuses fails naming the site; a 5xx past the retries is transient', async () => {
    // Arrange
    await t.admin.injectFault({ operation: 'webApps.refreshAppSettingsKeyVaultReferences', status: 503, count: 100 });

    // Act
    const error = await kind().deliver(spec(['app-follows']), switched).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(TransientDependencyError);
    expect((error as Error).message).toContain('refresh of the Key Vault references of site app-follows');
  }, 30_000);
});
