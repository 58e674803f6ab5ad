/**
 * The app-service follower end to end through the HTTP API of the local stack: the ARM stand-in's
 * sites resolve their Key Vault references against the Key Vault emulator over HTTPS and keep a
 * version until refreshed, as App Service does, and the app reaches them through the real
 * @azure/arm-appservice client. A site's reference moves to the rotated version only through the
 * follower's refresh; a versioned reference, a site that reads nothing of the secret and a
 * reference App Service cannot resolve each fail the rotation loudly after the switch.
 */
import { describe, expect, it } from 'vitest';
import { EMULATOR_RESOURCE_GROUP, EMULATOR_SUBSCRIPTION_ID } from '../../../src/local/keyvault-emulator/options.js';
import { versionsOf } from '../../functions/app-e2e-support.js';
import { appServicePolicy, existingSecret, expectNoValueIn, idOf, uniqueId, useAppServiceStack } from './app-service-stack.js';

const world = useAppServiceStack();

const versionless = (secret: string) => `@Microsoft.KeyVault(SecretUri=${world.vaultUrl}/secrets/${secret}/)`;

/** A web or function app whose settings are these (Key Vault references or plain values), resolved at once as App Service does. */
async function seedSite(name: string, appSettings: Record<string, string>): Promise<string> {
  await world.stack.armAdmin.seed({ sites: [{ subscriptionId: EMULATOR_SUBSCRIPTION_ID, resourceGroup: EMULATOR_RESOURCE_GROUP, name, kind: 'functionapp', appSettings }] });
  return idOf(name);
}

const put = (id: string, body: unknown) => world.stack.call({ method: 'PUT', path: `/policies/${id}`, body: JSON.stringify(body) });
const rotate = (id: string) => world.stack.call({ method: 'POST', path: `/policies/${id}/rotate`, body: JSON.stringify({ reason: 'app-service end to end' }) });
const refreshes = async () => (await world.stack.armAdmin.counts()).operations['webApps.refreshAppSettingsKeyVaultReferences'] ?? 0;

async function statusOf(site: string, setting: string) {
  return (await world.references.statuses(site)).find((s) => s.setting === setting);
}

describe('a policy with an app-service follower, through the HTTP API', () => {
  it('refreshes the listed site, which then holds the new version; a site it does not list keeps the old one', async () => {
    // Arrange
    const id = uniqueId('app-secret');
    const before = await existingSecret(world, id);
    const listed = await seedSite(uniqueId('func-listed'), { API_KEY: versionless(id), PLAIN: 'x' });
    const unlisted = await seedSite(uniqueId('func-unlisted'), { API_KEY: versionless(id) });
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [listed] }))).status).toBe(201);
    expect(await statusOf(listed, 'API_KEY')).toMatchObject({ status: 'Resolved', version: before });
    const refreshesBefore = await refreshes();

    // Act
    const rotated = await rotate(id);

    // Assert
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json.status).toBe('succeeded');
    const current = (await world.stack.secrets(world.vaultUrl).getSecret(id)).properties.version!;
    expect(current).not.toBe(before);
    expect(await statusOf(listed, 'API_KEY')).toMatchObject({ status: 'Resolved', version: current });
    // App Service keeps a resolved reference until refreshed: nobody refreshed this one.
    expect(await statusOf(unlisted, 'API_KEY')).toMatchObject({ status: 'Resolved', version: before });
    expect((await refreshes()) - refreshesBefore).toBe(1);
    const audit = await world.stack.call({ method: 'GET', path: `/audit?policy=${id}&pageSize=100` });
    const delivered = audit.json.items.filter((r: { step?: string; consumer?: string; action?: string }) => r.step === 'delivered' && r.consumer === 'apps' && r.action === 'rotation.step-finished');
    expect(delivered).toHaveLength(1);
    expect(delivered[0].reason).toContain(`site ${listed.split('/').at(-1)}: app settings API_KEY resolved to version ${current}`);
    await expectNoValueIn(world, [rotated, audit], id);
  });

  it('follows every setting that reads the secret by default, in either reference form', async () => {
    // Arrange
    const id = uniqueId('app-forms');
    await existingSecret(world, id);
    const site = await seedSite(uniqueId('app-forms'), {
      BY_URI: versionless(id),
      BY_PARTS: `@Microsoft.KeyVault(VaultName=${new URL(world.vaultUrl).hostname.split('.')[0]};SecretName=${id})`,
      OTHER_SECRET: versionless(`${id}-other`),
    });
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [site] }))).status).toBe(201);

    // Act
    const rotated = await rotate(id);

    // Assert
    expect(rotated.status, rotated.text).toBe(200);
    const current = (await world.stack.secrets(world.vaultUrl).getSecret(id)).properties.version!;
    expect(await statusOf(site, 'BY_URI')).toMatchObject({ status: 'Resolved', version: current });
    expect(await statusOf(site, 'BY_PARTS')).toMatchObject({ status: 'Resolved', version: current });
    const audit = await world.stack.call({ method: 'GET', path: `/audit?policy=${id}&pageSize=100` });
    expect(JSON.stringify(audit.json.items)).toContain(`app settings BY_PARTS, BY_URI resolved to version ${current}`);
  });

  it('with settings, follows only the ones named: a pinned reference it does not name is left alone; a named one reading another secret is refused', async () => {
    // Arrange
    const id = uniqueId('app-named');
    const before = await existingSecret(world, id);
    const site = await seedSite(uniqueId('app-named'), {
      FOLLOWS: versionless(id),
      PINNED_ON_PURPOSE: `@Microsoft.KeyVault(SecretUri=${world.vaultUrl}/secrets/${id}/${before})`,
      OTHER_SECRET: versionless(`${id}-other`),
    });
    const other = uniqueId('app-named-other');
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [site], settings: ['FOLLOWS'] }))).status).toBe(201);
    expect((await put(other, appServicePolicy(world.vaultUrl, other, { siteIds: [site], settings: ['OTHER_SECRET'] }))).status).toBe(201);

    // Act
    const rotated = await rotate(id);
    const refused = await rotate(other);

    // Assert
    expect(rotated.status, rotated.text).toBe(200);
    const current = (await world.stack.secrets(world.vaultUrl).getSecret(id)).properties.version!;
    expect(await statusOf(site, 'FOLLOWS')).toMatchObject({ status: 'Resolved', version: current });
    expect(await statusOf(site, 'PINNED_ON_PURPOSE')).toMatchObject({ status: 'Resolved', version: before });
    expect(refused.status, refused.text).toBe(502);
    expect(refused.json.error.message).toContain(`app setting OTHER_SECRET reads kv-app-local/${id}-other, not kv-app-local/${other}`);
  });

  it('a versioned reference fails the rotation after the switch, saying only versionless references pick up new versions; the new version stays in the vault', async () => {
    // Arrange
    const id = uniqueId('app-pinned');
    const before = await existingSecret(world, id);
    const site = await seedSite(uniqueId('app-pinned'), { API_KEY: `@Microsoft.KeyVault(SecretUri=${world.vaultUrl}/secrets/${id}/${before})` });
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [site] }))).status).toBe(201);

    // Act
    const failed = await rotate(id);
    const policy = await world.stack.call({ method: 'GET', path: `/policies/${id}` });

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.code).toBe('RotationFailed');
    expect(failed.json.error.message).toContain('apps (app-service)');
    expect(failed.json.error.message).toContain(`app setting API_KEY names version ${before}`);
    expect(failed.json.error.message).toContain('only versionless references pick up new versions');
    const latest = await world.stack.secrets(world.vaultUrl).getSecret(id);
    expect(latest.properties.version).not.toBe(before);
    expect(latest.properties.enabled).toBe(true);
    expect(latest.properties.tags?.['rotation-id']).toBe(failed.json.rotationId);
    expect(await versionsOf(world.stack.secrets(world.vaultUrl), id)).toHaveLength(2);
    expect(policy.json.state).toMatchObject({ consecutiveFailures: 1, rotationInProgress: { step: 'switched', rotationId: failed.json.rotationId } });
    const audit = await world.stack.call({ method: 'GET', path: `/audit?policy=${id}&action=rotation.failed&pageSize=100` });
    expect(audit.json.items).toContainEqual(expect.objectContaining({ rotationId: failed.json.rotationId, error: expect.stringContaining('only versionless references pick up new versions') }));
    await expectNoValueIn(world, [failed, policy, audit], id);
  });

  it('a site where nothing reads the secret fails: a follower that confirms nothing must not pass', async () => {
    // Arrange
    const id = uniqueId('app-unread');
    await existingSecret(world, id);
    const name = uniqueId('app-unread');
    const site = await seedSite(name, { OTHER: versionless(`${id}-elsewhere`), PLAIN: 'x' });
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [site] }))).status).toBe(201);

    // Act
    const failed = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.message).toContain(`nothing on site ${name} reads this secret`);
  });

  it('a reference App Service cannot resolve (AccessToKeyVaultDenied) fails naming site, setting and status; once it clears, a retry of the same rotation confirms', async () => {
    // Arrange
    const id = uniqueId('app-denied');
    const before = await existingSecret(world, id);
    const name = uniqueId('app-denied');
    const site = await seedSite(name, { API_KEY: versionless(id) });
    expect((await put(id, appServicePolicy(world.vaultUrl, id, { siteIds: [site] }))).status).toBe(201);
    // The site's identity loses its Key Vault role: every resolution (the refresh, each read while unresolved) is denied.
    await world.stack.armAdmin.injectReferenceFault({ siteId: site, setting: 'API_KEY', status: 'AccessToKeyVaultDenied', count: 1000 });

    // Act
    const failed = await rotate(id);
    const whileDenied = await statusOf(site, 'API_KEY');
    await world.stack.armAdmin.clearReferenceFaults();
    const retried = await rotate(id);

    // Assert
    expect(failed.status, failed.text).toBe(502);
    expect(failed.json.error.message).toContain(`site ${name}: app setting API_KEY is AccessToKeyVaultDenied`);
    expect(whileDenied).toMatchObject({ status: 'AccessToKeyVaultDenied' });
    expect(whileDenied?.version).toBeUndefined();
    expect(retried.status, retried.text).toBe(200);
    expect(retried.json).toMatchObject({ status: 'succeeded', rotationId: failed.json.rotationId });
    const current = (await world.stack.secrets(world.vaultUrl).getSecret(id)).properties.version!;
    expect(current).not.toBe(before);
    expect(await versionsOf(world.stack.secrets(world.vaultUrl), id)).toHaveLength(2);
    expect(await statusOf(site, 'API_KEY')).toMatchObject({ status: 'Resolved', version: current });
    await expectNoValueIn(world, [failed, retried], id);
  });
});
