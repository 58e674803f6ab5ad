/**
 * Deployment slots and connection strings on the ARM stand-in through the real
 * @azure/arm-appservice 19 client (getSlot, listApplicationSettingsSlot, listConnectionStrings[Slot],
 * listAppSettingsKeyVaultReferencesSlot, listSiteConnectionStringKeyVaultReferences[Slot],
 * getSiteConnectionStringKeyVaultReference[Slot]): a slot is an app of its own, refreshed on its
 * own; a connection string's reference keeps its version until the app's refresh, as an app
 * setting's does; a missing slot is ARM's 404 naming it under its site.
 */
import { isRestError, type RestError } from '@azure/core-rest-pipeline';
import type { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { ArmAdminError, type ArmSeed } from '../../../src/local/arm/index.js';
import { rawRequest, RG, startArmWithVault, SUB, type ArmWithVault, type TestArm } from './support.js';

let emulator: RunningKeyVaultEmulator;
let secrets: SecretClient;
let t: TestArm;
let stand: ArmWithVault;
const SITE = 'app-orders';
const siteId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/${SITE}`;
const slotId = `${siteId}/slots/staging`;

beforeAll(async () => {
  stand = await startArmWithVault('kv-slots');
  ({ emulator, secrets, arm: t } = stand);
});

afterAll(() => stand?.stop());

let v1: string;
const ref = (version = '') => `@Microsoft.KeyVault(SecretUri=${emulator.vaults[0]!.url}/secrets/db-password/${version})`;

function seed(): ArmSeed {
  return {
    sites: [
      {
        subscriptionId: SUB,
        resourceGroup: RG,
        name: SITE,
        appSettings: { API_KEY: ref() },
        connectionStrings: { Db: { value: ref(), type: 'SQLAzure' }, DbPinned: { value: ref(v1) }, Plain: { value: 'Server=x;Password=not-a-reference' } },
        slots: [{ name: 'staging', appSettings: { API_KEY: ref() }, connectionStrings: { Db: { value: ref(), type: 'SQLAzure' } } }],
      },
    ],
  };
}

beforeEach(async () => {
  await t.admin.reset();
  v1 = (await secrets.setSecret('db-password', 'first')).properties.version!;
  await t.admin.seed(seed());
});

const web = () => t.clients.appService(SUB).webApps;

async function versions(pages: AsyncIterable<{ name?: string; status?: string; activeVersion?: string }>): Promise<Record<string, string | undefined>> {
  const result: Record<string, string | undefined> = {};
  for await (const r of pages) result[r.name!] = r.status === 'Resolved' ? r.activeVersion : r.status;
  return result;
}

const refresh = (id: string) => rawRequest(t.arm, { method: 'POST', path: `${id}/config/configreferences/appsettings/refresh?api-version=2022-03-01`, headers: { authorization: 'Bearer local' } });

async function failure(promise: Promise<unknown>): Promise<RestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRestError(error)).toBe(true);
  return error as RestError;
}

describe('deployment slots and connection strings (@azure/arm-appservice 19.0.0)', () => {
  it('getSlot answers the slot as an app of its own: name site/slot, its own host and identity', async () => {
    // Act
    const slot = await web().getSlot(RG, SITE, 'staging');
    const site = await web().get(RG, SITE);

    // Assert
    expect(slot).toMatchObject({ id: slotId, name: `${SITE}/staging`, type: 'Microsoft.Web/sites/slots', defaultHostName: `${SITE}-staging.azurewebsites.net`, identity: { type: 'SystemAssigned' } });
    expect(slot.identity?.principalId).not.toBe(site.identity?.principalId);
  });

  it('listConnectionStrings(Slot) and listApplicationSettingsSlot answer the values as held, a connection string with its type', async () => {
    const strings = await web().listConnectionStrings(RG, SITE);
    const slotStrings = await web().listConnectionStringsSlot(RG, SITE, 'staging');
    const slotSettings = await web().listApplicationSettingsSlot(RG, SITE, 'staging');

    expect(strings.properties).toEqual({ Db: { value: ref(), type: 'SQLAzure' }, DbPinned: { value: ref(v1), type: 'Custom' }, Plain: { value: 'Server=x;Password=not-a-reference', type: 'Custom' } });
    expect(slotStrings.properties).toEqual({ Db: { value: ref(), type: 'SQLAzure' } });
    expect(slotSettings.properties).toEqual({ API_KEY: ref() });
  });

  it('a connection string reference is listed and read like an app setting\'s; one that is not a reference is 404', async () => {
    // Act
    const listed = await versions(web().listSiteConnectionStringKeyVaultReferences(RG, SITE));
    const one = await web().getSiteConnectionStringKeyVaultReference(RG, SITE, 'Db');
    const oneOfSlot = await web().getSiteConnectionStringKeyVaultReferenceSlot(RG, SITE, 'Db', 'staging');
    const plain = await failure(web().getSiteConnectionStringKeyVaultReference(RG, SITE, 'Plain'));

    // Assert
    expect(listed).toEqual({ Db: v1, DbPinned: v1 });
    expect(one).toMatchObject({ id: `${siteId}/config/configreferences/connectionstrings/Db`, name: 'Db', status: 'Resolved', vaultName: 'kv-slots', secretName: 'db-password', activeVersion: v1, source: 'KeyVault' });
    expect(oneOfSlot).toMatchObject({ id: `${slotId}/config/configreferences/connectionstrings/Db`, status: 'Resolved', activeVersion: v1 });
    expect([plain.statusCode, plain.code]).toEqual([404, 'NotFound']);
  });

  it('the refresh moves the app\'s connection strings with its app settings; the versioned one stays; the slot is not refreshed by its site', async () => {
    // Arrange
    const v2 = (await secrets.setSecret('db-password', 'second')).properties.version!;

    // Act
    const answer = await refresh(siteId);

    // Assert
    expect(answer.status).toBe(200);
    expect(await versions(web().listAppSettingsKeyVaultReferences(RG, SITE))).toEqual({ API_KEY: v2 });
    expect(await versions(web().listSiteConnectionStringKeyVaultReferences(RG, SITE))).toEqual({ Db: v2, DbPinned: v1 });
    // The slot is an app of its own, with its own cache: nobody refreshed it.
    expect(await versions(web().listAppSettingsKeyVaultReferencesSlot(RG, SITE, 'staging'))).toEqual({ API_KEY: v1 });
    expect(await versions(web().listSiteConnectionStringKeyVaultReferencesSlot(RG, SITE, 'staging'))).toEqual({ Db: v1 });
  });

  it('the refresh under a slot moves the slot only', async () => {
    // Arrange
    const v2 = (await secrets.setSecret('db-password', 'second')).properties.version!;

    // Act
    const answer = await refresh(slotId);

    // Assert
    expect(answer.status).toBe(200);
    expect(await versions(web().listAppSettingsKeyVaultReferencesSlot(RG, SITE, 'staging'))).toEqual({ API_KEY: v2 });
    expect(await versions(web().listSiteConnectionStringKeyVaultReferencesSlot(RG, SITE, 'staging'))).toEqual({ Db: v2 });
    expect(await versions(web().listAppSettingsKeyVaultReferences(RG, SITE))).toEqual({ API_KEY: v1 });
    const counts = (await t.admin.counts()).operations;
    expect([counts['webApps.refreshAppSettingsKeyVaultReferencesSlot'], counts['webApps.refreshAppSettingsKeyVaultReferences']]).toEqual([1, 0]);
  });

  it('a reference fault on a slot\'s connection string shows only there', async () => {
    await t.admin.injectReferenceFault({ siteId: slotId, setting: 'Db', status: 'AccessToKeyVaultDenied', count: 2 });

    await refresh(slotId);

    expect(await versions(web().listSiteConnectionStringKeyVaultReferencesSlot(RG, SITE, 'staging'))).toEqual({ Db: 'AccessToKeyVaultDenied' });
    expect(await versions(web().listAppSettingsKeyVaultReferencesSlot(RG, SITE, 'staging'))).toEqual({ API_KEY: v1 });
  });

  it('a slot that does not exist is ARM\'s 404 ResourceNotFound naming it under its site, on every read and on the refresh', async () => {
    const get = await failure(web().getSlot(RG, SITE, 'nowhere'));
    const list = await failure(
      (async () => {
        for await (const _ of web().listAppSettingsKeyVaultReferencesSlot(RG, SITE, 'nowhere'));
      })(),
    );
    const refreshed = await refresh(`${siteId}/slots/nowhere`);
    const noSite = await failure(web().getSlot(RG, 'app-nowhere', 'staging'));

    for (const error of [get, list]) expect([error.statusCode, error.code]).toEqual([404, 'ResourceNotFound']);
    // The SDK's pager keeps the code only; the body is ARM's.
    expect(get.message).toContain(`'Microsoft.Web/sites/${SITE}/slots/nowhere' under resource group '${RG}' was not found`);
    expect([refreshed.status, refreshed.json.error.code]).toEqual([404, 'ResourceNotFound']);
    expect(refreshed.json.error.message).toContain(`'Microsoft.Web/sites/${SITE}/slots/nowhere'`);
    expect(noSite.message).toContain("'Microsoft.Web/sites/app-nowhere/slots/staging'");
  });

  it('seeding again keeps what a connection string and a slot resolved for values that did not change, and resolves the changed ones', async () => {
    // Arrange
    const v2 = (await secrets.setSecret('db-password', 'second')).properties.version!;
    const again = seed();
    again.sites![0]!.connectionStrings!['DbPinned'] = { value: ref(v2) };

    // Act
    await t.admin.seed(again);

    // Assert: unchanged values keep v1 (no refresh happened); the changed one resolved its new value.
    expect(await versions(web().listSiteConnectionStringKeyVaultReferences(RG, SITE))).toEqual({ Db: v1, DbPinned: v2 });
    expect(await versions(web().listAppSettingsKeyVaultReferencesSlot(RG, SITE, 'staging'))).toEqual({ API_KEY: v1 });
  });

  it.each([
    ['a slot name App Service does not take', { name: '-staging' }, 'sites[0].slots[0].name'],
    ['a connection string type App Service does not have', { name: 'staging', connectionStrings: { Db: { value: 'x', type: 'Oracle' } } }, 'sites[0].slots[0].connectionStrings.Db.type'],
    ['a connection string without a value', { name: 'staging', connectionStrings: { Db: { type: 'Custom' } } }, 'sites[0].slots[0].connectionStrings.Db.value'],
  ])('a seed with %s is refused naming the field, and stores nothing', async (_what, slot, path) => {
    await t.admin.reset();

    const error = await t.admin.seed({ sites: [{ subscriptionId: SUB, resourceGroup: RG, name: SITE, slots: [slot as never] }] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ArmAdminError);
    expect(JSON.stringify((error as ArmAdminError).details)).toContain(path);
    expect((await t.admin.state())['sites']).toEqual([]);
  });

  it('a seed naming one slot twice, in another case, is refused naming the second', async () => {
    const error = await t.admin.seed({ sites: [{ subscriptionId: SUB, resourceGroup: RG, name: SITE, slots: [{ name: 'staging' }, { name: 'STAGING' }] }] }).catch((e: unknown) => e);

    expect(JSON.stringify((error as ArmAdminError).details)).toContain('sites[0].slots[1].name');
  });
});
