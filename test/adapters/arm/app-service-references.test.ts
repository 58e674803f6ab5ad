/**
 * AppServiceReferences against the ARM stand-in and a Key Vault emulator through the real
 * clients: statuses stay on the old version until refresh(), then report Resolved with the
 * new one; a versioned reference keeps its version; failures name the site.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SecretClient } from '@azure/keyvault-secrets';
import { NotFoundError, PermanentDependencyError, TransientDependencyError } from '../../../src/core/errors.js';
import { AppServiceReferences } from '../../../src/adapters/arm/app-service-references.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { RG, startArmWithVault, SUB, type ArmWithVault, type TestArm } from '../../local/arm/support.js';

let emulator: RunningKeyVaultEmulator;
let secrets: SecretClient;
let t: TestArm;
let references: AppServiceReferences;
const SITE = 'func-billing';
const siteId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/${SITE}`;
let v1: string;

let stand: ArmWithVault;

beforeAll(async () => {
  stand = await startArmWithVault('kv-app');
  ({ emulator, secrets, arm: t } = stand);
});

afterAll(() => stand?.stop());

beforeEach(async () => {
  await t.admin.reset();
  v1 = (await secrets.setSecret('api-key', 'one')).properties.version!;
  const uri = `${emulator.vaults[0]!.url}/secrets/api-key`;
  await t.admin.seed({
    sites: [{ subscriptionId: SUB, resourceGroup: RG, name: SITE, kind: 'functionapp', appSettings: { API_KEY: `@Microsoft.KeyVault(SecretUri=${uri}/)`, API_KEY_V1: `@Microsoft.KeyVault(SecretUri=${uri}/${v1})`, OTHER: 'x' } }],
  });
  references = new AppServiceReferences(t.clients);
});

describe('AppServiceReferences', () => {
  it('statuses: each reference with the version the site holds; a pinned one names its version', async () => {
    expect(await references.statuses(siteId)).toEqual([
      { setting: 'API_KEY', status: 'Resolved', reference: expect.stringContaining('@Microsoft.KeyVault('), vaultName: 'kv-app', secretName: 'api-key', version: v1, details: expect.any(String) },
      { setting: 'API_KEY_V1', status: 'Resolved', reference: expect.stringContaining(v1), vaultName: 'kv-app', secretName: 'api-key', pinnedVersion: v1, version: v1, details: expect.any(String) },
    ]);
  });

  it('a new version shows only after refresh(): then Resolved with it, and the pinned reference unmoved', async () => {
    // Arrange
    const v2 = (await secrets.setSecret('api-key', 'two')).properties.version!;
    expect((await references.statuses(siteId)).map((s) => s.version)).toEqual([v1, v1]);

    // Act
    await references.refresh(siteId);

    // Assert
    const after = await references.statuses(siteId);
    expect(after.map((s) => [s.setting, s.status, s.version])).toEqual([
      ['API_KEY', 'Resolved', v2],
      ['API_KEY_V1', 'Resolved', v1],
    ]);
  });

  it('a reference that cannot resolve reports its status and no version', async () => {
    // Every resolution (the refresh, and each read of an unresolved reference) uses one.
    await t.admin.injectReferenceFault({ siteId, setting: 'API_KEY', status: 'AccessToKeyVaultDenied', count: 5 });

    await references.refresh(siteId);

    const status = (await references.statuses(siteId)).find((s) => s.setting === 'API_KEY');
    expect(status).toMatchObject({ status: 'AccessToKeyVaultDenied', vaultName: 'kv-app' });
    expect(status?.version).toBeUndefined();
  });

  it.each([
    [500, TransientDependencyError],
    [409, PermanentDependencyError],
  ])('a refresh answered %i is %o naming the site', async (status, type) => {
    await t.admin.injectFault({ operation: 'webApps.refreshAppSettingsKeyVaultReferences', status, count: 10 });

    const error = await references.refresh(siteId).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(new RegExp(`^ARM refresh of the Key Vault references of site ${SITE} answered ${status} `));
  });

  it('a missing site is NotFoundError naming it, for both calls', async () => {
    const missing = siteId.replace(SITE, 'app-gone');

    const refreshError = await references.refresh(missing).catch((e: unknown) => e);
    const statusError = await references.statuses(missing).catch((e: unknown) => e);

    expect(refreshError).toBeInstanceOf(NotFoundError);
    expect((refreshError as Error).message).toContain('site app-gone');
    expect(statusError).toBeInstanceOf(NotFoundError);
    expect((statusError as Error).message).toContain('site app-gone');
  });

  it('sends the refresh at api-version 2022-03-01, once per call', async () => {
    await references.refresh(siteId);

    expect((await t.admin.counts()).operations['webApps.refreshAppSettingsKeyVaultReferences']).toBe(1);
  });
});
