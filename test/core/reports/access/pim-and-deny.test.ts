/**
 * The access review's PIM, group and deny-assignment rules on the in-memory source: a PIM
 * activation is not standing, a direct assignment is (lower when it has an end), eligible
 * broad roles and groups holding secret admin roles are found, deny assignments are shown
 * and pointed at, and a refused PIM or deny read leaves the review answering and saying so.
 */
import { describe, expect, it } from 'vitest';
import { AccessReview, EVERYONE } from '../../../../src/core/reports/access/access-review.js';
import { APP_VAULT_ROLES, grantsAction, READER } from '../../../../src/core/reports/access/permissions.js';
import type { ActiveAssignmentSchedule, DenyAssignment, EligibleAssignment, RoleAssignment, RoleDefinition, VaultProperties } from '../../../../src/core/reports/access/ports.js';
import { BUILT_IN_ROLES } from '../../../../src/local/arm/built-in-roles.js';
import { InMemoryVaultAccess } from '../../../support/in-memory/in-memory-vault-access.js';

const SUB = '/subscriptions/11111111-0000-4000-8000-000000000001';
const VAULT = `${SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one`;
const END = new Date('2026-12-06T20:00:00Z');
const now = () => new Date('2026-12-06T12:00:00Z');
const principal = (n: number): string => `22222222-0000-4000-8000-${String(n).padStart(12, '0')}`;

function role(name: string): RoleDefinition {
  const found = BUILT_IN_ROLES.find((r) => r.roleName === name)!;
  return { id: found.id, roleName: found.roleName, type: found.type, permissions: found.permissions };
}

const vault = (): VaultProperties => ({ resourceId: VAULT, name: 'kv-one', vaultUri: 'https://kv-one.vault.azure.net/', enableRbacAuthorization: true, accessPolicies: [], enableSoftDelete: true, softDeleteRetentionInDays: 90, enablePurgeProtection: true });

function assignment(n: number, roleName: string, principalType: RoleAssignment['principalType'], scope = VAULT): RoleAssignment {
  return { id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${principal(100 + n)}`, scope, principalId: principal(n), principalType, roleDefinition: role(roleName) };
}

function schedule(of: RoleAssignment, assignmentType: 'Activated' | 'Assigned', endDateTime?: Date): ActiveAssignmentSchedule {
  return {
    id: `${of.scope}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/${of.principalId}`,
    scope: of.scope,
    principalId: of.principalId,
    principalType: of.principalType,
    roleDefinitionId: of.roleDefinition.id,
    assignmentType,
    originRoleAssignmentId: of.id,
    startDateTime: new Date('2026-12-06T08:00:00Z'),
    ...(endDateTime ? { endDateTime } : {}),
  };
}

function eligible(n: number, roleName: string, scope = VAULT, principalType: EligibleAssignment['principalType'] = 'User'): EligibleAssignment {
  return { id: `${scope}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/${principal(200 + n)}`, scope, principalId: principal(n), principalType, roleDefinitionId: role(roleName).id, endDateTime: new Date('2027-06-01T00:00:00Z') };
}

async function review(source: InMemoryVaultAccess) {
  return new AccessReview({ source, vaultResourceIds: [VAULT], governedVaultUrls: [], now }).review();
}

describe("what the review reads with: the app's Reader on the vault", () => {
  const reads = ['Microsoft.Authorization/roleAssignmentScheduleInstances/read', 'Microsoft.Authorization/roleEligibilityScheduleInstances/read', 'Microsoft.Authorization/denyAssignments/read', 'Microsoft.Authorization/roleAssignments/read'];

  it.each(reads)('Reader (which infra/ grants the app) grants %s', (action) => {
    expect(APP_VAULT_ROLES[READER]).toBe('Reader');
    expect(grantsAction(role('Reader'), action)).toBe(true);
  });

  it.each(reads)('Key Vault Secrets User, a data-plane role, does not grant %s (refusal twin)', (action) => {
    expect(grantsAction(role('Key Vault Secrets User'), action)).toBe(false);
  });
});

describe('AccessReview with PIM', () => {
  it('does not flag a PIM activation of Secrets Officer, but flags the same role assigned directly (refusal twin)', async () => {
    // Arrange
    const activated = assignment(1, 'Key Vault Secrets Officer', 'User');
    const direct = assignment(2, 'Key Vault Secrets Officer', 'User');
    const source = new InMemoryVaultAccess();
    source.add(vault(), [activated, direct]);
    source.schedules.set(VAULT.toLowerCase(), [schedule(activated, 'Activated', END), schedule(direct, 'Assigned')]);

    // Act
    const report = await review(source);

    // Assert
    expect(report.findings.map((f) => [f.rule, f.object, f.severity])).toEqual([['access.user-standing-secret-admin', direct.id, 'medium']]);
    const [first, second] = report.vaults[0]!.assignments.sort((a, b) => a.principalId.localeCompare(b.principalId));
    expect(first).toMatchObject({ activeAs: 'activation', endDateTime: END.toISOString(), findings: [] });
    expect(second).toMatchObject({ activeAs: 'standing', findings: ['access.user-standing-secret-admin'] });
    expect(second!.endDateTime).toBeUndefined();
    expect(report.vaults[0]).toMatchObject({ pim: 'read', denyAssignmentsStatus: 'read', eligible: [], denyAssignments: [] });
  });

  it('flags a direct assignment with an end date low, naming the end', async () => {
    const bounded = assignment(3, 'Key Vault Administrator', 'User');
    const source = new InMemoryVaultAccess();
    source.add(vault(), [bounded]);
    source.schedules.set(VAULT.toLowerCase(), [schedule(bounded, 'Assigned', END)]);
    const report = await review(source);
    const standing = report.findings.filter((f) => f.rule === 'access.user-standing-secret-admin');
    expect(standing.map((f) => f.severity)).toEqual(['low']);
    expect(standing[0]!.message).toContain(END.toISOString());
    expect(report.vaults[0]!.assignments[0]).toMatchObject({ activeAs: 'time-bound', endDateTime: END.toISOString() });
  });

  it('matches an instance without originRoleAssignmentId by scope, principal and role, scopes compared ignoring case', async () => {
    const activated = assignment(4, 'Key Vault Secrets Officer', 'User');
    const { originRoleAssignmentId: _dropped, ...instance } = schedule(activated, 'Activated', END);
    const source = new InMemoryVaultAccess();
    source.add(vault(), [activated]);
    source.schedules.set(VAULT.toLowerCase(), [{ ...instance, scope: VAULT.toUpperCase() }]);
    expect((await review(source)).findings).toEqual([]);
  });

  it('takes an assignment PIM has no instance for as standing', async () => {
    const source = new InMemoryVaultAccess();
    source.add(vault(), [assignment(5, 'Key Vault Secrets Officer', 'User')]);
    const report = await review(source);
    expect(report.vaults[0]!.assignments[0]!.activeAs).toBe('standing');
    expect(report.findings.map((f) => f.rule)).toEqual(['access.user-standing-secret-admin']);
  });

  it('lists eligible assignments, and flags a broad role eligible at or above the vault low (a narrow one not)', async () => {
    // Arrange
    const source = new InMemoryVaultAccess();
    source.add(vault(), []);
    source.eligible.set(VAULT.toLowerCase(), [eligible(6, 'Owner', SUB), eligible(7, 'Key Vault Secrets Officer'), eligible(8, 'Key Vault Administrator', VAULT, 'Group')]);

    // Act
    const report = await review(source);

    // Assert
    expect(report.findings.map((f) => [f.rule, f.severity, f.parameters?.['roleName']]).sort()).toEqual([
      ['access.eligible-broad-role', 'low', 'Key Vault Administrator'],
      ['access.eligible-broad-role', 'low', 'Owner'],
    ]);
    const entries = report.vaults[0]!.eligible;
    expect(entries.map((e) => [e.roleName, e.inherited, e.principalType, e.endDateTime, e.findings])).toEqual(
      expect.arrayContaining([
        ['Owner', true, 'User', '2027-06-01T00:00:00.000Z', ['access.eligible-broad-role']],
        ['Key Vault Secrets Officer', false, 'User', '2027-06-01T00:00:00.000Z', []],
        ['Key Vault Administrator', false, 'Group', '2027-06-01T00:00:00.000Z', ['access.eligible-broad-role']],
      ]),
    );
    expect(entries).toHaveLength(3);
  });

  it('resolves a custom role of an eligible assignment through the source, and a custom role as wide as Owner is broad', async () => {
    const custom: RoleDefinition = { id: '33333333-0000-4000-8000-000000000001', roleName: 'Everything', type: 'CustomRole', permissions: [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }] };
    const source = new InMemoryVaultAccess();
    source.add(vault(), []);
    source.customRoles.set(custom.id, custom);
    source.eligible.set(VAULT.toLowerCase(), [{ ...eligible(9, 'Reader'), roleDefinitionId: custom.id }]);
    const report = await review(source);
    expect(report.vaults[0]!.eligible[0]).toMatchObject({ roleName: 'Everything', roleType: 'CustomRole', findings: ['access.eligible-broad-role'] });
  });
});

describe('AccessReview with groups', () => {
  it.each([
    ['Key Vault Secrets Officer', VAULT, 'medium'],
    ['Key Vault Administrator', SUB, 'medium'],
  ])('flags a group holding %s standing (at %s)', async (roleName, scope, severity) => {
    const group = assignment(10, roleName, 'Group', scope);
    const source = new InMemoryVaultAccess();
    source.add(vault(), [group]);
    const report = await review(source);
    const found = report.findings.filter((f) => f.rule === 'access.group-secret-admin');
    expect(found.map((f) => [f.object, f.severity])).toEqual([[group.id, severity]]);
    expect(found[0]!.message).toContain('cannot see its members');
  });

  it("flags another tenant's group (ForeignGroup) holding Secrets Officer standing, and not a service principal holding it", async () => {
    const foreign = assignment(14, 'Key Vault Secrets Officer', 'ForeignGroup');
    const app = assignment(15, 'Key Vault Secrets Officer', 'ServicePrincipal');
    const source = new InMemoryVaultAccess();
    source.add(vault(), [foreign, app]);
    const found = (await review(source)).findings.filter((f) => f.rule === 'access.group-secret-admin');
    expect(found.map((f) => f.object)).toEqual([foreign.id]);
    expect(found[0]!.message).toMatch(/^Another tenant's group .* cannot see its members/);
  });

  it('does not flag a group holding Secrets User, nor a group whose Secrets Officer PIM activated (refusal twins)', async () => {
    const reader = assignment(11, 'Key Vault Secrets User', 'Group');
    const activated = assignment(12, 'Key Vault Secrets Officer', 'Group');
    const source = new InMemoryVaultAccess();
    source.add(vault(), [reader, activated]);
    source.schedules.set(VAULT.toLowerCase(), [schedule(activated, 'Activated', END)]);
    expect((await review(source)).findings).toEqual([]);
  });

  it('flags a group whose direct assignment has an end date low', async () => {
    const bounded = assignment(13, 'Key Vault Secrets Officer', 'Group');
    const source = new InMemoryVaultAccess();
    source.add(vault(), [bounded]);
    source.schedules.set(VAULT.toLowerCase(), [schedule(bounded, 'Assigned', END)]);
    expect((await review(source)).findings.map((f) => [f.rule, f.severity])).toEqual([['access.group-secret-admin', 'low']]);
  });
});

describe('AccessReview when PIM or deny assignments cannot be read', () => {
  it('answers from role assignments, says pim unavailable with the reason, and still flags the direct secret admin', async () => {
    // Arrange
    const activated = assignment(14, 'Key Vault Secrets Officer', 'User');
    const source = new InMemoryVaultAccess();
    source.add(vault(), [activated]);
    source.schedules.set(VAULT.toLowerCase(), [schedule(activated, 'Activated', END)]);
    source.eligible.set(VAULT.toLowerCase(), [eligible(15, 'Owner')]);
    source.pimRefused.add(VAULT.toLowerCase());

    // Act
    const report = await review(source);

    // Assert
    const entry = report.vaults[0]!;
    expect(entry).toMatchObject({ pim: 'unavailable', eligible: [], denyAssignmentsStatus: 'read', unavailable: [{ source: 'pim', problem: expect.stringContaining('403') }] });
    expect(entry.assignments[0]!.activeAs).toBeUndefined();
    expect(report.findings.map((f) => [f.rule, f.severity]).sort()).toEqual([
      ['access.partial-review', 'low'],
      ['access.user-standing-secret-admin', 'medium'],
    ]);
    expect(report.findings.find((f) => f.rule === 'access.user-standing-secret-admin')!.message).toContain('PIM could not be read');
  });

  it('says deny assignments unavailable when they are refused, PIM still read', async () => {
    const source = new InMemoryVaultAccess();
    source.add(vault(), []);
    source.denyRefused.add(VAULT.toLowerCase());
    const report = await review(source);
    expect(report.vaults[0]).toMatchObject({ pim: 'read', denyAssignmentsStatus: 'unavailable', unavailable: [{ source: 'deny-assignments' }] });
    expect(report.findings.map((f) => [f.rule, f.object])).toEqual([['access.partial-review', 'kv-one/deny-assignments']]);
  });
});

describe('AccessReview with deny assignments', () => {
  const deny = (overrides: Partial<DenyAssignment> = {}): DenyAssignment => ({
    id: `${VAULT}/providers/Microsoft.Authorization/denyAssignments/${principal(300)}`,
    name: principal(300),
    denyAssignmentName: 'Only the break-glass reads secrets',
    scope: VAULT,
    doNotApplyToChildScopes: false,
    isSystemProtected: true,
    permissions: [{ actions: [], notActions: [], dataActions: ['Microsoft.KeyVault/vaults/secrets/*'], notDataActions: [] }],
    principals: [{ id: EVERYONE, type: 'SystemDefined' }],
    excludePrincipals: [{ id: principal(20), type: 'User' }],
    ...overrides,
  });

  it('shows a deny of Key Vault data for everyone but named principals with a note, and points each other data assignment at it; no finding', async () => {
    // Arrange
    const excluded = assignment(20, 'Key Vault Secrets User', 'User');
    const blocked = assignment(21, 'Key Vault Secrets User', 'ServicePrincipal');
    const controlOnly = assignment(22, 'Reader', 'User');
    const source = new InMemoryVaultAccess();
    source.add(vault(), [excluded, blocked, controlOnly]);
    source.denies.set(VAULT.toLowerCase(), [deny()]);

    // Act
    const report = await review(source);

    // Assert
    expect(report.findings).toEqual([]);
    const [entry] = report.vaults[0]!.denyAssignments;
    expect(entry).toMatchObject({ everyone: true, deniesKeyVaultData: true, inherited: false, isSystemProtected: true, excludePrincipals: [{ id: principal(20), type: 'User' }] });
    expect(entry!.note).toContain(`except User ${principal(20)}`);
    const byPrincipal = Object.fromEntries(report.vaults[0]!.assignments.map((a) => [a.principalId, a.mayBeDeniedBy]));
    expect(byPrincipal).toEqual({ [principal(20)]: undefined, [principal(21)]: [entry!.id], [principal(22)]: undefined });
  });

  it('leaves out a deny above the vault that does not apply to child scopes, and notes none on a deny of control-plane actions only', async () => {
    const source = new InMemoryVaultAccess();
    source.add(vault(), [assignment(23, 'Key Vault Secrets User', 'User')]);
    source.denies.set(VAULT.toLowerCase(), [
      deny({ id: `${SUB}/providers/Microsoft.Authorization/denyAssignments/a`, scope: SUB, doNotApplyToChildScopes: true }),
      deny({ id: `${SUB}/providers/Microsoft.Authorization/denyAssignments/b`, scope: SUB, permissions: [{ actions: ['*/delete'], notActions: [], dataActions: [], notDataActions: [] }] }),
    ]);
    const report = await review(source);
    expect(report.vaults[0]!.denyAssignments.map((d) => [d.id.slice(-1), d.inherited, d.deniesKeyVaultData, d.note])).toEqual([['b', true, false, undefined]]);
    expect(report.vaults[0]!.assignments[0]!.mayBeDeniedBy).toBeUndefined();
  });
});
