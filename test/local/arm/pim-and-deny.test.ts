/**
 * The ARM stand-in's PIM and deny-assignment lists against the real @azure/arm-authorization
 * 9 client: roleAssignmentScheduleInstances and roleEligibilityScheduleInstances (2020-10-01)
 * and denyAssignments (2022-04-01), listForScope with and without atScope(), paging, what has
 * ended left out, ARM's refusals (api-version, filter, missing scope), and seeds refused naming
 * the field.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRestError, type RestError } from '@azure/core-rest-pipeline';
import { ArmAdminError, EVERYONE_PRINCIPAL_ID, type ArmSeed } from '../../../src/local/arm/index.js';
import { principal, rawRequest, RG, startTestArm, SUB, vaultIdOf, type TestArm } from './support.js';

let t: TestArm;
const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
const SECRETS_OFFICER = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7';
const hours = (n: number): string => new Date(Date.now() + n * 3_600_000).toISOString();
const scopeOf = (id: string): string => id.slice(1);
const BEARER = { authorization: 'Bearer local' };

function seed(): ArmSeed {
  return {
    subscriptions: [{ subscriptionId: SUB, managementGroups: ['mg-team'] }],
    resourceGroups: [{ subscriptionId: SUB, name: 'rg-other' }],
    vaults: [
      { subscriptionId: SUB, resourceGroup: RG, name: 'kv-pim' },
      { subscriptionId: SUB, resourceGroup: 'rg-other', name: 'kv-other' },
    ],
    roleAssignments: [
      { name: principal(101), scope: vaultIdOf('kv-pim'), roleDefinitionId: SECRETS_OFFICER, principalId: principal(1), principalType: 'User', assignmentType: 'Activated', startDateTime: hours(-1), endDateTime: hours(7) },
      { name: principal(102), scope: vaultIdOf('kv-pim'), roleDefinitionId: SECRETS_OFFICER, principalId: principal(2), principalType: 'User' },
      { name: principal(103), scope: '/providers/Microsoft.Management/managementGroups/mg-team', roleDefinitionId: OWNER, principalId: principal(3), principalType: 'Group', endDateTime: hours(24) },
      { name: principal(104), scope: vaultIdOf('kv-other', 'rg-other'), roleDefinitionId: SECRETS_OFFICER, principalId: principal(4), principalType: 'User' },
      { name: principal(105), scope: vaultIdOf('kv-pim'), roleDefinitionId: SECRETS_OFFICER, principalId: principal(5), principalType: 'User', assignmentType: 'Activated', startDateTime: hours(-9), endDateTime: hours(-1) },
    ],
    roleEligibilities: [
      { name: principal(201), scope: `/subscriptions/${SUB}`, roleDefinitionId: OWNER, principalId: principal(6), principalType: 'User', endDateTime: hours(24 * 180) },
      { name: principal(202), scope: vaultIdOf('kv-pim'), roleDefinitionId: SECRETS_OFFICER, principalId: principal(7), principalType: 'Group', memberType: 'Group' },
      { name: principal(203), scope: vaultIdOf('kv-other', 'rg-other'), roleDefinitionId: OWNER, principalId: principal(8), principalType: 'User' },
      { name: principal(204), scope: vaultIdOf('kv-pim'), roleDefinitionId: OWNER, principalId: principal(9), principalType: 'User', startDateTime: hours(-48), endDateTime: hours(-24) },
    ],
    denyAssignments: [
      {
        name: principal(301),
        scope: `/subscriptions/${SUB}/resourceGroups/${RG}`,
        denyAssignmentName: 'Secrets for the owner only',
        description: 'Created by a managed application',
        permissions: [{ dataActions: ['Microsoft.KeyVault/vaults/secrets/*'] }],
        principals: [{ id: EVERYONE_PRINCIPAL_ID, type: 'SystemDefined' }],
        excludePrincipals: [{ id: principal(1), type: 'User' }],
      },
      { name: principal(302), scope: vaultIdOf('kv-other', 'rg-other'), denyAssignmentName: 'Elsewhere', permissions: [{ actions: ['*/delete'] }], principals: [{ id: principal(4), type: 'User' }], isSystemProtected: false, doNotApplyToChildScopes: true },
    ],
  };
}

beforeAll(async () => {
  t = await startTestArm({ pageSize: 2 });
});

afterAll(async () => {
  await t?.stop();
});

beforeEach(async () => {
  await t.admin.reset();
  await t.admin.seed(seed());
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const client = () => t.clients.authorization(SUB);

describe('roleAssignmentScheduleInstances.listForScope', () => {
  it('lists one instance per active assignment at and above the vault with atScope(), over pages, ended ones left out', async () => {
    const before = (await t.admin.counts()).operations['roleAssignmentScheduleInstances.listForScope'];
    const instances = await all(client().roleAssignmentScheduleInstances.listForScope(scopeOf(vaultIdOf('kv-pim')), { filter: 'atScope()' }));
    const calls = (await t.admin.counts()).operations['roleAssignmentScheduleInstances.listForScope'] - before;

    expect(instances.map((i) => [i.name, i.assignmentType, i.endDateTime instanceof Date]).sort()).toEqual(
      [
        [principal(101), 'Activated', true],
        [principal(102), 'Assigned', false],
        [principal(103), 'Assigned', true],
      ].sort(),
    );
    expect(calls).toBe(2);
    const activation = instances.find((i) => i.name === principal(101))!;
    expect(activation).toMatchObject({
      scope: vaultIdOf('kv-pim'),
      principalId: principal(1),
      principalType: 'User',
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_OFFICER}`,
      originRoleAssignmentId: `${vaultIdOf('kv-pim')}/providers/Microsoft.Authorization/roleAssignments/${principal(101)}`,
      memberType: 'Direct',
      expandedProperties: { roleDefinition: { displayName: 'Key Vault Secrets Officer', type: 'BuiltInRole' } },
    });
    expect(activation.startDateTime).toBeInstanceOf(Date);
    expect(activation.id).toBe(`${vaultIdOf('kv-pim')}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances/${principal(101)}`);
  });

  it('without a filter also lists below the scope; principalId eq, quoted or not, narrows it', async () => {
    const below = await all(client().roleAssignmentScheduleInstances.listForScope(`subscriptions/${SUB}`));
    expect(below.map((i) => i.name)).toContain(principal(104));
    for (const filter of [`principalId eq '${principal(2)}'`, `principalId eq ${principal(2)}`]) {
      const one = await all(client().roleAssignmentScheduleInstances.listForScope(`subscriptions/${SUB}`, { filter }));
      expect(one.map((i) => i.name)).toEqual([principal(102)]);
    }
  });
});

describe('roleEligibilityScheduleInstances.listForScope', () => {
  it('lists eligible instances at and above the vault with atScope(), ended ones left out', async () => {
    const eligible = await all(client().roleEligibilityScheduleInstances.listForScope(scopeOf(vaultIdOf('kv-pim')), { filter: 'atScope()' }));
    expect(eligible.map((e) => [e.name, e.principalType, e.memberType, e.scope]).sort()).toEqual(
      [
        [principal(201), 'User', 'Direct', `/subscriptions/${SUB}`],
        [principal(202), 'Group', 'Group', vaultIdOf('kv-pim')],
      ].sort(),
    );
    expect(eligible.find((e) => e.name === principal(201))!.endDateTime).toBeInstanceOf(Date);
    // A permanent eligibility's end is null, as ARM writes it; the SDK keeps the null.
    expect(eligible.find((e) => e.name === principal(202))!.endDateTime).toBeNull();
  });
});

describe('denyAssignments.listForScope', () => {
  it('lists deny assignments at and above the vault with atScope(), Everyone as SystemDefined', async () => {
    const denies = await all(client().denyAssignments.listForScope(scopeOf(vaultIdOf('kv-pim')), { filter: 'atScope()' }));
    expect(denies).toHaveLength(1);
    expect(denies[0]).toMatchObject({
      name: principal(301),
      denyAssignmentName: 'Secrets for the owner only',
      scope: `/subscriptions/${SUB}/resourceGroups/${RG}`,
      doNotApplyToChildScopes: false,
      isSystemProtected: true,
      principals: [{ id: EVERYONE_PRINCIPAL_ID, type: 'SystemDefined' }],
      excludePrincipals: [{ id: principal(1), type: 'User' }],
      permissions: [{ actions: [], notActions: [], dataActions: ['Microsoft.KeyVault/vaults/secrets/*'], notDataActions: [] }],
    });
  });

  it("filters by denyAssignmentName and principalId; the other group's deny is not the vault's", async () => {
    const byName = await all(client().denyAssignments.listForScope(`subscriptions/${SUB}`, { filter: "denyAssignmentName eq 'Elsewhere'" }));
    expect(byName.map((d) => d.name)).toEqual([]);
    const byPrincipal = await all(client().denyAssignments.listForScope(`subscriptions/${SUB}`, { filter: `principalId eq '${principal(4)}'` }));
    expect(byPrincipal.map((d) => [d.name, d.isSystemProtected, d.doNotApplyToChildScopes])).toEqual([[principal(302), false, true]]);
  });
});

describe("ARM's refusals", () => {
  it.each([
    ['roleAssignmentScheduleInstances', '2022-04-01', 400, 'InvalidApiVersionParameter'],
    ['roleEligibilityScheduleInstances', '2015-07-01', 400, 'InvalidApiVersionParameter'],
    ['denyAssignments', '2020-10-01', 400, 'InvalidApiVersionParameter'],
  ])('%s at api-version %s: %s %s', async (collection, version, status, code) => {
    const answer = await rawRequest(t.arm, { path: `${vaultIdOf('kv-pim')}/providers/Microsoft.Authorization/${collection}?api-version=${version}`, headers: BEARER });
    expect({ status: answer.status, code: answer.json.error.code }).toEqual({ status, code });
  });

  it.each([
    ['roleAssignmentScheduleInstances', '2020-10-01', 'asTarget()'],
    ['roleEligibilityScheduleInstances', '2020-10-01', "roleName eq 'Owner'"],
    ['denyAssignments', '2022-04-01', `gdprExportPrincipalId eq '${principal(1)}'`],
  ])('%s refuses the filter %s with 400 InvalidFilterParameter', async (collection, version, filter) => {
    const answer = await rawRequest(t.arm, { path: `${vaultIdOf('kv-pim')}/providers/Microsoft.Authorization/${collection}?api-version=${version}&$filter=${encodeURIComponent(filter)}`, headers: BEARER });
    expect({ status: answer.status, code: answer.json.error.code }).toEqual({ status: 400, code: 'InvalidFilterParameter' });
  });

  it('answers 404 ResourceNotFound for a vault that does not exist, through the SDK', async () => {
    const error = await all(client().roleAssignmentScheduleInstances.listForScope(scopeOf(vaultIdOf('kv-none')), { filter: 'atScope()' })).catch((e: unknown) => e);
    expect(isRestError(error) && { status: (error as RestError).statusCode, code: (error as RestError).code }).toEqual({ status: 404, code: 'ResourceNotFound' });
  });

  it('answers an injected 403 with ARM error body, the SDK giving up at once', async () => {
    await t.admin.injectFault({ operation: 'roleEligibilityScheduleInstances.listForScope', status: 403 });
    const error = await all(client().roleEligibilityScheduleInstances.listForScope(scopeOf(vaultIdOf('kv-pim')), { filter: 'atScope()' })).catch((e: unknown) => e);
    await t.admin.clearFaults();
    expect(isRestError(error) && { status: (error as RestError).statusCode, code: (error as RestError).code }).toEqual({ status: 403, code: 'AuthorizationFailed' });
  });
});

describe('seeds refused naming the field', () => {
  const vault = vaultIdOf('kv-pim');
  it.each([
    ['an activation without an end', { roleAssignments: [{ scope: vault, roleDefinitionId: OWNER, principalId: principal(1), principalType: 'User', assignmentType: 'Activated' }] }, 'roleAssignments[0].endDateTime'],
    ['an end before the start', { roleAssignments: [{ scope: vault, roleDefinitionId: OWNER, principalId: principal(1), principalType: 'User', startDateTime: hours(2), endDateTime: hours(1) }] }, 'roleAssignments[0].endDateTime'],
    ['an unknown assignment type', { roleAssignments: [{ scope: vault, roleDefinitionId: OWNER, principalId: principal(1), principalType: 'User', assignmentType: 'Eligible' }] }, 'roleAssignments[0].assignmentType'],
    ['an eligibility for no role', { roleEligibilities: [{ scope: vault, roleDefinitionId: principal(9), principalId: principal(1), principalType: 'User' }] }, 'roleEligibilities[0].roleDefinitionId'],
    ['an eligibility at no seeded scope', { roleEligibilities: [{ scope: vaultIdOf('kv-none'), roleDefinitionId: OWNER, principalId: principal(1), principalType: 'User' }] }, 'roleEligibilities[0].scope'],
    ['an eligibility ending before it starts', { roleEligibilities: [{ scope: vault, roleDefinitionId: OWNER, principalId: principal(1), principalType: 'User', startDateTime: hours(1), endDateTime: hours(1) }] }, 'roleEligibilities[0].endDateTime'],
    ['an eligibility with an unknown member type', { roleEligibilities: [{ scope: vault, roleDefinitionId: OWNER, principalId: principal(1), principalType: 'User', memberType: 'Nested' }] }, 'roleEligibilities[0].memberType'],
    ['Everyone as a User', { denyAssignments: [{ scope: vault, denyAssignmentName: 'x', permissions: [{ actions: ['*'] }], principals: [{ id: EVERYONE_PRINCIPAL_ID, type: 'User' }] }] }, 'denyAssignments[0].principals[0]'],
    ['SystemDefined that is not Everyone', { denyAssignments: [{ scope: vault, denyAssignmentName: 'x', permissions: [{ actions: ['*'] }], principals: [{ id: principal(1), type: 'SystemDefined' }] }] }, 'denyAssignments[0].principals[0]'],
    ['a deny naming nobody', { denyAssignments: [{ scope: vault, denyAssignmentName: 'x', permissions: [{ actions: ['*'] }], principals: [] }] }, 'denyAssignments[0].principals'],
    ['a deny at no seeded scope', { denyAssignments: [{ scope: '/subscriptions/99999999-0000-4000-8000-000000000009', denyAssignmentName: 'x', permissions: [{ actions: ['*'] }], principals: [{ id: principal(1), type: 'User' }] }] }, 'denyAssignments[0].scope'],
  ])('%s: %s', async (_what, body, path) => {
    await t.admin.reset();
    await t.admin.seed({ subscriptions: [{ subscriptionId: SUB }], vaults: [{ subscriptionId: SUB, resourceGroup: RG, name: 'kv-pim' }] });
    const error = await t.admin.seed(body as ArmSeed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArmAdminError);
    expect((error as ArmAdminError).details.map((d) => d.path)).toContain(path);
    const state = await t.admin.state();
    expect([state['roleAssignments']?.length, state['roleEligibilities']?.length, state['denyAssignments']?.length]).toEqual([0, 0, 0]);
  });

  it('accepts the same entries made right (acceptance twin)', async () => {
    await t.admin.reset();
    const seeded = await t.admin.seed({
      subscriptions: [{ subscriptionId: SUB }],
      vaults: [{ subscriptionId: SUB, resourceGroup: RG, name: 'kv-pim' }],
      roleAssignments: [{ scope: vault, roleDefinitionId: OWNER, principalId: principal(1), principalType: 'User', assignmentType: 'Activated', endDateTime: hours(1) }],
      roleEligibilities: [{ scope: vault, roleDefinitionId: OWNER, principalId: principal(1), principalType: 'User', memberType: 'Direct', startDateTime: hours(0), endDateTime: hours(1) }],
      denyAssignments: [{ scope: vault, denyAssignmentName: 'x', permissions: [{ actions: ['*'] }], principals: [{ id: EVERYONE_PRINCIPAL_ID, type: 'SystemDefined' }], excludePrincipals: [{ id: principal(1), type: 'User' }] }],
    });
    expect(seeded).toMatchObject({ roleAssignments: 1, roleEligibilities: 1, denyAssignments: 1 });
  });
});
