/**
 * Generated keyvault-replica specs into parsePolicy with the app's own catalog, and into
 * PolicyAdmin's validation with a governed list: accepted with a normalised replica that is
 * governed and not the primary, or refused with a ValidationError naming the field, in bounded
 * text; never anything else. Policies are a template's, a random password's or a static secret's,
 * so that a replica of one `field` meets values that have it and values that do not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consumerKinds } from '../../../src/composition.js';
import { PolicyAdmin, type PolicyAdminDependencies } from '../../../src/core/admin/policy-admin.js';
import { ValidationError } from '../../../src/core/errors.js';
import { parseVaultUrl, secretNameProblem } from '../../../src/core/names.js';
import { TEMPLATE_FIELD_NAME } from '../../../src/core/generators/index.js';
import { parsePolicy, type RotationPolicy } from '../../../src/core/policy/policy.js';
import { fuzzParameters, fuzzRuns, fuzzTimeoutInMs } from '../../support/fuzz-settings.js';
import { checkSpecRefusal } from '../../support/consumer-spec-fuzz.js';
import { aPolicyJson } from '../../support/policy-mother.js';
import { holds } from '../../fuzz/harness.js';
import { PropertyBroken } from '../../fuzz/properties.js';

const RUNS = fuzzRuns();
const PRIMARY = 'https://kv-payments-prod.vault.azure.net';
const GOVERNED = [PRIMARY, 'https://kv-payments-dr.vault.azure.net', 'https://kv-local-dr.vault.azure.net:8443'];

const vaultUrls = fc.oneof(
  fc.constantFrom(...GOVERNED, 'https://KV-Payments-DR.vault.azure.net/', 'https://kv-payments-dr.vault.azure.net:443', 'https://kv-elsewhere.vault.azure.net', 'https://kv-sovereign.vault.azure.cn'),
  fc.constantFrom('http://kv-payments-dr.vault.azure.net', 'https://kv-payments-dr.vault.azure.net/secrets/x', 'https://user:pw@kv-payments-dr.vault.azure.net', 'https://kv--dr.vault.azure.net', 'https://kv.example.com', 'https://kv-payments-dr.vault.azure.net:99999', 'kv-payments-dr', ''),
  fc.string({ maxLength: 200 }),
  fc.webUrl(),
  fc.anything().filter((value) => typeof value !== 'string'),
);

const secretNames = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('payments-db-password', 'Payments-DB-Password', 'payments-db-password-dr', 'a', 'x'.repeat(127), 'x'.repeat(128), 'has_underscore', 'has.dot', ''),
  fc.string({ maxLength: 140 }),
  fc.anything().filter((value) => typeof value !== 'string' && value !== undefined),
);

const fields = fc.oneof(
  fc.constantFrom('password', 'username', 'Password', 'host', 'db.password', 'x'.repeat(128), 'x'.repeat(129), 'has space', 'pässword', '__proto__', 'constructor', ''),
  fc.string({ maxLength: 140 }),
  fc.anything().filter((value) => typeof value !== 'string'),
);

/** The policy's generator: a template whose fields a replica may name, a plain value, or a value written outside the app. */
const GENERATORS = {
  template: { kind: 'template', fields: { username: { static: 'payments_app' }, password: { kind: 'random_password', length: 32 }, 'db.password': { kind: 'uuid' } } },
  random_password: { kind: 'random_password', length: 32 },
  static: { kind: 'static' },
} as const;
const generators = fc.constantFrom(...(Object.keys(GENERATORS) as (keyof typeof GENERATORS)[]));

const names = fc.oneof(fc.constantFrom('dr', 'replica-westeurope', 'Dr', '1dr', 'a'.repeat(64), ''), fc.string({ maxLength: 80 }), fc.anything().filter((value) => typeof value !== 'string'));

/** A plausible spec (any governed vault, the primary's name or its own), then one field changed, dropped or added at a time. */
const plausible = fc.record({
  kind: fc.constant('keyvault-replica'),
  name: fc.constantFrom('dr', 'replica-westeurope'),
  vaultUrl: fc.constantFrom(...GOVERNED, 'https://KV-Payments-DR.vault.azure.net/', 'https://kv-payments-dr.vault.azure.net:443'),
  secretName: fc.option(fc.constantFrom('payments-db-password', 'Payments-DB-Password', 'payments-db-password-dr'), { nil: undefined }),
  field: fc.option(fc.constantFrom('password', 'username', 'db.password'), { nil: undefined }),
});

const FIELDS = { kind: fc.constantFrom('keyvault-replicas', 'KEYVAULT-REPLICA', ''), name: names, vaultUrl: vaultUrls, secretName: secretNames, field: fields, login: fc.constant('app'), extra: fc.anything() } as const;

const specs = fc
  .tuple(plausible, fc.constantFrom('none', 'change', 'drop'), fc.constantFrom(...(Object.keys(FIELDS) as (keyof typeof FIELDS)[])))
  .chain(([base, how, field]) => {
    const clean = Object.fromEntries(Object.entries(base).filter(([, value]) => value !== undefined));
    if (how === 'none') return fc.constant(clean);
    if (how === 'drop') return fc.constant(Object.fromEntries(Object.entries(clean).filter(([key]) => key !== field)));
    return (FIELDS[field] as fc.Arbitrary<unknown>).map((value) => ({ ...clean, [field]: value }));
  });

const cases = fc.tuple(specs, generators);

function policyWith(spec: Record<string, unknown>, generator: keyof typeof GENERATORS) {
  return { ...aPolicyJson(), generator: GENERATORS[generator], consumers: [spec] };
}

/** An accepted field is a valid field name and one the policy's value has: a template's field, or a static value's (checked at delivery). */
function checkAcceptedField(replica: { field?: unknown }, policy: RotationPolicy): void {
  if (replica.field === undefined) return;
  if (typeof replica.field !== 'string' || !TEMPLATE_FIELD_NAME.test(replica.field)) throw new PropertyBroken('accepted a field that is not a template field name');
  const { generator } = policy;
  if (generator.kind === 'static') return;
  if (generator.kind !== 'template' || !Object.hasOwn(generator.fields, replica.field)) throw new PropertyBroken(`accepted field on a ${generator.kind} policy that has no such field`);
}

/** Only validate() is called, and it reads nothing. */
const admin = new PolicyAdmin({ governedVaultUrls: GOVERNED, consumerKinds } as unknown as PolicyAdminDependencies);

describe('keyvault-replica specs', () => {
  it(`through parsePolicy with the app's catalog: accepted normalised, or refused naming the field: ${RUNS} cases`, async () => {
    let accepted = 0;
    await holds(
      fc.property(cases, ([spec, generator]) => {
        const body = policyWith(spec, generator);
        let policy;
        try {
          policy = parsePolicy(body, consumerKinds);
        } catch (error) {
          checkSpecRefusal(error, { kind: 'keyvault-replica', paths: ['consumers'] });
          return;
        }
        const replica = policy.consumers![0] as unknown as { vaultUrl: string; secretName?: string; field?: unknown };
        checkAcceptedField(replica, policy);
        if (parseVaultUrl(replica.vaultUrl).origin !== replica.vaultUrl) throw new PropertyBroken(`accepted a vault URL that is not a normalised origin: ${replica.vaultUrl.slice(0, 120)}`);
        if (replica.secretName !== undefined && secretNameProblem(replica.secretName)) throw new PropertyBroken('accepted an invalid secretName');
        if ('login' in replica || 'extra' in replica) throw new PropertyBroken('accepted a field the kind does not have');
        accepted += 1;
      }),
      fuzzParameters('keyvault-replica-parse', RUNS),
    );
    // The generator must reach acceptance too, or the refusals prove little.
    expect(accepted).toBeGreaterThan(RUNS > 100 ? 10 : 0);
  }, fuzzTimeoutInMs(RUNS, 5));

  it(`through PolicyAdmin's validation: an accepted replica is governed and is not the primary: ${RUNS} cases`, async () => {
    let accepted = 0;
    await holds(
      fc.property(cases, ([spec, generator]) => {
        const body = policyWith(spec, generator);
        let policy;
        try {
          policy = admin.validate('payments-db-password', body);
        } catch (error) {
          checkSpecRefusal(error);
          return;
        }
        const replica = policy.consumers![0] as unknown as { vaultUrl: string; secretName?: string; field?: unknown };
        checkAcceptedField(replica, policy);
        if (!GOVERNED.includes(replica.vaultUrl)) throw new PropertyBroken(`accepted a replica in a vault not governed: ${replica.vaultUrl.slice(0, 120)}`);
        if (replica.vaultUrl === PRIMARY && (replica.secretName ?? policy.secretName).toLowerCase() === policy.secretName.toLowerCase()) throw new PropertyBroken("accepted the policy's own secret as its replica");
        accepted += 1;
      }),
      fuzzParameters('keyvault-replica-admin', RUNS),
    );
    expect(accepted).toBeGreaterThan(RUNS > 100 ? 10 : 0);
  }, fuzzTimeoutInMs(RUNS, 5));

  it.each([
    ['a field of a plain value', 'random_password', { field: 'password' }, 'a random_password generator makes a plain one'],
    ["a field the template does not have", 'template', { field: 'pin' }, "is not one of the template's fields"],
    ['a field name that is not one', 'template', { field: 'pass word' }, '1-128 letters, digits, underscores, dots or hyphens'],
    ['a field name too long', 'template', { field: 'x'.repeat(129) }, '1-128 letters'],
  ] as const)('refuses %s at consumers.0.field, and accepts its twin', (_what, generator, change, message) => {
    // Arrange
    const twin = { kind: 'keyvault-replica', name: 'password-dr', vaultUrl: GOVERNED[1], secretName: 'payments-db-password-only', field: 'password' };

    // Act
    const refused = (() => {
      try {
        parsePolicy(policyWith({ ...twin, ...change }, generator), consumerKinds);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    const accepted = parsePolicy(policyWith(twin, 'template'), consumerKinds);

    // Assert
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).details).toEqual([{ path: 'consumers.0.field', message: expect.stringContaining(message) }]);
    expect(accepted.consumers).toEqual([twin]);
  });
});
