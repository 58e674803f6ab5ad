/**
 * App Service sites on the ARM stand-in through the real @azure/arm-appservice client
 * (webApps.get, listApplicationSettings, listAppSettingsKeyVaultReferences,
 * getAppSettingKeyVaultReference at 2025-05-01), with references resolved against a running
 * Key Vault emulator: a versionless reference keeps its version until the refresh, a
 * versioned one never moves, and faults show as App Service shows them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRestError, type RestError } from '@azure/core-rest-pipeline';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import type { SecretClient } from '@azure/keyvault-secrets';
import { localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import type { ArmSeed } from '../../../src/local/arm/index.js';
import { FAST_RETRIES, rawRequest, RG, startArmWithVault, SUB, type ArmWithVault, type TestArm } from './support.js';

let emulator: RunningKeyVaultEmulator;
let secrets: SecretClient;
let t: TestArm;
const SITE = 'app-orders';
const siteId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/${SITE}`;

let stand: ArmWithVault;

beforeAll(async () => {
  stand = await startArmWithVault('kv-refs');
  ({ emulator, secrets, arm: t } = stand);
});

afterAll(() => stand?.stop());

let v1: string;
let pinned: string;

function seedWith(settings: Record<string, string>, identity?: 'None'): ArmSeed {
  return { subscriptions: [{ subscriptionId: SUB }], sites: [{ subscriptionId: SUB, resourceGroup: RG, name: SITE, kind: 'functionapp', ...(identity ? { identity } : {}), appSettings: settings }] };
}

beforeEach(async () => {
  await t.admin.reset();
  v1 = (await secrets.setSecret('db-password', 'first')).properties.version!;
  pinned = v1;
  await t.admin.seed(
    seedWith({
      DB_PASSWORD: `@Microsoft.KeyVault(SecretUri=${emulator.vaults[0]!.url}/secrets/db-password/)`,
      DB_PASSWORD_PINNED: `@Microsoft.KeyVault(SecretUri=${emulator.vaults[0]!.url}/secrets/db-password/${pinned})`,
      BY_NAME: '@Microsoft.KeyVault(VaultName=kv-refs;SecretName=db-password)',
      PLAIN: 'not a reference',
    }),
  );
});

async function statuses(): Promise<Record<string, { status?: string; activeVersion?: string; secretVersion?: string }>> {
  const result: Record<string, { status?: string; activeVersion?: string; secretVersion?: string }> = {};
  for await (const reference of t.clients.appService(SUB).webApps.listAppSettingsKeyVaultReferences(RG, SITE)) {
    result[reference.name!] = { status: reference.status, activeVersion: reference.activeVersion, secretVersion: reference.secretVersion };
  }
  return result;
}

async function refresh(apiVersion = '2022-03-01'): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return rawRequest(t.arm, { method: 'POST', path: `${siteId}/config/configreferences/appsettings/refresh?api-version=${apiVersion}`, headers: { authorization: 'Bearer local' } });
}

async function failure(promise: Promise<unknown>): Promise<RestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRestError(error)).toBe(true);
  return error as RestError;
}

describe('sites and their Key Vault references (@azure/arm-appservice 19.0.0)', () => {
  it('webApps.get answers the site with its system-assigned identity; listApplicationSettings the raw values', async () => {
    // Act
    const site = await t.clients.appService(SUB).webApps.get(RG, SITE);
    const settings = await t.clients.appService(SUB).webApps.listApplicationSettings(RG, SITE);

    // Assert
    expect(site).toMatchObject({ id: siteId, name: SITE, kind: 'functionapp', identity: { type: 'SystemAssigned' }, defaultHostName: `${SITE}.azurewebsites.net` });
    expect(settings.properties).toMatchObject({ PLAIN: 'not a reference', BY_NAME: '@Microsoft.KeyVault(VaultName=kv-refs;SecretName=db-password)' });
  });

  it('lists only the references, each Resolved with the version it holds; a versionless one names no secretVersion', async () => {
    expect(await statuses()).toEqual({
      BY_NAME: { status: 'Resolved', activeVersion: v1, secretVersion: undefined },
      DB_PASSWORD: { status: 'Resolved', activeVersion: v1, secretVersion: undefined },
      DB_PASSWORD_PINNED: { status: 'Resolved', activeVersion: v1, secretVersion: v1 },
    });
    const one = await t.clients.appService(SUB).webApps.getAppSettingKeyVaultReference(RG, SITE, 'DB_PASSWORD');
    expect(one).toMatchObject({ name: 'DB_PASSWORD', status: 'Resolved', vaultName: 'kv-refs', secretName: 'db-password', activeVersion: v1, source: 'KeyVault', identityType: { type: 'SystemAssigned' } });
  });

  it('a new version is not seen until the refresh; then versionless references move to it and the versioned one stays', async () => {
    // Arrange
    const v2 = (await secrets.setSecret('db-password', 'second')).properties.version!;

    // Act + Assert: before the refresh, still the old version
    expect((await statuses())['DB_PASSWORD']).toEqual({ status: 'Resolved', activeVersion: v1, secretVersion: undefined });
    const answer = await refresh();

    // Assert
    expect(answer.status).toBe(200);
    expect(await statuses()).toEqual({
      BY_NAME: { status: 'Resolved', activeVersion: v2, secretVersion: undefined },
      DB_PASSWORD: { status: 'Resolved', activeVersion: v2, secretVersion: undefined },
      DB_PASSWORD_PINNED: { status: 'Resolved', activeVersion: v1, secretVersion: v1 },
    });
    expect((await t.admin.counts()).operations['webApps.refreshAppSettingsKeyVaultReferences']).toBe(1);
  });

  it('a missing secret, a missing version, a missing vault and bad syntax each have App Service\'s status', async () => {
    await t.admin.seed(
      seedWith({
        GONE: `@Microsoft.KeyVault(SecretUri=${emulator.vaults[0]!.url}/secrets/never-set/)`,
        NO_VERSION: `@Microsoft.KeyVault(SecretUri=${emulator.vaults[0]!.url}/secrets/db-password/${'0'.repeat(32)})`,
        NO_VAULT: '@Microsoft.KeyVault(VaultName=kv-nowhere;SecretName=x)',
        BAD: '@Microsoft.KeyVault(SecretUri=http://example.com/x)',
      }),
    );

    const result = await statuses();

    expect(Object.fromEntries(Object.entries(result).map(([name, r]) => [name, r.status]))).toEqual({
      BAD: 'InvalidSyntax',
      GONE: 'SecretNotFound',
      NO_VAULT: 'VaultNotFound',
      NO_VERSION: 'SecretVersionNotFound',
    });
  });

  it('a site without a managed identity has every reference MSINotEnabled', async () => {
    await t.admin.seed(seedWith({ DB_PASSWORD: '@Microsoft.KeyVault(VaultName=kv-refs;SecretName=db-password)' }, 'None'));

    expect((await statuses())['DB_PASSWORD']?.status).toBe('MSINotEnabled');
  });

  it('a reference fault keeps a reference AccessToKeyVaultDenied for as many resolutions as armed, then it resolves', async () => {
    // Arrange
    const v2 = (await secrets.setSecret('db-password', 'second')).properties.version!;
    await t.admin.injectReferenceFault({ siteId, setting: 'DB_PASSWORD', status: 'AccessToKeyVaultDenied', count: 2 });

    // Act + Assert
    await refresh();
    expect((await statuses())['DB_PASSWORD']).toEqual({ status: 'AccessToKeyVaultDenied', activeVersion: undefined, secretVersion: undefined });
    expect((await statuses())['DB_PASSWORD']).toEqual({ status: 'Resolved', activeVersion: v2, secretVersion: undefined });
  });

  it.each([
    [500, 'InternalServerError'],
    [409, 'Conflict'],
  ])('an injected %i on the refresh is ARM\'s error and refreshes nothing', async (status, code) => {
    await secrets.setSecret('db-password', 'second');
    await t.admin.injectFault({ operation: 'webApps.refreshAppSettingsKeyVaultReferences', status });

    const answer = await refresh();

    expect(answer.status).toBe(status);
    expect(answer.json.error.code).toBe(code);
    expect((await statuses())['DB_PASSWORD']?.activeVersion).toBe(v1);
  });

  it('a missing site is ARM\'s 404 naming it; a setting that is not a reference is 404 too', async () => {
    const missing = await failure(t.clients.appService(SUB).webApps.get(RG, 'app-nowhere'));
    const plain = await failure(t.clients.appService(SUB).webApps.getAppSettingKeyVaultReference(RG, SITE, 'PLAIN'));

    expect([missing.statusCode, missing.code]).toEqual([404, 'ResourceNotFound']);
    expect(missing.message).toContain('Microsoft.Web/sites/app-nowhere');
    expect(plain.statusCode).toBe(404);
  });

  it('an api-version Microsoft.Web does not have is ARM\'s 400 InvalidApiVersionParameter, through the SDK\'s apiVersion option and on the refresh', async () => {
    const client = new WebSiteManagementClient(localEmulatorCredential, SUB, { endpoint: t.arm.baseUrl, agent: t.clients.storageDataPlaneAgent!, apiVersion: '2099-01-01', retryOptions: FAST_RETRIES });

    const error = await failure(client.webApps.get(RG, SITE));
    const answer = await refresh('2099-01-01');

    expect([error.statusCode, error.code]).toEqual([400, 'InvalidApiVersionParameter']);
    expect([answer.status, answer.json.error.code]).toEqual([400, 'InvalidApiVersionParameter']);
  });

  it('GET on the refresh is 405: it is a POST', async () => {
    const answer = await rawRequest(t.arm, { path: `${siteId}/config/configreferences/appsettings/refresh?api-version=2022-03-01`, headers: { authorization: 'Bearer local' } });

    expect(answer.status).toBe(405);
    expect(answer.headers['allow']).toBe('POST');
  });
});
