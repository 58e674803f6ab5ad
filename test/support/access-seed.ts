/**
 * A seed for the ARM stand-in with every kind of access finding and every vault-settings
 * violation, each vault breaking exactly what its name says, plus the expected findings:
 * the e2e suites assert the reports find exactly these, no more (no false positive on a
 * compliant vault) and no fewer.
 */
import type { ArmSeed } from '../../src/local/arm/index.js';
import { EMULATOR_SUBSCRIPTION_ID } from '../../src/local/keyvault-emulator/index.js';

export const ACCESS_SUB = '44444444-0000-4000-8000-000000000002';
export const SETTINGS_SUB = '44444444-0000-4000-8000-000000000003';
/** A subscription of its own for the PIM, group and deny-assignment vault, so nothing above the other vaults reaches it. */
export const PIM_SUB = '44444444-0000-4000-8000-000000000004';
export const PIM_RG = 'rg-pim';
export const ACCESS_RG = 'rg-findings';
export const SETTINGS_RG = 'rg-settings';

export const vaultId = (sub: string, group: string, name: string): string => `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${name}`;
export const id = (n: number): string => `55555555-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const ROLE = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  rbacAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
  keyVaultAdministrator: '00482a5a-887f-4fb3-b363-3b7fe8e74483',
  keyVaultContributor: 'f25e0fa2-a7c8-4377-a976-54943a77a395',
  keyVaultDataAccessAdministrator: '8b54135c-b56d-4d72-a534-26097cfdc8d8',
  secretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  secretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  keyVaultReader: '21090545-7ca7-4776-b22c-e363652d74d2',
} as const;

export const RBAC_VAULT = vaultId(ACCESS_SUB, ACCESS_RG, 'kv-access-rbac');
export const POLICY_VAULT = vaultId(ACCESS_SUB, ACCESS_RG, 'kv-access-policies');
export const PIM_VAULT = vaultId(PIM_SUB, PIM_RG, 'kv-access-pim');
/** Entra's Everyone in a deny assignment. */
export const EVERYONE = '00000000-0000-0000-0000-000000000000';
const inHours = (n: number): string => new Date(Date.now() + n * 3_600_000).toISOString();

const WORKSPACE = '/subscriptions/44444444-0000-4000-8000-000000000009/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/log';

/** Breaks no vault-settings rule unless overridden. */
function compliantVault(sub: string, group: string, name: string, overrides: Record<string, unknown> = {}): NonNullable<ArmSeed['vaults']>[number] {
  return { subscriptionId: sub, resourceGroup: group, name, enableRbacAuthorization: true, enableSoftDelete: true, softDeleteRetentionInDays: 90, enablePurgeProtection: true, publicNetworkAccess: 'Enabled', networkAcls: { defaultAction: 'Deny' }, ...overrides };
}

const audit = (resourceId: string): NonNullable<ArmSeed['diagnosticSettings']>[number] => ({ resourceId, name: 'audit', workspaceId: WORKSPACE, logs: [{ category: 'AuditEvent', enabled: true }] });

/** Vault-settings vaults: each breaks exactly the rule in its name (none for kv-settings-ok). */
export const SETTINGS_VAULTS = {
  'kv-no-soft-delete': ['vault.soft-delete'],
  'kv-short-retention': ['vault.soft-delete-retention'],
  'kv-no-purge-protect': ['vault.purge-protection'],
  'kv-public': ['vault.network-access'],
  'kv-no-audit': ['vault.audit-diagnostics'],
  'kv-audit-off': ['vault.audit-diagnostics'],
  'kv-audit-nowhere': ['vault.audit-diagnostics'],
  'kv-settings-ok': [],
} as const;

export function accessSeed(appPrincipalId: string): ArmSeed {
  const settingsId = (name: string) => vaultId(SETTINGS_SUB, SETTINGS_RG, name);
  return {
    subscriptions: [{ subscriptionId: ACCESS_SUB, managementGroups: ['mg-corp'] }, { subscriptionId: SETTINGS_SUB }, { subscriptionId: PIM_SUB }],
    vaults: [
      compliantVault(ACCESS_SUB, ACCESS_RG, 'kv-access-rbac'),
      compliantVault(ACCESS_SUB, ACCESS_RG, 'kv-access-policies', {
        enableRbacAuthorization: false,
        accessPolicies: [
          { objectId: id(21), permissions: { secrets: ['get', 'list', 'purge'] } },
          { objectId: id(22), applicationId: id(23), permissions: { secrets: ['get', 'set', 'delete'] } },
          { objectId: id(24), permissions: { secrets: ['all'] } },
          { objectId: appPrincipalId, permissions: { secrets: ['get', 'list'] } },
          { objectId: id(14), permissions: { secrets: ['backup'] } },
          { objectId: id(25), permissions: { secrets: ['get', 'list'] } },
        ],
      }),
      compliantVault(PIM_SUB, PIM_RG, 'kv-access-pim'),
      compliantVault(SETTINGS_SUB, SETTINGS_RG, 'kv-no-soft-delete', { enableSoftDelete: false, softDeleteRetentionInDays: null }),
      compliantVault(SETTINGS_SUB, SETTINGS_RG, 'kv-short-retention', { softDeleteRetentionInDays: 7 }),
      compliantVault(SETTINGS_SUB, SETTINGS_RG, 'kv-no-purge-protect', { enablePurgeProtection: null }),
      compliantVault(SETTINGS_SUB, SETTINGS_RG, 'kv-public', { networkAcls: null }),
      compliantVault(SETTINGS_SUB, SETTINGS_RG, 'kv-no-audit'),
      compliantVault(SETTINGS_SUB, SETTINGS_RG, 'kv-audit-off'),
      compliantVault(SETTINGS_SUB, SETTINGS_RG, 'kv-audit-nowhere'),
      // Compliant another way: no public network access at all, and the allLogs category group.
      compliantVault(SETTINGS_SUB, SETTINGS_RG, 'kv-settings-ok', { publicNetworkAccess: 'Disabled', networkAcls: null }),
    ],
    diagnosticSettings: [
      audit(RBAC_VAULT),
      audit(POLICY_VAULT),
      audit(PIM_VAULT),
      ...['kv-no-soft-delete', 'kv-short-retention', 'kv-no-purge-protect', 'kv-public'].map((name) => audit(settingsId(name))),
      { resourceId: settingsId('kv-audit-off'), name: 'metrics-only', workspaceId: WORKSPACE, logs: [{ category: 'AuditEvent', enabled: false }], metrics: [{ category: 'AllMetrics', enabled: true }] },
      { resourceId: settingsId('kv-audit-nowhere'), name: 'no-destination', logs: [{ categoryGroup: 'audit', enabled: true }] },
      { resourceId: settingsId('kv-settings-ok'), name: 'everything', workspaceId: WORKSPACE, logs: [{ categoryGroup: 'allLogs', enabled: true }] },
    ],
    roleAssignments: [
      { name: id(101), scope: `/subscriptions/${ACCESS_SUB}/resourceGroups/${ACCESS_RG}`, roleDefinitionId: ROLE.secretsUser, principalId: id(1), principalType: 'Group' },
      { name: id(102), scope: `/subscriptions/${ACCESS_SUB}`, roleDefinitionId: ROLE.owner, principalId: id(2), principalType: 'User' },
      { name: id(103), scope: '/providers/Microsoft.Management/managementGroups/mg-corp', roleDefinitionId: ROLE.keyVaultReader, principalId: id(3), principalType: 'Group' },
      { name: id(104), scope: RBAC_VAULT, roleDefinitionId: ROLE.keyVaultAdministrator, principalId: id(4), principalType: 'User' },
      { name: id(105), scope: RBAC_VAULT, roleDefinitionId: ROLE.secretsOfficer, principalId: id(5), principalType: 'User' },
      { name: id(106), scope: RBAC_VAULT, roleDefinitionId: ROLE.keyVaultDataAccessAdministrator, principalId: id(6), principalType: 'ServicePrincipal' },
      { name: id(107), scope: RBAC_VAULT, roleDefinitionId: ROLE.userAccessAdministrator, principalId: id(7), principalType: 'Group' },
      { name: id(108), scope: RBAC_VAULT, roleDefinitionId: ROLE.secretsUser, principalId: id(8), principalType: 'ServicePrincipal' },
      { name: id(109), scope: RBAC_VAULT, roleDefinitionId: ROLE.secretsOfficer, principalId: appPrincipalId, principalType: 'ServicePrincipal' },
      { name: id(110), scope: RBAC_VAULT, roleDefinitionId: ROLE.reader, principalId: appPrincipalId, principalType: 'ServicePrincipal' },
      { name: id(111), scope: `/subscriptions/${ACCESS_SUB}/resourceGroups/${ACCESS_RG}`, roleDefinitionId: ROLE.contributor, principalId: appPrincipalId, principalType: 'ServicePrincipal' },
      { name: id(112), scope: POLICY_VAULT, roleDefinitionId: ROLE.keyVaultContributor, principalId: id(12), principalType: 'Group' },
      // At the root: Reader everywhere, the compliant vaults included, and no finding anywhere.
      { name: id(113), scope: '/', roleDefinitionId: ROLE.reader, principalId: id(13), principalType: 'User' },
      { name: id(114), scope: POLICY_VAULT, roleDefinitionId: ROLE.rbacAdministrator, principalId: id(14), principalType: 'ServicePrincipal' },
      // A secrets reader on the compliant vault: least privilege, no finding.
      { name: id(115), scope: vaultId(EMULATOR_SUBSCRIPTION_ID, 'rg-keyvault-emulator', 'kv-app-local'), roleDefinitionId: ROLE.secretsUser, principalId: id(15), principalType: 'ServicePrincipal' },
      // kv-access-pim: a PIM activation (no finding), the same role assigned directly (a finding), one with an end date, a group holding it, a group reading.
      { name: id(131), scope: PIM_VAULT, roleDefinitionId: ROLE.secretsOfficer, principalId: id(31), principalType: 'User', assignmentType: 'Activated', startDateTime: inHours(-1), endDateTime: inHours(7) },
      { name: id(132), scope: PIM_VAULT, roleDefinitionId: ROLE.secretsOfficer, principalId: id(32), principalType: 'User' },
      { name: id(133), scope: PIM_VAULT, roleDefinitionId: ROLE.keyVaultAdministrator, principalId: id(33), principalType: 'User', endDateTime: inHours(24 * 30) },
      { name: id(134), scope: PIM_VAULT, roleDefinitionId: ROLE.secretsOfficer, principalId: id(34), principalType: 'Group' },
      { name: id(135), scope: PIM_VAULT, roleDefinitionId: ROLE.secretsUser, principalId: id(35), principalType: 'Group' },
    ],
    roleEligibilities: [
      { name: id(141), scope: `/subscriptions/${PIM_SUB}`, roleDefinitionId: ROLE.owner, principalId: id(36), principalType: 'User', endDateTime: inHours(24 * 180) },
      { name: id(142), scope: PIM_VAULT, roleDefinitionId: ROLE.secretsOfficer, principalId: id(37), principalType: 'User' },
    ],
    denyAssignments: [
      {
        name: id(151),
        scope: PIM_VAULT,
        denyAssignmentName: 'Secrets for the break-glass user only',
        permissions: [{ dataActions: ['Microsoft.KeyVault/vaults/secrets/*'] }],
        principals: [{ id: EVERYONE, type: 'SystemDefined' }],
        excludePrincipals: [{ id: id(32), type: 'User' }],
      },
    ],
  };
}

/** [rule, vault, the assignment's name or the access policy's object id]. */
export type ExpectedFinding = [rule: string, vault: string, subject: string];

const ra = (scopeOf: string, n: number): string => `${scopeOf}/providers/Microsoft.Authorization/roleAssignments/${id(n)}`;
const rg = `/subscriptions/${ACCESS_SUB}/resourceGroups/${ACCESS_RG}`;
const sub = `/subscriptions/${ACCESS_SUB}`;
const mg = '/providers/Microsoft.Management/managementGroups/mg-corp';
export const ELIGIBLE_OWNER = `/subscriptions/${PIM_SUB}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/${id(141)}`;

export const EXPECTED_ACCESS_FINDINGS: ExpectedFinding[] = [
  // kv-access-rbac
  ['access.inherited-data-access', 'kv-access-rbac', ra(rg, 101)],
  ['access.broad-role', 'kv-access-rbac', ra(sub, 102)],
  ['access.inherited-role-assignment-write', 'kv-access-rbac', ra(sub, 102)],
  ['access.inherited-data-access', 'kv-access-rbac', ra(mg, 103)],
  ['access.broad-role', 'kv-access-rbac', ra(RBAC_VAULT, 104)],
  ['access.user-standing-secret-admin', 'kv-access-rbac', ra(RBAC_VAULT, 104)],
  ['access.user-standing-secret-admin', 'kv-access-rbac', ra(RBAC_VAULT, 105)],
  ['access.broad-role', 'kv-access-rbac', ra(RBAC_VAULT, 106)],
  ['access.broad-role', 'kv-access-rbac', ra(RBAC_VAULT, 107)],
  ['access.broad-role', 'kv-access-rbac', ra(rg, 111)],
  ['access.app-identity-excess', 'kv-access-rbac', ra(rg, 111)],
  // kv-access-policies: the inherited ones again, vaults/write where it grants access, and the policies
  ['access.inherited-data-access', 'kv-access-policies', ra(rg, 101)],
  ['access.broad-role', 'kv-access-policies', ra(sub, 102)],
  ['access.inherited-role-assignment-write', 'kv-access-policies', ra(sub, 102)],
  ['access.access-policy-vault-write', 'kv-access-policies', ra(sub, 102)],
  ['access.inherited-data-access', 'kv-access-policies', ra(mg, 103)],
  ['access.broad-role', 'kv-access-policies', ra(rg, 111)],
  ['access.app-identity-excess', 'kv-access-policies', ra(rg, 111)],
  ['access.access-policy-vault-write', 'kv-access-policies', ra(rg, 111)],
  ['access.access-policy-vault-write', 'kv-access-policies', ra(POLICY_VAULT, 112)],
  ['access.broad-role', 'kv-access-policies', ra(POLICY_VAULT, 114)],
  ['access.access-policy-purge', 'kv-access-policies', `kv-access-policies/accessPolicies/${id(21)}`],
  ['access.access-policy-application-write', 'kv-access-policies', `kv-access-policies/accessPolicies/${id(22)}/${id(23)}`],
  ['access.access-policy-purge', 'kv-access-policies', `kv-access-policies/accessPolicies/${id(24)}`],
  ['access.access-policy-application-write', 'kv-access-policies', `kv-access-policies/accessPolicies/${id(14)}`],
  // kv-access-pim: not 131 (a PIM activation), not 135 (a group reading), not 142 (Secrets Officer eligible)
  ['access.user-standing-secret-admin', 'kv-access-pim', ra(PIM_VAULT, 132)],
  ['access.broad-role', 'kv-access-pim', ra(PIM_VAULT, 133)],
  ['access.user-standing-secret-admin', 'kv-access-pim', ra(PIM_VAULT, 133)],
  ['access.group-secret-admin', 'kv-access-pim', ra(PIM_VAULT, 134)],
  ['access.eligible-broad-role', 'kv-access-pim', ELIGIBLE_OWNER],
];

export const EXPECTED_VAULT_FINDINGS: Array<[rule: string, vault: string]> = [
  ['vault.rbac-permission-model', 'kv-access-policies'],
  ...Object.entries(SETTINGS_VAULTS).flatMap(([vault, rules]) => rules.map((rule): [string, string] => [rule, vault])),
];

/** Every vault the seed makes, for GOVERNED_VAULT_RESOURCE_IDS (the emulator's own two are added by the caller). */
export function seededVaultIds(): string[] {
  return [RBAC_VAULT, POLICY_VAULT, PIM_VAULT, ...Object.keys(SETTINGS_VAULTS).map((name) => vaultId(SETTINGS_SUB, SETTINGS_RG, name))];
}
