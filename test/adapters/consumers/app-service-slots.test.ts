/**
 * The app-service follower with deployment slots and connection strings, end to end through the
 * HTTP API of the local stack and the real @azure/arm-appservice client against the ARM stand-in
 * (whose apps resolve their references against the Key Vault emulator and keep a version until
 * refreshed): a listed slot and a connection string follow a rotation while what is not listed
 * keeps the old version; a versioned connection string, a slot that does not exist and a named
 * connection string that is not a reference each fail the rotation after the switch, naming it.
 */
import { describe, expect, it } from 'vitest';
import { EMULATOR_RESOURCE_GROUP, EMULATOR_SUBSCRIPTION_ID } from '../../../src/local/keyvault-emulator/options.js';
import { appServicePolicy, existingSecret, expectNoValueIn, idOf, uniqueId, useAppServiceStack } from './app-service-stack.js';

const world = useAppServiceStack();

const versionless = (secret: string) => `@Microsoft.KeyVault(SecretUri=${world.vaultUrl}/secrets/${secret}/)`;

interface AppConfig {
  appSettings?: Record<string, string>;
  connectionStrings?: Record<string, { value: string; type?: 'SQLAzure' | 'Custom' | 'PostgreSQL' }>;
}

/** A site and its slots, each resolving its references at once as App Service does. */
async function seedSite(name: string, site: AppConfig, slots: Record<string, AppConfig> = {}): Promise<string> {
  await world.stack.armAdmin.seed({
    sites: [{ subscriptionId: EMULATOR_SUBSCRIPTION_ID, resourceGroup: EMULATOR_RESOURCE_GROUP, name, kind: 'app', ...site, slots: Object.entries(slots).map(([slot, config]) => ({ name: slot, ...config })) }],
  });
  return idOf(name);
}

const put = (id: string, body: unknown) => world.stack.call({ method: 'PUT', path: `/policies/${id}`, body: JSON.stringify(body) });
const rotate = (id: string) => world.stack.call({ method: 'POST', path: `/policies/${id}/rotate`, body: JSON.stringify({ reason: 'app-service slots end to end' }) });
const current = async (secret: string) => (await world.stack.secrets(world.vaultUrl).getSecret(secret)).properties.version!;

async function settingOf(app: string, name: string) {
  return (await world.references.statuses(app)).find((s) => s.setting === name);
}

async function connectionStringOf(app: string, name: string) {
  return (await world.references.connectionStringStatuses(app)).find((s) => s.setting === name);
}

describe('an app-service follower with slots and connection strings, through the HTTP API', () => {
  it('a listed slot\'s app setting and connection string follow the rotation; the site, not listed, keeps the old version', async () => {
    // Arrange
    const id = uniqueId('slot-secret');
    const before = await existingSecret(world, id);
    const name = uniqueId('app-slots');
    const site = await seedSite(name, { appSettings: { API_KEY: versionless(id) } }, { staging: { appSettings: { API_KEY: versionless(id) }, connectionStrings: { Db: { value: versionless(id), type: 'SQLAzure' } } } });
    const slot = `${site}/slots/staging`;
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [slot] }))).status).toBe(201);

    // Act
    const rotated = await rotate(id);

    // Assert
    expect(rotated.status, rotated.text).toBe(200);
    const now = await current(id);
    expect(now).not.toBe(before);
    expect(await settingOf(slot, 'API_KEY')).toMatchObject({ status: 'Resolved', version: now });
    expect(await connectionStringOf(slot, 'Db')).toMatchObject({ status: 'Resolved', version: now });
    // The slot's refresh is the slot's alone: the production site, not listed, was not refreshed.
    expect(await settingOf(site, 'API_KEY')).toMatchObject({ status: 'Resolved', version: before });
    const counts = (await world.stack.armAdmin.counts()).operations;
    expect(counts['webApps.refreshAppSettingsKeyVaultReferencesSlot']).toBeGreaterThanOrEqual(1);
    const audit = await world.stack.call({ method: 'GET', path: `/audit?policy=${id}&pageSize=100` });
    expect(JSON.stringify(audit.json.items)).toContain(`slot ${name}/staging: app settings API_KEY; connection strings Db resolved to version ${now} after a refresh`);
    await expectNoValueIn(world, [rotated, audit], id);
  });

  it('a site\'s connection string follows by default; with only settings named, connection strings are not read, so a versioned one does not fail it', async () => {
    // Arrange
    const id = uniqueId('cs-secret');
    await existingSecret(world, id);
    const site = await seedSite(uniqueId('app-cs'), { connectionStrings: { Db: { value: versionless(id), type: 'PostgreSQL' }, Other: { value: 'Host=db;Password=not-a-reference' } } });
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [site] }))).status).toBe(201);
    const named = uniqueId('cs-settings-only');
    const pinned = await existingSecret(world, named);
    const other = await seedSite(uniqueId('app-cs-settings-only'), { appSettings: { API_KEY: versionless(named) }, connectionStrings: { Db: { value: `@Microsoft.KeyVault(SecretUri=${world.vaultUrl}/secrets/${named}/${pinned})` } } });
    expect((await put(named, appServicePolicy(world.vaultUrl, named, { siteIds: [other], settings: ['API_KEY'] }))).status).toBe(201);

    // Act
    const rotated = await rotate(id);
    const reads = async () => (await world.stack.armAdmin.counts()).operations['webApps.listSiteConnectionStringKeyVaultReferences'];
    const readsBefore = await reads();
    const settingsOnly = await rotate(named);
    const readsAfter = await reads();

    // Assert
    expect(rotated.status, rotated.text).toBe(200);
    expect(await connectionStringOf(site, 'Db')).toMatchObject({ status: 'Resolved', version: await current(id) });
    // As before connection strings were followed: a policy naming only app settings passes, whatever its connection strings hold.
    expect(settingsOnly.status, settingsOnly.text).toBe(200);
    expect(readsAfter).toBe(readsBefore);
    expect(await settingOf(other, 'API_KEY')).toMatchObject({ status: 'Resolved', version: await current(named) });
  });

  it('with connectionStrings named, only those must follow: a named connection string that is not a reference fails naming it', async () => {
    // Arrange
    const id = uniqueId('cs-named');
    await existingSecret(world, id);
    const name = uniqueId('app-cs-named');
    const site = await seedSite(name, { appSettings: { API_KEY: versionless(id) }, connectionStrings: { Db: { value: versionless(id) }, Plain: { value: 'Server=x' } } });
    const good = uniqueId('cs-named-good');
    await existingSecret(world, good);
    const goodSite = await seedSite(uniqueId('app-cs-good'), { connectionStrings: { Db: { value: versionless(good) } } });
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [site], settings: ['API_KEY'], connectionStrings: ['Db', 'Plain'] }))).status).toBe(201);
    expect((await put(good, appServicePolicy(world.vaultUrl, good, { siteIds: [goodSite], connectionStrings: ['Db'] }))).status).toBe(201);

    // Act
    const failed = await rotate(id);
    const passed = await rotate(good);

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.message).toContain(`site ${name}: connection string Plain is not a Key Vault reference`);
    expect(passed.status, passed.text).toBe(200);
    expect(await connectionStringOf(goodSite, 'Db')).toMatchObject({ status: 'Resolved', version: await current(good) });
  });

  it('a versioned reference in a connection string fails delivery naming the connection string; the new version stays in the vault', async () => {
    // Arrange
    const id = uniqueId('cs-pinned');
    const before = await existingSecret(world, id);
    const name = uniqueId('app-cs-pinned');
    const site = await seedSite(name, { appSettings: { API_KEY: versionless(id) }, connectionStrings: { Db: { value: `@Microsoft.KeyVault(SecretUri=${world.vaultUrl}/secrets/${id}/${before})` } } });
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [site] }))).status).toBe(201);

    // Act
    const failed = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.code).toBe('RotationFailed');
    expect(failed.json.error.message).toContain(`site ${name}: connection string Db names version ${before}: only versionless references pick up new versions`);
    expect(failed.json.error.message).not.toContain('app setting API_KEY names');
    expect(await current(id)).not.toBe(before);
    await expectNoValueIn(world, [failed], id);
  });

  it('a slot that does not exist fails delivery naming it; its site, which exists, is not what is named', async () => {
    // Arrange
    const id = uniqueId('slot-missing');
    await existingSecret(world, id);
    const name = uniqueId('app-noslot');
    const site = await seedSite(name, { appSettings: { API_KEY: versionless(id) } }, { staging: { appSettings: { API_KEY: versionless(id) } } });
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [site, `${site}/slots/blue`] }))).status).toBe(201);

    // Act
    const failed = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.message).toContain(`slot ${name}/blue`);
    expect(failed.json.error.message).toContain('404 ResourceNotFound');
    expect(failed.json.error.message).not.toContain(`site ${name}:`);
    // The site itself was confirmed: the failure is the missing slot's alone.
    expect(await settingOf(site, 'API_KEY')).toMatchObject({ status: 'Resolved', version: await current(id) });
  });
});
