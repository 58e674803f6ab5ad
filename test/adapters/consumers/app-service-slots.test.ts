/**
 * The app-service follower with deployment slots and connection strings, end to end through the
 * HTTP API of the local stack and the real @azure/arm-appservice client against the ARM stand-in
 * (whose apps resolve their references against the Key Vault emulator and keep a version until
 * refreshed): a listed slot and a connection string follow a rotation while what is not listed
 * keeps the old version; a versioned connection string, a slot that does not exist and a named
 * connection string that is not a reference each fail the rotation after the switch, naming it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppServiceReferences } from '../../../src/adapters/arm/app-service-references.js';
import { createArmClients } from '../../../src/adapters/arm/arm-clients.js';
import { siteId } from '../../../src/local/arm/index.js';
import { EMULATOR_RESOURCE_GROUP, EMULATOR_SUBSCRIPTION_ID } from '../../../src/local/keyvault-emulator/options.js';
import { startAppStack, type AppAnswer, type AppStack } from '../../support/app-stack.js';
import { unusedCredential } from '../../local/arm/support.js';

let stack: AppStack;
let vaultUrl: string;
let references: AppServiceReferences;

beforeAll(async () => {
  stack = await startAppStack({ settings: { ROTATION_MAX_ATTEMPTS: '50' } });
  vaultUrl = new URL(stack.vaultUrl(0)).origin;
  references = new AppServiceReferences(createArmClients({ credential: unusedCredential, standIn: { endpoint: stack.arm.baseUrl, caCertPath: stack.arm.caCertPath, address: stack.arm.host } }));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const uniqueId = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;
const idOf = (site: string) => siteId(EMULATOR_SUBSCRIPTION_ID, EMULATOR_RESOURCE_GROUP, site);
const versionless = (secret: string) => `@Microsoft.KeyVault(SecretUri=${vaultUrl}/secrets/${secret}/)`;

interface AppConfig {
  appSettings?: Record<string, string>;
  connectionStrings?: Record<string, { value: string; type?: 'SQLAzure' | 'Custom' | 'PostgreSQL' }>;
}

/** A site and its slots, each resolving its references at once as App Service does. */
async function seedSite(name: string, site: AppConfig, slots: Record<string, AppConfig> = {}): Promise<string> {
  await stack.armAdmin.seed({
    sites: [{ subscriptionId: EMULATOR_SUBSCRIPTION_ID, resourceGroup: EMULATOR_RESOURCE_GROUP, name, kind: 'app', ...site, slots: Object.entries(slots).map(([slot, config]) => ({ name: slot, ...config })) }],
  });
  return idOf(name);
}

async function existingSecret(name: string): Promise<string> {
  return (await stack.secrets(vaultUrl).setSecret(name, `initial-${randomBytes(8).toString('hex')}`, { contentType: 'text/plain' })).properties.version!;
}

function policyBody(id: string, consumer: Record<string, unknown>) {
  return {
    id,
    vaultUrl,
    secretName: id,
    generator: { kind: 'random_password', length: 32 },
    rotation: { every: '30d', validFor: '60d' },
    contentType: 'text/plain',
    consumers: [{ kind: 'app-service', name: 'apps', timeout: '3s', ...consumer }],
    environment: 'test',
    owner: 'team-apps',
  };
}

const put = (id: string, body: unknown) => stack.call({ method: 'PUT', path: `/policies/${id}`, body: JSON.stringify(body) });
const rotate = (id: string) => stack.call({ method: 'POST', path: `/policies/${id}/rotate`, body: JSON.stringify({ reason: 'app-service slots end to end' }) });
const current = async (secret: string) => (await stack.secrets(vaultUrl).getSecret(secret)).properties.version!;

async function settingOf(app: string, name: string) {
  return (await references.statuses(app)).find((s) => s.setting === name);
}

async function connectionStringOf(app: string, name: string) {
  return (await references.connectionStringStatuses(app)).find((s) => s.setting === name);
}

async function expectNoValueIn(answers: AppAnswer[], secret: string): Promise<void> {
  const value = (await stack.secrets(vaultUrl).getSecret(secret)).value;
  expect(value).toBeDefined();
  for (const answer of answers) expect(answer.text.includes(value!)).toBe(false);
}

describe('an app-service follower with slots and connection strings, through the HTTP API', () => {
  it('a listed slot\'s app setting and connection string follow the rotation; the site, not listed, keeps the old version', async () => {
    // Arrange
    const id = uniqueId('slot-secret');
    const before = await existingSecret(id);
    const name = uniqueId('app-slots');
    const site = await seedSite(name, { appSettings: { API_KEY: versionless(id) } }, { staging: { appSettings: { API_KEY: versionless(id) }, connectionStrings: { Db: { value: versionless(id), type: 'SQLAzure' } } } });
    const slot = `${site}/slots/staging`;
    expect((await put(id, policyBody(id, { siteIds: [slot] }))).status).toBe(201);

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
    const counts = (await stack.armAdmin.counts()).operations;
    expect(counts['webApps.refreshAppSettingsKeyVaultReferencesSlot']).toBeGreaterThanOrEqual(1);
    const audit = await stack.call({ method: 'GET', path: `/audit?policy=${id}&pageSize=100` });
    expect(JSON.stringify(audit.json.items)).toContain(`slot ${name}/staging: app settings API_KEY; connection strings Db resolved to version ${now} after a refresh`);
    await expectNoValueIn([rotated, audit], id);
  });

  it('a site\'s connection string follows by default; with only settings named, connection strings are not read, so a versioned one does not fail it', async () => {
    // Arrange
    const id = uniqueId('cs-secret');
    await existingSecret(id);
    const site = await seedSite(uniqueId('app-cs'), { connectionStrings: { Db: { value: versionless(id), type: 'PostgreSQL' }, Other: { value: 'Host=db;Password=not-a-reference' } } });
    expect((await put(id, policyBody(id, { siteIds: [site] }))).status).toBe(201);
    const named = uniqueId('cs-settings-only');
    const pinned = await existingSecret(named);
    const other = await seedSite(uniqueId('app-cs-settings-only'), { appSettings: { API_KEY: versionless(named) }, connectionStrings: { Db: { value: `@Microsoft.KeyVault(SecretUri=${vaultUrl}/secrets/${named}/${pinned})` } } });
    expect((await put(named, policyBody(named, { siteIds: [other], settings: ['API_KEY'] }))).status).toBe(201);

    // Act
    const rotated = await rotate(id);
    const reads = async () => (await stack.armAdmin.counts()).operations['webApps.listSiteConnectionStringKeyVaultReferences'];
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
    await existingSecret(id);
    const name = uniqueId('app-cs-named');
    const site = await seedSite(name, { appSettings: { API_KEY: versionless(id) }, connectionStrings: { Db: { value: versionless(id) }, Plain: { value: 'Server=x' } } });
    const good = uniqueId('cs-named-good');
    await existingSecret(good);
    const goodSite = await seedSite(uniqueId('app-cs-good'), { connectionStrings: { Db: { value: versionless(good) } } });
    expect((await put(id, policyBody(id, { siteIds: [site], settings: ['API_KEY'], connectionStrings: ['Db', 'Plain'] }))).status).toBe(201);
    expect((await put(good, policyBody(good, { siteIds: [goodSite], connectionStrings: ['Db'] }))).status).toBe(201);

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
    const before = await existingSecret(id);
    const name = uniqueId('app-cs-pinned');
    const site = await seedSite(name, { appSettings: { API_KEY: versionless(id) }, connectionStrings: { Db: { value: `@Microsoft.KeyVault(SecretUri=${vaultUrl}/secrets/${id}/${before})` } } });
    expect((await put(id, policyBody(id, { siteIds: [site] }))).status).toBe(201);

    // Act
    const failed = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.code).toBe('RotationFailed');
    expect(failed.json.error.message).toContain(`site ${name}: connection string Db names version ${before}: only versionless references pick up new versions`);
    expect(failed.json.error.message).not.toContain('app setting API_KEY names');
    expect(await current(id)).not.toBe(before);
    await expectNoValueIn([failed], id);
  });

  it('a slot that does not exist fails delivery naming it; its site, which exists, is not what is named', async () => {
    // Arrange
    const id = uniqueId('slot-missing');
    await existingSecret(id);
    const name = uniqueId('app-noslot');
    const site = await seedSite(name, { appSettings: { API_KEY: versionless(id) } }, { staging: { appSettings: { API_KEY: versionless(id) } } });
    expect((await put(id, policyBody(id, { siteIds: [site, `${site}/slots/blue`] }))).status).toBe(201);

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
