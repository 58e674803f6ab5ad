/**
 * Generated seeds into the ARM stand-in's admin API: near-valid documents with one field
 * made wrong at a time (role assignments with PIM's assignment type, start and end;
 * eligibilities; deny assignments), and arbitrary JSON. The property: 201, or 400 InvalidSeed whose every
 * detail names a field of the body; never a 5xx; a refused seed stores nothing; the stand-in
 * keeps serving the real clients afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmAdminError, EVERYONE_PRINCIPAL_ID, type ArmSeed } from '../../../src/local/arm/index.js';
import { fuzzHttpRuns, fuzzParameters } from '../../support/fuzz-settings.js';
import { principal, startTestArm, SUB, type TestArm } from './support.js';

let t: TestArm;

beforeAll(async () => {
  t = await startTestArm();
});

afterAll(async () => {
  await t?.stop();
});

const anything = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
const guid = fc.uuid();
const name = fc.oneof(fc.constantFrom('kv-one', 'kv-two', 'a', 'kv--x', '9kv', 'kv-' + 'x'.repeat(30)), fc.string({ maxLength: 30 }));

/** Each field valid or, now and then, anything at all. */
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: anything });

const vault = fc.record(
  {
    subscriptionId: maybe(fc.constant(SUB)),
    resourceGroup: maybe(fc.constantFrom('rg-a', 'rg-b')),
    name: maybe(name),
    enableRbacAuthorization: maybe(fc.oneof(fc.boolean(), fc.constant(null))),
    softDeleteRetentionInDays: maybe(fc.integer({ min: 0, max: 120 })),
    publicNetworkAccess: maybe(fc.constantFrom('Enabled', 'Disabled', 'enabled')),
    networkAcls: maybe(fc.record({ defaultAction: fc.constantFrom('Allow', 'Deny', 'deny') })),
    accessPolicies: maybe(fc.array(fc.record({ objectId: maybe(guid), permissions: maybe(fc.record({ secrets: fc.array(fc.constantFrom('get', 'Purge', 'all', 'steal')) })) }), { maxLength: 3 })),
  },
  { requiredKeys: ['subscriptionId', 'resourceGroup', 'name'] },
);

const scope = maybe(fc.constantFrom(`/subscriptions/${SUB}`, `/subscriptions/${SUB}/resourceGroups/rg-a`, '/', '/providers/Microsoft.Management/managementGroups/mg-x', '/nowhere', `/subscriptions/${SUB}/resourceGroups/rg-a/providers/Microsoft.KeyVault/vaults/kv-one`));
const roleDefinitionId = maybe(fc.constantFrom('8e3af657-a8ff-443c-a75c-2fe8c4bcb635', '4633458b-17de-408a-b874-0445c86b69e6', '00000000-0000-4000-8000-000000000000'));
const principalType = maybe(fc.constantFrom('User', 'Group', 'ServicePrincipal', 'Robot'));
/** Instants around now, in the past and the future, and things that are not instants. */
const instant = maybe(fc.oneof(fc.integer({ min: -48, max: 48 }).map((h) => new Date(Date.now() + h * 3_600_000).toISOString()), fc.constantFrom('tomorrow', '2026-13-01T00:00:00Z', '2026-12-01')));

const assignment = fc.record(
  {
    scope,
    roleDefinitionId,
    principalId: maybe(fc.constant(principal(1))),
    principalType,
    assignmentType: maybe(fc.constantFrom('Assigned', 'Activated', 'Eligible')),
    startDateTime: instant,
    endDateTime: instant,
  },
  { requiredKeys: ['scope', 'roleDefinitionId', 'principalId', 'principalType'] },
);

const eligibility = fc.record(
  { scope, roleDefinitionId, principalId: maybe(fc.constant(principal(2))), principalType, memberType: maybe(fc.constantFrom('Direct', 'Group', 'Inherited', 'Nested')), startDateTime: instant, endDateTime: instant },
  { requiredKeys: ['scope', 'roleDefinitionId', 'principalId', 'principalType'] },
);

const denyPrincipal = fc.record({ id: maybe(fc.constantFrom(EVERYONE_PRINCIPAL_ID, principal(3))), type: maybe(fc.constantFrom('SystemDefined', 'User', 'Group', 'Everyone')) });
const denyAssignment = fc.record(
  {
    scope,
    denyAssignmentName: maybe(fc.constantFrom('lock', '')),
    permissions: maybe(fc.array(fc.record({ actions: fc.array(fc.constantFrom('*', '*/write')), dataActions: fc.array(fc.constantFrom('Microsoft.KeyVault/vaults/secrets/*')) }), { maxLength: 2 })),
    principals: maybe(fc.array(denyPrincipal, { maxLength: 2 })),
    excludePrincipals: maybe(fc.array(denyPrincipal, { maxLength: 2 })),
    doNotApplyToChildScopes: maybe(fc.boolean()),
  },
  { requiredKeys: ['scope', 'denyAssignmentName', 'permissions', 'principals'] },
);

const seed: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ subscriptions: maybe(fc.array(fc.record({ subscriptionId: maybe(fc.constant(SUB)), managementGroups: maybe(fc.constant(['mg-x'])) }), { maxLength: 1 })), vaults: maybe(fc.array(vault, { maxLength: 3 })), roleAssignments: maybe(fc.array(assignment, { maxLength: 3 })), roleEligibilities: maybe(fc.array(eligibility, { maxLength: 2 })), denyAssignments: maybe(fc.array(denyAssignment, { maxLength: 2 })) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Fields an entry must have: a detail may name one the body lacks (arbitrary JSON gives `roleEligibilities: [{}]`). */
const REQUIRED_FIELDS = ['subscriptionId', 'resourceGroup', 'name', 'scope', 'roleDefinitionId', 'principalId', 'principalType', 'objectId', 'permissions', 'defaultAction', 'denyAssignmentName', 'principals', 'id', 'type'];

/** The field names a detail's path may be built from: the body's own keys. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => keysOf(item, into));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) (into.add(key), keysOf(item, into));
  return into;
}

describe('the ARM stand-in admin seed, generated', () => {
  it('answers 201 or 400 naming fields of the body, never a 5xx, and a refused seed stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(seed, async (body) => {
        await t.admin.reset();
        const outcome = await t.admin.seed(body as ArmSeed).then(
          () => 'stored' as const,
          (error: unknown) => error,
        );
        if (outcome === 'stored') return;
        expect(outcome).toBeInstanceOf(ArmAdminError);
        const error = outcome as ArmAdminError;
        expect({ status: error.status, code: error.code }).toEqual({ status: 400, code: error.code === 'InvalidJson' ? 'InvalidJson' : 'InvalidSeed' });
        const keys = keysOf(body);
        for (const detail of error.details) {
          const fields = detail.path.split(/[.[\]]/).filter((part) => part && !/^\d+$/.test(part));
          for (const field of fields) expect(keys.has(field) || REQUIRED_FIELDS.includes(field) || ['subscriptions', 'vaults', 'roleAssignments', 'roleEligibilities', 'denyAssignments', 'resourceGroups', 'diagnosticSettings', 'roleDefinitions'].includes(field)).toBe(true);
        }
        const state = await t.admin.state();
        expect([state['vaults'], state['roleAssignments'], state['roleEligibilities'], state['denyAssignments'], state['subscriptions']].map((list) => list?.length)).toEqual([0, 0, 0, 0, 0]);
      }),
      fuzzParameters('arm-seed', fuzzHttpRuns() * 2),
    );
    // Still serving the real clients.
    await t.admin.seed({ vaults: [{ subscriptionId: SUB, resourceGroup: 'rg-a', name: 'kv-after' }] });
    expect((await t.clients.keyVault(SUB).vaults.get('rg-a', 'kv-after')).name).toBe('kv-after');
  }, 120_000);
});
