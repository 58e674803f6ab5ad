/**
 * The ARM stand-in against the real clients, unmodified: @azure/arm-keyvault's vaults.get,
 * listBySubscription and listByResourceGroup, @azure/arm-authorization's
 * roleAssignments.listForScope (atScope() and not) and roleDefinitions.get, and diagnostic
 * settings through core-client's ServiceClient; with paging, ARM's 401 and 404 shapes,
 * api-version checks and injected faults.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPipelineRequest, isRestError, type RestError } from '@azure/core-rest-pipeline';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { armStandInAgent } from '../../../src/adapters/arm/arm-clients.js';
import { ArmAdminError, BUILT_IN_ROLES, type ArmSeed } from '../../../src/local/arm/index.js';
import { OTHER_SUB, principal, rawRequest, RG, startTestArm, SUB, vaultIdOf, type TestArm } from './support.js';

let t: TestArm;
const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';
const SECRETS_OFFICER = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7';
const CUSTOM = '33333333-0000-4000-8000-000000000001';

const seed: ArmSeed = {
  subscriptions: [{ subscriptionId: SUB, managementGroups: ['mg-team', 'mg-root'] }, { subscriptionId: OTHER_SUB }],
  resourceGroups: [{ subscriptionId: SUB, name: 'rg-other' }],
  vaults: [
    { subscriptionId: SUB, resourceGroup: RG, name: 'kv-rbac', enablePurgeProtection: true, publicNetworkAccess: 'Disabled', networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: [{ value: '203.0.113.0/24' }] }, vaultUri: 'https://kv-rbac.vault.azure.net:8443/' },
    {
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'kv-policies',
      enableRbacAuthorization: null,
      enableSoftDelete: false,
      softDeleteRetentionInDays: null,
      accessPolicies: [{ objectId: principal(9), applicationId: principal(10), permissions: { secrets: ['get', 'list', 'purge'], keys: ['Get'] } }],
    },
    { subscriptionId: SUB, resourceGroup: RG, name: 'kv-three' },
    { subscriptionId: SUB, resourceGroup: 'rg-other', name: 'kv-four' },
    { subscriptionId: SUB, resourceGroup: 'rg-other', name: 'kv-five' },
    { subscriptionId: OTHER_SUB, resourceGroup: RG, name: 'kv-elsewhere' },
  ],
  diagnosticSettings: [
    { resourceId: vaultIdOf('kv-rbac'), name: 'audit', workspaceId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log', logs: [{ categoryGroup: 'audit', enabled: true }], metrics: [{ category: 'AllMetrics', enabled: true }] },
    { resourceId: vaultIdOf('kv-rbac'), name: 'archive', storageAccountId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st', logs: [{ category: 'AuditEvent', enabled: false }] },
  ],
  roleDefinitions: [{ id: CUSTOM, roleName: 'Vault Poker', assignableScopes: [`/subscriptions/${SUB}`], permissions: [{ actions: ['Microsoft.KeyVault/vaults/read'], dataActions: ['Microsoft.KeyVault/vaults/secrets/getSecret/action'] }] }],
  roleAssignments: [
    { scope: vaultIdOf('kv-rbac'), roleDefinitionId: SECRETS_USER, principalId: principal(1), principalType: 'ServicePrincipal' },
    { scope: `/subscriptions/${SUB}/resourceGroups/${RG}`, roleDefinitionId: SECRETS_OFFICER, principalId: principal(2), principalType: 'User' },
    { scope: `/subscriptions/${SUB}`, roleDefinitionId: OWNER, principalId: principal(3), principalType: 'Group' },
    { scope: '/providers/Microsoft.Management/managementGroups/mg-root', roleDefinitionId: READER, principalId: principal(4), principalType: 'Group' },
    { scope: '/', roleDefinitionId: READER, principalId: principal(5), principalType: 'User', condition: "@Resource[Microsoft.KeyVault/vaults:name] StringEquals 'kv-rbac'" },
    { scope: vaultIdOf('kv-three'), roleDefinitionId: CUSTOM, principalId: principal(6), principalType: 'ServicePrincipal' },
    { scope: `/subscriptions/${SUB}/resourceGroups/rg-other`, roleDefinitionId: OWNER, principalId: principal(7), principalType: 'User' },
    { scope: `/subscriptions/${OTHER_SUB}`, roleDefinitionId: OWNER, principalId: principal(8), principalType: 'User' },
  ],
};

beforeAll(async () => {
  t = await startTestArm({ pageSize: 2 });
});

afterAll(async () => {
  await t?.stop();
});

beforeEach(async () => {
  await t.admin.reset();
  await t.admin.seed(seed);
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function failure(promise: Promise<unknown>): Promise<RestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRestError(error)).toBe(true);
  return error as RestError;
}

describe('Key Vault vaults (@azure/arm-keyvault 5.0.0)', () => {
  it('vaults.get answers the vault with every setting the review reads', async () => {
    // Act
    const vault = await t.clients.keyVault(SUB).vaults.get(RG, 'kv-rbac');

    // Assert
    expect(vault).toMatchObject({
      id: vaultIdOf('kv-rbac'),
      name: 'kv-rbac',
      type: 'Microsoft.KeyVault/vaults',
      properties: {
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: true,
        publicNetworkAccess: 'Disabled',
        networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: [{ value: '203.0.113.0/24' }] },
        vaultUri: 'https://kv-rbac.vault.azure.net:8443/',
        accessPolicies: [],
      },
    });
  });

  it('leaves out what ARM leaves out: an access-policy vault without enableRbacAuthorization, retention or purge protection', async () => {
    const vault = await t.clients.keyVault(SUB).vaults.get(RG, 'kv-policies');

    expect(vault.properties.enableRbacAuthorization).toBeUndefined();
    expect(vault.properties.enablePurgeProtection).toBeUndefined();
    expect(vault.properties.softDeleteRetentionInDays).toBeUndefined();
    expect(vault.properties.enableSoftDelete).toBe(false);
    expect(vault.properties.accessPolicies).toEqual([{ tenantId: expect.any(String), objectId: principal(9), applicationId: principal(10), permissions: { secrets: ['get', 'list', 'purge'], keys: ['Get'], certificates: [] } }]);
    expect(vault.properties.vaultUri).toBe('https://kv-policies.vault.azure.net/');
  });

  it('listBySubscription pages with nextLink and stays within the subscription', async () => {
    const before = (await t.admin.counts()).operations['vaults.listBySubscription'];

    const names = (await collect(t.clients.keyVault(SUB).vaults.listBySubscription())).map((v) => v.name).sort();

    expect(names).toEqual(['kv-five', 'kv-four', 'kv-policies', 'kv-rbac', 'kv-three']);
    // Five vaults, pages of two: three requests, the last two by nextLink.
    expect((await t.admin.counts()).operations['vaults.listBySubscription'] - before).toBe(3);
    const pages = await collect(t.clients.keyVault(SUB).vaults.listBySubscription().byPage());
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
  });

  it('listBySubscription honours $top as the page size', async () => {
    const pages = await collect(t.clients.keyVault(SUB).vaults.listBySubscription({ top: 1 }).byPage());
    expect(pages.map((page) => page.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('listByResourceGroup lists one group', async () => {
    const names = (await collect(t.clients.keyVault(SUB).vaults.listByResourceGroup('rg-other'))).map((v) => v.name).sort();
    expect(names).toEqual(['kv-five', 'kv-four']);
  });

  it.each([
    ['a vault that does not exist', SUB, RG, 'kv-missing', 'ResourceNotFound', /The Resource 'Microsoft\.KeyVault\/vaults\/kv-missing' under resource group 'rg-vaults' was not found/],
    ['a resource group that does not exist', SUB, 'rg-missing', 'kv-rbac', 'ResourceGroupNotFound', /Resource group 'rg-missing' could not be found/],
    ['a subscription that does not exist', '99999999-0000-4000-8000-000000000009', RG, 'kv-rbac', 'SubscriptionNotFound', /The subscription '99999999-0000-4000-8000-000000000009' could not be found/],
  ])('404 for %s, with ARM code and message', async (_what, sub, group, name, code, message) => {
    const error = await failure(t.clients.keyVault(sub).vaults.get(group, name));
    expect({ status: error.statusCode, code: error.code }).toEqual({ status: 404, code });
    expect(error.message).toMatch(message);
  });
});

describe('role assignments (@azure/arm-authorization 9.0.0, api-version 2022-04-01)', () => {
  it("listForScope with atScope() answers the vault's own and every inherited assignment, and nothing below or beside it", async () => {
    const assignments = await collect(t.clients.authorization(SUB).roleAssignments.listForScope(vaultIdOf('kv-rbac').slice(1), { filter: 'atScope()' }));

    expect(assignments.map((a) => [a.scope, a.principalId, a.principalType]).sort()).toEqual(
      [
        ['/', principal(5), 'User'],
        ['/providers/Microsoft.Management/managementGroups/mg-root', principal(4), 'Group'],
        [`/subscriptions/${SUB}`, principal(3), 'Group'],
        [`/subscriptions/${SUB}/resourceGroups/${RG}`, principal(2), 'User'],
        [vaultIdOf('kv-rbac'), principal(1), 'ServicePrincipal'],
      ].sort(),
    );
    const own = assignments.find((a) => a.principalId === principal(1))!;
    expect(own).toMatchObject({
      id: `${vaultIdOf('kv-rbac')}/providers/Microsoft.Authorization/roleAssignments/${own.name}`,
      type: 'Microsoft.Authorization/roleAssignments',
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_USER}`,
    });
    expect(assignments.find((a) => a.principalId === principal(5))!.condition).toContain('kv-rbac');
  });

  it('pages by nextLink ($skipToken): five assignments in pages of two', async () => {
    const pages = await collect(t.clients.authorization(SUB).roleAssignments.listForScope(vaultIdOf('kv-rbac').slice(1), { filter: 'atScope()' }).byPage());
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
  });

  it('without a filter, a resource group scope also lists what lies below it', async () => {
    const scopes = (await collect(t.clients.authorization(SUB).roleAssignments.listForScope(`subscriptions/${SUB}/resourceGroups/${RG}`))).map((a) => a.scope);
    expect(scopes).toContain(vaultIdOf('kv-three'));
    expect(scopes).toContain(vaultIdOf('kv-rbac'));
    expect(scopes).not.toContain(`/subscriptions/${SUB}/resourceGroups/rg-other`);
  });

  it("filters by principal: principalId eq '<id>' and assignedTo('<id>')", async () => {
    const byId = await collect(t.clients.authorization(SUB).roleAssignments.listForScope(`subscriptions/${SUB}`, { filter: `principalId eq '${principal(1)}'` }));
    expect(byId.map((a) => a.principalId)).toEqual([principal(1)]);
    const assigned = await collect(t.clients.authorization(SUB).roleAssignments.listForScope(vaultIdOf('kv-rbac').slice(1), { filter: `atScope() and assignedTo('${principal(3)}')` }));
    expect(assigned.map((a) => a.principalId)).toEqual([principal(3)]);
  });

  it('refuses a filter ARM does not support with 400', async () => {
    const error = await failure(collect(t.clients.authorization(SUB).roleAssignments.listForScope(`subscriptions/${SUB}`, { filter: "roleName eq 'Owner'" })));
    expect({ status: error.statusCode, code: error.code }).toEqual({ status: 400, code: 'InvalidFilterParameter' });
  });

  it('answers 404 for the assignments of a vault that does not exist', async () => {
    const error = await failure(collect(t.clients.authorization(SUB).roleAssignments.listForScope(vaultIdOf('kv-gone').slice(1), { filter: 'atScope()' })));
    expect({ status: error.statusCode, code: error.code }).toEqual({ status: 404, code: 'ResourceNotFound' });
  });
});

describe('role definitions', () => {
  it.each(BUILT_IN_ROLES.map((role) => [role.roleName, role] as const))('roleDefinitions.get finds %s at a vault scope, with its real id and permissions', async (_name, role) => {
    const definition = await t.clients.authorization(SUB).roleDefinitions.get(vaultIdOf('kv-rbac').slice(1), role.id);
    expect(definition).toMatchObject({
      id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role.id}`,
      name: role.id,
      roleName: role.roleName,
      roleType: 'BuiltInRole',
      assignableScopes: ['/'],
      permissions: [{ actions: role.permissions[0]!.actions, notActions: role.permissions[0]!.notActions, dataActions: role.permissions[0]!.dataActions, notDataActions: role.permissions[0]!.notDataActions }],
    });
  });

  it('finds a custom role only where it is assignable', async () => {
    const found = await t.clients.authorization(SUB).roleDefinitions.get(vaultIdOf('kv-three').slice(1), CUSTOM);
    expect(found).toMatchObject({ roleName: 'Vault Poker', roleType: 'CustomRole' });
    const error = await failure(t.clients.authorization(OTHER_SUB).roleDefinitions.get(vaultIdOf('kv-elsewhere', RG, OTHER_SUB).slice(1), CUSTOM));
    expect({ status: error.statusCode, code: error.code }).toEqual({ status: 404, code: 'RoleDefinitionDoesNotExist' });
  });

  it('answers RoleDefinitionDoesNotExist for an unknown id', async () => {
    const error = await failure(t.clients.authorization(SUB).roleDefinitions.get(`subscriptions/${SUB}`, '44444444-0000-4000-8000-000000000000'));
    expect({ status: error.statusCode, code: error.code }).toEqual({ status: 404, code: 'RoleDefinitionDoesNotExist' });
    expect(error.message).toContain("The specified role definition with ID '44444444-0000-4000-8000-000000000000' does not exist.");
  });

  it("lists a scope's roles, filtered by name", async () => {
    const owners = await collect(t.clients.authorization(SUB).roleDefinitions.list(`subscriptions/${SUB}`, { filter: "roleName eq 'Owner'" }));
    expect(owners.map((r) => r.name)).toEqual([OWNER]);
  });
});

describe('diagnostic settings (core-client ServiceClient, api-version 2021-05-01-preview)', () => {
  const list = (resourceId: string, apiVersion = '2021-05-01-preview') =>
    t.clients.service.sendRequest(createPipelineRequest({ url: `${t.arm.baseUrl}${resourceId}/providers/Microsoft.Insights/diagnosticSettings?api-version=${apiVersion}`, method: 'GET' }));

  it("lists a vault's settings in ARM's shape", async () => {
    const response = await list(vaultIdOf('kv-rbac'));
    expect(response.status).toBe(200);
    const body = JSON.parse(response.bodyAsText!);
    expect(body.value).toHaveLength(2);
    expect(body.value.find((s: { name: string }) => s.name === 'audit')).toEqual({
      id: `${vaultIdOf('kv-rbac')}/providers/microsoft.insights/diagnosticSettings/audit`,
      type: 'Microsoft.Insights/diagnosticSettings',
      name: 'audit',
      properties: {
        storageAccountId: null,
        serviceBusRuleId: null,
        workspaceId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log',
        eventHubAuthorizationRuleId: null,
        eventHubName: null,
        metrics: [{ category: 'AllMetrics', enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
        logs: [{ category: null, categoryGroup: 'audit', enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
        logAnalyticsDestinationType: null,
      },
    });
  });

  it('answers an empty list for a vault without settings, 404 for no vault, 400 for an unknown api-version', async () => {
    expect(JSON.parse((await list(vaultIdOf('kv-three'))).bodyAsText!)).toEqual({ value: [] });
    const missing = await list(vaultIdOf('kv-gone'));
    expect({ status: missing.status, code: JSON.parse(missing.bodyAsText!).error.code }).toEqual({ status: 404, code: 'ResourceNotFound' });
    const version = await list(vaultIdOf('kv-rbac'), '2099-01-01');
    expect({ status: version.status, code: JSON.parse(version.bodyAsText!).error.code }).toEqual({ status: 400, code: 'InvalidApiVersionParameter' });
  });
});

describe('authentication', () => {
  it("answers a request without Authorization 401 AuthenticationFailed with ARM's challenge, and counts it", async () => {
    const before = (await t.admin.counts()).unauthenticated;
    const response = await rawRequest(t.arm, { path: `${vaultIdOf('kv-rbac')}?api-version=2023-07-01` });
    expect(response.status).toBe(401);
    expect(response.json).toEqual({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } });
    expect(response.headers['www-authenticate']).toMatch(/^Bearer authorization_uri="https:\/\/login\.windows\.net\/", error="invalid_token"/);
    expect((await t.admin.counts()).unauthenticated).toBe(before + 1);
  });

  it('answers another scheme 401 AuthenticationFailedInvalidHeader', async () => {
    const response = await rawRequest(t.arm, { path: `${vaultIdOf('kv-rbac')}?api-version=2023-07-01`, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
    expect({ status: response.status, code: response.json.error.code }).toEqual({ status: 401, code: 'AuthenticationFailedInvalidHeader' });
  });

  it('a real client whose credential yields an empty token gets RestError 401, and nothing is served', async () => {
    const empty = { getToken: async () => ({ token: '', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const client = new AuthorizationManagementClient(empty, SUB, { endpoint: t.arm.baseUrl, agent: armStandInAgent({ caCertPath: t.arm.caCertPath, address: t.arm.host }) });
    const before = (await t.admin.counts()).operations['roleAssignments.listForScope'];
    const error = await failure(collect(client.roleAssignments.listForScope(`subscriptions/${SUB}`)));
    expect(error.statusCode).toBe(401);
    expect((await t.admin.counts()).operations['roleAssignments.listForScope']).toBe(before);
  });
});

describe('api-version', () => {
  it('is required (400 MissingApiVersionParameter) and checked per resource type', async () => {
    const missing = await rawRequest(t.arm, { path: vaultIdOf('kv-rbac'), headers: { authorization: 'Bearer local' } });
    expect({ status: missing.status, code: missing.json.error.code }).toEqual({ status: 400, code: 'MissingApiVersionParameter' });
    const wrong = await rawRequest(t.arm, { path: `${vaultIdOf('kv-rbac')}?api-version=2022-04-01`, headers: { authorization: 'Bearer local' } });
    expect({ status: wrong.status, code: wrong.json.error.code }).toEqual({ status: 400, code: 'InvalidApiVersionParameter' });
    const encoded = await rawRequest(t.arm, { path: `${vaultIdOf('kv-rbac')}?api%2Dversion=2023-07-01`, headers: { authorization: 'Bearer local' } });
    expect(encoded.status).toBe(200);
  });

  it('answers a write 405 and an unknown path 404 InvalidResourceType', async () => {
    const write = await rawRequest(t.arm, { method: 'PUT', path: `${vaultIdOf('kv-rbac')}?api-version=2023-07-01`, headers: { authorization: 'Bearer local' } });
    expect({ status: write.status, code: write.json.error.code }).toEqual({ status: 405, code: 'MethodNotAllowed' });
    const unknown = await rawRequest(t.arm, { path: `/subscriptions/${SUB}/providers/Microsoft.Storage/storageAccounts?api-version=2023-01-01`, headers: { authorization: 'Bearer local' } });
    expect({ status: unknown.status, code: unknown.json.error.code }).toEqual({ status: 404, code: 'InvalidResourceType' });
  });
});

describe('faults', () => {
  it('a 503 the SDK retries is survived, and counted as a fault', async () => {
    await t.admin.injectFault({ operation: 'vaults.get', status: 503, count: 1 });
    const vault = await t.clients.keyVault(SUB).vaults.get(RG, 'kv-rbac');
    expect(vault.name).toBe('kv-rbac');
    const counts = await t.admin.counts();
    expect(counts.faults).toBe(1);
    expect(counts.operations['vaults.get']).toBe(1);
  });

  it('a 403 reaches the caller with its code', async () => {
    await t.admin.injectFault({ operation: 'roleAssignments.listForScope', status: 403 });
    const error = await failure(collect(t.clients.authorization(SUB).roleAssignments.listForScope(vaultIdOf('kv-rbac').slice(1), { filter: 'atScope()' })));
    expect({ status: error.statusCode, code: error.code }).toEqual({ status: 403, code: 'AuthorizationFailed' });
  });

  it('latency delays the answer; a dropped connection past the retries fails the call', async () => {
    await t.admin.injectFault({ operation: 'roleDefinitions.get', latencyInMs: 300 });
    const started = Date.now();
    await t.clients.authorization(SUB).roleDefinitions.get(`subscriptions/${SUB}`, READER);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    await t.admin.injectFault({ operation: 'vaults.get', dropConnection: true, count: 10 });
    await expect(t.clients.keyVault(SUB).vaults.get(RG, 'kv-rbac')).rejects.toThrow();
    await t.admin.clearFaults();
  });

  it('refuses a fault without an effect (400 InvalidFault)', async () => {
    await expect(t.admin.injectFault({ operation: 'vaults.get' })).rejects.toMatchObject({ status: 400, code: 'InvalidFault' });
  });
});

describe('admin API', () => {
  it('refuses a bad seed naming each field, and stores none of it', async () => {
    const error = await t.admin
      .seed({
        vaults: [{ subscriptionId: SUB, resourceGroup: RG, name: 'kv-new' }],
        roleAssignments: [{ scope: '/subscriptions/not-a-guid/x', roleDefinitionId: '55555555-0000-4000-8000-000000000000', principalId: principal(1), principalType: 'User' }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArmAdminError);
    expect((error as ArmAdminError).details.map((d) => d.path).sort()).toEqual(['roleAssignments[0].roleDefinitionId', 'roleAssignments[0].scope']);
    await expect(t.clients.keyVault(SUB).vaults.get(RG, 'kv-new')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('counts each operation by the SDK method that sends it', async () => {
    await t.clients.keyVault(SUB).vaults.get(RG, 'kv-rbac');
    await t.clients.authorization(SUB).roleDefinitions.get(`subscriptions/${SUB}`, READER);
    const counts = await t.admin.counts();
    expect(counts.operations).toMatchObject({ 'vaults.get': 1, 'roleDefinitions.get': 1, 'roleAssignments.listForScope': 0 });
  });
});
