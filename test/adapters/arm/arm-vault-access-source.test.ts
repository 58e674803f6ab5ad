/**
 * ArmVaultAccessSource over the ARM stand-in with the real clients: what the review reads,
 * mapped as the port says, and ARM's failures as the domain's errors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArmVaultAccessSource } from '../../../src/adapters/arm/arm-vault-access-source.js';
import { NotFoundError, PermanentDependencyError, TransientDependencyError } from '../../../src/core/errors.js';
import { principal, RG, startTestArm, SUB, vaultIdOf, type TestArm } from '../../local/arm/support.js';

let t: TestArm;
let source: ArmVaultAccessSource;
const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';

beforeAll(async () => {
  t = await startTestArm({ pageSize: 2 });
  source = new ArmVaultAccessSource(t.clients);
});

afterAll(async () => {
  await t?.stop();
});

beforeEach(async () => {
  await t.admin.reset();
  await t.admin.seed({
    subscriptions: [{ subscriptionId: SUB, managementGroups: ['mg-a'] }],
    vaults: [
      { subscriptionId: SUB, resourceGroup: RG, name: 'kv-one', enablePurgeProtection: true, networkAcls: { defaultAction: 'Deny', ipRules: [{ value: '198.51.100.7' }] } },
      { subscriptionId: SUB, resourceGroup: RG, name: 'kv-old', enableRbacAuthorization: null, softDeleteRetentionInDays: null, publicNetworkAccess: null, accessPolicies: [{ objectId: principal(7), permissions: { secrets: ['Get', 'LIST'] } }] },
    ],
    diagnosticSettings: [{ resourceId: vaultIdOf('kv-one'), name: 'audit', workspaceId: '/w', logs: [{ category: 'AuditEvent', enabled: true }, { categoryGroup: 'allLogs', enabled: false }] }],
    roleAssignments: [
      { scope: vaultIdOf('kv-one'), roleDefinitionId: SECRETS_USER, principalId: principal(1), principalType: 'ServicePrincipal' },
      { scope: vaultIdOf('kv-one'), roleDefinitionId: SECRETS_USER, principalId: principal(2), principalType: 'Group' },
      { scope: `/subscriptions/${SUB}`, roleDefinitionId: OWNER, principalId: principal(3), principalType: 'User' },
      { scope: '/providers/Microsoft.Management/managementGroups/mg-a', roleDefinitionId: OWNER, principalId: principal(4), principalType: 'ForeignGroup' },
      { scope: '/', roleDefinitionId: SECRETS_USER, principalId: principal(5), principalType: 'Device' },
    ],
  });
});

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('ArmVaultAccessSource', () => {
  it('reads a vault as the port describes it, leaving absent what ARM leaves out', async () => {
    expect(await source.getVault(vaultIdOf('kv-one'))).toEqual({
      resourceId: vaultIdOf('kv-one'),
      name: 'kv-one',
      vaultUri: 'https://kv-one.vault.azure.net/',
      enableRbacAuthorization: true,
      accessPolicies: [],
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      publicNetworkAccess: 'Enabled',
      networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices', ipRules: ['198.51.100.7'], virtualNetworkRules: [] },
    });
    const old = await source.getVault(vaultIdOf('kv-old'));
    expect(old).not.toHaveProperty('enableRbacAuthorization');
    expect(old).not.toHaveProperty('enablePurgeProtection');
    expect(old).not.toHaveProperty('publicNetworkAccess');
    expect(old.accessPolicies).toEqual([{ tenantId: expect.any(String), objectId: principal(7), permissions: { secrets: ['get', 'list'], keys: [], certificates: [] } }]);
  });

  it('reads diagnostic settings with their log categories and destinations', async () => {
    expect(await source.listDiagnosticSettings(vaultIdOf('kv-one'))).toEqual([
      { name: 'audit', workspaceId: '/w', logs: [{ category: 'AuditEvent', enabled: true }, { categoryGroup: 'allLogs', enabled: false }] },
    ]);
    expect(await source.listDiagnosticSettings(vaultIdOf('kv-old'))).toEqual([]);
  });

  it('lists every assignment at and above the vault, over pages, each with its definition read once per role', async () => {
    const before = (await t.admin.counts()).operations;
    const assignments = await all(source.listRoleAssignments(vaultIdOf('kv-one')));
    const after = (await t.admin.counts()).operations;

    expect(assignments.map((a) => [a.principalType, a.roleDefinition.roleName, a.scope]).sort()).toEqual(
      [
        ['Device', 'Key Vault Secrets User', '/'],
        ['ForeignGroup', 'Owner', '/providers/Microsoft.Management/managementGroups/mg-a'],
        ['Group', 'Key Vault Secrets User', vaultIdOf('kv-one')],
        ['ServicePrincipal', 'Key Vault Secrets User', vaultIdOf('kv-one')],
        ['User', 'Owner', `/subscriptions/${SUB}`],
      ].sort(),
    );
    expect(assignments[0]!.roleDefinition.permissions.length).toBe(1);
    expect(after['roleAssignments.listForScope'] - before['roleAssignments.listForScope']).toBe(3);
    expect(after['roleDefinitions.get'] - before['roleDefinitions.get']).toBe(2);
  });

  it.each([
    ['404', { status: 404 }, NotFoundError],
    ['403', { status: 403 }, PermanentDependencyError],
    ['503 that outlasts the retries', { status: 503, count: 10 }, TransientDependencyError],
  ] as const)('turns %s into the domain error, with no request in it', async (_what, fault, type) => {
    await t.admin.injectFault({ operation: 'vaults.get', ...fault });
    const error = await source.getVault(vaultIdOf('kv-one')).catch((e: unknown) => e);
    await t.admin.clearFaults();
    expect(error).toBeInstanceOf(type);
    expect(JSON.stringify(error)).not.toContain('authorization');
  });

  it('turns a missing vault into NotFoundError for every read', async () => {
    await expect(source.getVault(vaultIdOf('kv-none'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(source.listDiagnosticSettings(vaultIdOf('kv-none'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(all(source.listRoleAssignments(vaultIdOf('kv-none')))).rejects.toBeInstanceOf(NotFoundError);
    await expect(all(source.listActiveAssignmentSchedules(vaultIdOf('kv-none')))).rejects.toBeInstanceOf(NotFoundError);
    await expect(all(source.listEligibleAssignments(vaultIdOf('kv-none')))).rejects.toBeInstanceOf(NotFoundError);
    await expect(all(source.listDenyAssignments(vaultIdOf('kv-none')))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('ArmVaultAccessSource: PIM and deny assignments', () => {
  const SECRETS_OFFICER = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7';
  const hours = (n: number): string => new Date(Date.now() + n * 3_600_000).toISOString();
  const EVERYONE = '00000000-0000-0000-0000-000000000000';

  beforeEach(async () => {
    await t.admin.seed({
      roleAssignments: [
        { name: principal(901), scope: vaultIdOf('kv-one'), roleDefinitionId: SECRETS_OFFICER, principalId: principal(11), principalType: 'User', assignmentType: 'Activated', startDateTime: hours(-1), endDateTime: hours(7) },
        { name: principal(902), scope: vaultIdOf('kv-one'), roleDefinitionId: SECRETS_OFFICER, principalId: principal(12), principalType: 'User', endDateTime: hours(24 * 30) },
        // Ended an hour ago: PIM has removed it, so neither it nor its instance is listed.
        { name: principal(903), scope: vaultIdOf('kv-one'), roleDefinitionId: SECRETS_OFFICER, principalId: principal(13), principalType: 'User', assignmentType: 'Activated', startDateTime: hours(-9), endDateTime: hours(-1) },
      ],
      roleEligibilities: [
        { scope: `/subscriptions/${SUB}`, roleDefinitionId: OWNER, principalId: principal(14), principalType: 'Group', memberType: 'Direct', endDateTime: '2099-01-01T00:00:00Z' },
        { scope: vaultIdOf('kv-one'), roleDefinitionId: SECRETS_OFFICER, principalId: principal(15), principalType: 'User' },
        { scope: vaultIdOf('kv-old'), roleDefinitionId: OWNER, principalId: principal(16), principalType: 'User' },
      ],
      denyAssignments: [
        {
          scope: `/subscriptions/${SUB}/resourceGroups/${RG}`,
          denyAssignmentName: 'Managed application lock',
          permissions: [{ actions: ['*/write'], dataActions: ['Microsoft.KeyVault/vaults/secrets/*'] }],
          principals: [{ id: EVERYONE, type: 'SystemDefined' }],
          excludePrincipals: [{ id: principal(1), type: 'ServicePrincipal' }],
        },
      ],
    });
  });

  it('lists active schedule instances at and above the vault, over pages: assignment type, start, end, and the assignment each stands for', async () => {
    const schedules = await all(source.listActiveAssignmentSchedules(vaultIdOf('kv-one')));
    const assignments = await all(source.listRoleAssignments(vaultIdOf('kv-one')));
    expect(schedules).toHaveLength(assignments.length);
    const byPrincipal = Object.fromEntries(schedules.map((s) => [s.principalId, s]));
    expect(byPrincipal[principal(11)]).toMatchObject({ assignmentType: 'Activated', roleDefinitionId: SECRETS_OFFICER, scope: vaultIdOf('kv-one'), endDateTime: expect.any(Date), startDateTime: expect.any(Date) });
    expect(byPrincipal[principal(12)]).toMatchObject({ assignmentType: 'Assigned', endDateTime: expect.any(Date) });
    expect(byPrincipal[principal(3)]).toMatchObject({ assignmentType: 'Assigned', scope: `/subscriptions/${SUB}`, roleDefinitionId: OWNER });
    expect(byPrincipal[principal(3)]!.endDateTime).toBeUndefined();
    expect(byPrincipal[principal(13)]).toBeUndefined();
    expect(assignments.map((a) => a.principalId)).not.toContain(principal(13));
    for (const schedule of schedules) expect(assignments.map((a) => a.id.toLowerCase())).toContain(schedule.originRoleAssignmentId!.toLowerCase());
  });

  it('lists eligible instances at and above the vault only, with role GUID, member type and end', async () => {
    const eligible = await all(source.listEligibleAssignments(vaultIdOf('kv-one')));
    expect(eligible.map((e) => [e.principalId, e.principalType, e.roleDefinitionId, e.scope, e.memberType, e.endDateTime?.toISOString()]).sort()).toEqual(
      [
        [principal(14), 'Group', OWNER, `/subscriptions/${SUB}`, 'Direct', '2099-01-01T00:00:00.000Z'],
        [principal(15), 'User', SECRETS_OFFICER, vaultIdOf('kv-one'), 'Direct', undefined],
      ].sort(),
    );
  });

  it('lists deny assignments with their permissions and principals, Everyone as SystemDefined', async () => {
    const denies = await all(source.listDenyAssignments(vaultIdOf('kv-one')));
    expect(denies).toEqual([
      expect.objectContaining({
        denyAssignmentName: 'Managed application lock',
        scope: `/subscriptions/${SUB}/resourceGroups/${RG}`,
        doNotApplyToChildScopes: false,
        isSystemProtected: true,
        permissions: [{ actions: ['*/write'], notActions: [], dataActions: ['Microsoft.KeyVault/vaults/secrets/*'], notDataActions: [] }],
        principals: [{ id: EVERYONE, type: 'SystemDefined' }],
        excludePrincipals: [{ id: principal(1), type: 'ServicePrincipal' }],
      }),
    ]);
  });

  it.each([
    ['roleAssignmentScheduleInstances.listForScope', (id: string) => all(source.listActiveAssignmentSchedules(id))],
    ['roleEligibilityScheduleInstances.listForScope', (id: string) => all(source.listEligibleAssignments(id))],
    ['denyAssignments.listForScope', (id: string) => all(source.listDenyAssignments(id))],
  ] as const)('turns a 403 from %s into PermanentDependencyError naming the read', async (operation, read) => {
    await t.admin.injectFault({ operation, status: 403 });
    const error = await read(vaultIdOf('kv-one')).catch((e: unknown) => e);
    await t.admin.clearFaults();
    expect(error).toBeInstanceOf(PermanentDependencyError);
    expect((error as Error).message).toMatch(/answered 403 AuthorizationFailed/);
  });
});
