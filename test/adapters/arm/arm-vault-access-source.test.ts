/**
 * ArmVaultAccessSource over the ARM stand-in with the real clients: what the review reads,
 * mapped as the port says, and ARM's failures as the domain's errors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArmVaultAccessSource } from '../../../src/adapters/arm/arm-vault-access-source.js';
import { NotFoundError, PermanentDependencyError, TransientDependencyError } from '../../../src/core/errors.js';
import type { RoleAssignment } from '../../../src/core/reports/access/ports.js';
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

async function all(iterable: AsyncIterable<RoleAssignment>): Promise<RoleAssignment[]> {
  const items: RoleAssignment[] = [];
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
  });
});
