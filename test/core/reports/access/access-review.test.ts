import { describe, expect, it } from 'vitest';
import { AccessReview } from '../../../../src/core/reports/access/access-review.js';
import { parseAccessReviewQuery } from '../../../../src/core/reports/access/access-query.js';
import { grantsAction, grantsDataAction, isBroad, keyVaultDataAccess } from '../../../../src/core/reports/access/permissions.js';
import type { RoleAssignment, RoleDefinition, VaultProperties } from '../../../../src/core/reports/access/ports.js';
import { ValidationError } from '../../../../src/core/errors.js';
import { BUILT_IN_ROLES } from '../../../../src/local/arm/built-in-roles.js';
import { InMemoryVaultAccess } from '../../../support/in-memory/in-memory-vault-access.js';

const VAULT = '/subscriptions/11111111-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one';
const APP = '99999999-0000-4000-8000-000000000001';
const now = () => new Date('2026-12-06T12:00:00Z');

function role(name: string): RoleDefinition {
  const found = BUILT_IN_ROLES.find((r) => r.roleName === name)!;
  return { id: found.id, roleName: found.roleName, type: found.type, permissions: found.permissions };
}

function vault(overrides: Partial<VaultProperties> = {}): VaultProperties {
  return { resourceId: VAULT, name: 'kv-one', vaultUri: 'https://kv-one.vault.azure.net/', enableRbacAuthorization: true, accessPolicies: [], enableSoftDelete: true, softDeleteRetentionInDays: 90, enablePurgeProtection: true, ...overrides };
}

let n = 0;
function assignment(roleName: string, scope: string, principalType: RoleAssignment['principalType'] = 'Group', principalId = `22222222-0000-4000-8000-${String(++n).padStart(12, '0')}`): RoleAssignment {
  return { id: `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${principalId}`, scope, principalId, principalType, roleDefinition: role(roleName) };
}

async function review(source: InMemoryVaultAccess, options: { appPrincipalId?: string; governedVaultUrls?: string[] } = {}) {
  return new AccessReview({ source, vaultResourceIds: [VAULT], governedVaultUrls: options.governedVaultUrls ?? [], ...(options.appPrincipalId ? { appPrincipalId: options.appPrincipalId } : {}), now }).review();
}

describe('permissions', () => {
  it.each([
    ['Owner', true, false, 'Microsoft.KeyVault/vaults/write'],
    ['Contributor', false, false, 'Microsoft.KeyVault/vaults/write'],
    ['User Access Administrator', true, false, 'Microsoft.Authorization/roleAssignments/read'],
    ['Key Vault Contributor', false, false, 'Microsoft.KeyVault/vaults/write'],
    ['Key Vault Secrets User', false, true, undefined],
    ['Reader', false, false, 'Microsoft.KeyVault/vaults/read'],
  ])('%s: role assignments write %s, secret values %s', (name, assigns, values, action) => {
    const definition = role(name);
    expect(grantsAction(definition, 'Microsoft.Authorization/roleAssignments/write')).toBe(assigns);
    expect(grantsDataAction(definition, 'Microsoft.KeyVault/vaults/secrets/getSecret/action')).toBe(values);
    if (action) expect(grantsAction(definition, action)).toBe(true);
  });

  it('tells value access from metadata, and broad roles from narrow ones', () => {
    expect(keyVaultDataAccess(role('Key Vault Administrator'))).toBe('values-or-writes');
    expect(keyVaultDataAccess(role('Key Vault Reader'))).toBe('metadata');
    expect(keyVaultDataAccess(role('Reader'))).toBeUndefined();
    expect(BUILT_IN_ROLES.filter((r) => isBroad({ id: r.id, roleName: r.roleName, type: r.type, permissions: r.permissions })).map((r) => r.roleName).sort()).toEqual(
      ['Contributor', 'Key Vault Administrator', 'Key Vault Data Access Administrator', 'Owner', 'Role Based Access Control Administrator', 'User Access Administrator'].sort(),
    );
    const custom: RoleDefinition = { id: '33333333-0000-4000-8000-000000000001', roleName: 'Grantor', type: 'CustomRole', permissions: [{ actions: ['Microsoft.Authorization/*'], notActions: [], dataActions: [], notDataActions: [] }] };
    expect(isBroad(custom)).toBe(true);
    expect(isBroad({ ...custom, permissions: [{ actions: ['Microsoft.KeyVault/vaults/read'], notActions: [], dataActions: [], notDataActions: [] }] })).toBe(false);
  });
});

describe('AccessReview', () => {
  it('finds nothing on a least-privilege vault, the app identity marked', async () => {
    // Arrange
    const source = new InMemoryVaultAccess();
    source.add(vault(), [assignment('Key Vault Secrets Officer', VAULT, 'ServicePrincipal', APP), assignment('Reader', VAULT, 'ServicePrincipal', APP), assignment('Key Vault Secrets User', VAULT, 'ServicePrincipal')]);

    // Act
    const report = await review(source, { appPrincipalId: APP, governedVaultUrls: ['https://kv-one.vault.azure.net'] });

    // Assert
    expect(report.findings).toEqual([]);
    expect(report.vaults[0]!.assignments.map((a) => a.appIdentity)).toEqual(expect.arrayContaining([true, true, false]));
  });

  it('compares scopes case-insensitively: an assignment on the vault in other casing is not inherited', async () => {
    const source = new InMemoryVaultAccess();
    source.add(vault(), [assignment('Key Vault Secrets User', VAULT.toUpperCase())]);
    const report = await review(source);
    expect(report.findings).toEqual([]);
    expect(report.vaults[0]!.assignments[0]!.inherited).toBe(false);
  });

  it('flags the app holding anything beyond its two roles, or its roles from above', async () => {
    const source = new InMemoryVaultAccess();
    source.add(vault(), [assignment('Key Vault Secrets User', VAULT, 'ServicePrincipal', APP), assignment('Reader', '/subscriptions/11111111-0000-4000-8000-000000000001', 'ServicePrincipal', APP)]);
    const report = await review(source, { appPrincipalId: APP });
    expect(report.findings.map((f) => f.rule).sort()).toEqual(['access.app-identity-excess', 'access.app-identity-excess']);
  });

  it('on an access-policy vault with enableRbacAuthorization absent, Key Vault Contributor can grant itself access; on an RBAC vault it cannot', async () => {
    const source = new InMemoryVaultAccess();
    source.add(vault({ enableRbacAuthorization: undefined }), [assignment('Key Vault Contributor', VAULT)]);
    expect((await review(source)).findings.map((f) => f.rule)).toEqual(['access.access-policy-vault-write']);
    source.add(vault(), [assignment('Key Vault Contributor', VAULT)]);
    expect((await review(source)).findings).toEqual([]);
  });

  it('reports a vault ARM refuses, and a governed vault URL no resource id locates', async () => {
    const source = new InMemoryVaultAccess();
    source.refused.add(VAULT.toLowerCase());
    const report = await review(source, { governedVaultUrls: ['https://kv-two.vault.azure.net'] });
    expect(report.findings.map((f) => [f.rule, f.vault])).toEqual([
      ['access.vault-unreadable', 'kv-one'],
      ['access.vault-not-located', 'kv-two'],
    ]);
  });
});

describe('parseAccessReviewQuery', () => {
  it.each([
    [[['vault', 'KV-One']], { vault: 'kv-one' }],
    [[['minSeverity', 'medium']], { minSeverity: 'medium' }],
    [[], {}],
  ] as const)('reads %j', (query, expected) => {
    expect(parseAccessReviewQuery(query as unknown as [string, string][])).toEqual(expected);
  });

  it.each([
    [[['severity', 'high']], 'severity'],
    [[['vault', 'a']], 'vault'],
    [[['minSeverity', 'HIGH']], 'minSeverity'],
    [[['vault', 'kv-one'], ['vault', 'kv-two']], 'vault'],
  ] as const)('refuses %j naming %s', (query, path) => {
    const error = (() => {
      try {
        parseAccessReviewQuery(query as unknown as [string, string][]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details[0]!.path).toBe(path);
  });
});
