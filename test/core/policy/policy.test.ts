import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { MANAGED_BY_VALUE, MANAGED_TAGS, parsePolicy, rotationPolicySchema } from '../../../src/core/policy/policy.js';
import { aPolicy, aPolicyJson, aTemplateGenerator } from '../../support/policy-mother.js';

/** The details parsePolicy throws, or [] when the input is valid. */
function problems(input: unknown): { path: string; message: string }[] {
  try {
    parsePolicy(input);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.details;
  }
}

const manyTags = (count: number): Record<string, string> => Object.fromEntries(Array.from({ length: count }, (_, index) => [`tag${index}`, 'v']));

describe('parsePolicy: a valid policy', () => {
  it('accepts the documented example and normalises it', () => {
    // Act
    const policy = parsePolicy(aPolicyJson({ vaultUrl: 'https://KV-Payments-Prod.vault.azure.net/' }));

    // Assert
    expect(policy).toEqual({
      id: 'payments-db-password',
      vaultUrl: 'https://kv-payments-prod.vault.azure.net',
      secretName: 'payments-db-password',
      generator: { kind: 'random_password', length: 32, upper: true, lower: true, digits: true, special: true, excludeCharacters: '"@/\\' },
      rotation: { every: '90d', validFor: '120d' },
      environment: 'development',
      owner: 'team-payments',
      contentType: 'text/plain',
      tags: { CostCenter: 'engineering' },
      enabled: true,
    });
  });

  it('defaults tags to {} and enabled to true', () => {
    // Arrange
    const { tags: _tags, enabled: _enabled, contentType: _contentType, ...minimal } = aPolicyJson();

    // Act
    const policy = parsePolicy(minimal);

    // Assert
    expect(policy.tags).toEqual({});
    expect(policy.enabled).toBe(true);
    expect(policy.contentType).toBeUndefined();
  });

  it('keeps the emulator port in the vault origin', () => {
    expect(parsePolicy(aPolicyJson({ vaultUrl: 'https://kv-app-local.vault.azure.net:8443/' })).vaultUrl).toBe('https://kv-app-local.vault.azure.net:8443');
  });

  it('round-trips through JSON unchanged (what Table Storage and the API hold)', () => {
    const policy = aPolicy({ generator: parsePolicy(aPolicyJson({ generator: aTemplateGenerator() })).generator });
    expect(parsePolicy(JSON.parse(JSON.stringify(policy)))).toEqual(policy);
  });

  it.each([
    ['ISO 8601 durations', { rotation: { every: 'P90D', validFor: 'P120D' } }],
    ['a just-longer-than-30-days validity', { rotation: { every: '1d', validFor: 'P30DT1S' } }],
    ['a uuid generator', { generator: { kind: 'uuid' } }],
    ['a static generator', { generator: { kind: 'static' } }],
    ['a template generator', { generator: aTemplateGenerator() }],
    ['12 user tags', { tags: manyTags(12) }],
    ['256-character tag names and values', { tags: { ['n'.repeat(256)]: 'v'.repeat(256) } }],
    ['a 255-character content type', { contentType: 'c'.repeat(255) }],
    ['a 63-character id', { id: 'a'.repeat(63) }],
    ['a disabled policy', { enabled: false }],
  ])('accepts %s', (_, overrides) => {
    expect(problems({ ...aPolicyJson(), ...overrides })).toEqual([]);
  });
});

describe('parsePolicy: refusals name the field and say why', () => {
  it.each([
    ['an id with capitals', { id: 'Payments-DB' }, 'id', /lower-case letters, digits and hyphens, starting with a letter: the id is a Table Storage key and a URL segment/],
    ['an id starting with a digit', { id: '1-payments' }, 'id', /starting with a letter/],
    ['an id with a slash', { id: 'payments/db' }, 'id', /Table Storage key/],
    ['a 64-character id', { id: 'a'.repeat(64) }, 'id', /1-63/],
    ['an empty id', { id: '' }, 'id', /1-63/],
    ['an http vault URL', { vaultUrl: 'http://kv-payments-prod.vault.azure.net' }, 'vaultUrl', /does not use https/],
    ['a vault URL with a path', { vaultUrl: 'https://kv-payments-prod.vault.azure.net/secrets/x' }, 'vaultUrl', /has a path/],
    ['a non-Key Vault host', { vaultUrl: 'https://kv-payments-prod.example.com' }, 'vaultUrl', /not a Key Vault host/],
    ['an invalid vault name', { vaultUrl: 'https://kv--payments.vault.azure.net' }, 'vaultUrl', /consecutive hyphens/],
    ['an invalid secret name', { secretName: 'payments_db_password' }, 'secretName', /'_' is not allowed \(use '-'\)/],
    ['a 128-character secret name', { secretName: 's'.repeat(128) }, 'secretName', /at most 127/],
    ['months in every', { rotation: { every: 'P3M', validFor: '120d' } }, 'rotation.every', /months or years.*give days/],
    ['garbage in validFor', { rotation: { every: '90d', validFor: 'soon' } }, 'rotation.validFor', /not recognised/],
    ['a zero interval', { rotation: { every: '0d', validFor: '120d' } }, 'rotation.every', /is zero/],
    ['rotation more often than daily', { rotation: { every: '12h', validFor: '60d' } }, 'rotation.every', /at least 1 day: each rotation adds a Key Vault version that can never be deleted/],
    ['validFor of exactly 30 days', { rotation: { every: '7d', validFor: '30d' } }, 'rotation.validFor', /longer than 30 days: Key Vault raises SecretNearExpiry 30 days before a version expires.*rotation loop/],
    ['validFor under 30 days', { rotation: { every: '1d', validFor: 'P2W' } }, 'rotation.validFor', /rotation loop/],
    ['validFor equal to every', { rotation: { every: '90d', validFor: '90d' } }, 'rotation.validFor', /validFor \(90d\) must be longer than every \(90d\): otherwise the current version expires before its replacement is due; 120d or more/],
    ['validFor shorter than every', { rotation: { every: '180d', validFor: '120d' } }, 'rotation.validFor', /must be longer than every \(180d\)/],
    ['a rotation without validFor', { rotation: { every: '90d' } }, 'rotation.validFor', /is required/],
    ['an unknown field in rotation', { rotation: { every: '90d', validFor: '120d', jitter: '1h' } }, 'rotation.jitter', /not a known field/],
    ['13 user tags', { tags: manyTags(13) }, 'tags', /has 13 tags, at most 12 are allowed: Key Vault keeps 15 tags per secret and this app writes 3 of its own \(managed-by, rotation-policy-id, rotation-id\)/],
    ['a reserved tag name', { tags: { 'managed-by': 'me' } }, 'tags.managed-by', /is reserved: this app writes it/],
    ['a reserved tag name in other case', { tags: { 'Rotation-Id': 'x' } }, 'tags.Rotation-Id', /is reserved/],
    ['a 257-character tag name', { tags: { ['n'.repeat(257)]: 'v' } }, `tags.${'n'.repeat(257)}`, /tag name has at most 256 characters/],
    ['a 257-character tag value', { tags: { owner: 'v'.repeat(257) } }, 'tags.owner', /tag value has at most 256 characters/],
    ['an empty tag name', { tags: { '': 'v' } }, 'tags.', /tag name cannot be empty/],
    ['a tag value that is not text', { tags: { count: 3 } }, 'tags.count', /must be a string, not a number/],
    ['a __proto__ tag', JSON.parse('{"tags":{"__proto__":"x"}}') as object, 'tags.__proto__', /cannot be used as a name/],
    ['a 256-character content type', { contentType: 'c'.repeat(256) }, 'contentType', /at most 255 characters: Key Vault refuses longer content types/],
    ['an empty content type', { contentType: '' }, 'contentType', /leave it out instead/],
    ['an empty owner', { owner: '  ' }, 'owner', /cannot be empty/],
    ['a missing environment', { environment: undefined }, 'environment', /is required/],
    ['enabled as text', { enabled: 'yes' }, 'enabled', /must be a boolean, not a string/],
    ['an unknown top-level field', { rotation_period: '90d' }, 'rotation_period', /not a known field: unknown fields are refused so that a typo cannot silently change what a policy does/],
    ['a generator problem, at its nested path', { generator: { ...aTemplateGenerator(), fields: { password: { kind: 'random_password', length: 4 } } } }, 'generator.fields.password.length', /at least 8/],
    ['an unknown generator option', { generator: { kind: 'random_password', length: 32, symbols: true } }, 'generator.symbols', /not a known field/],
    ['an impossible password', { generator: { kind: 'random_password', length: 8, minDigits: 8 } }, 'generator.length', /shorter than the minimum counts/],
    ['a template too large for Key Vault', { generator: { kind: 'template', fields: Object.fromEntries(Array.from({ length: 7 }, (_, index) => [`p${index}`, { kind: 'random_password', length: 4096 }])) } }, 'generator.fields', /over Key Vault's limit of 25600 bytes/],
  ])('refuses %s', (_, overrides, path, message) => {
    // Arrange
    const input = { ...aPolicyJson(), ...overrides };

    // Act
    const found = problems(input);

    // Assert
    expect(found).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('throws a ValidationError whose message names the first problem and counts the rest', () => {
    // Arrange
    const input = aPolicyJson({ id: 'BAD', secretName: 'bad_name' });

    // Act
    const attempt = (): unknown => parsePolicy(input);

    // Assert
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/^invalid rotation policy: id: must be 1-63 .* \(and 1 more\)$/);
  });

  it.each([null, 'policy', 42, []])('refuses a body that is not an object (%j)', (input) => {
    expect(problems(input)).toEqual([{ path: '', message: expect.stringMatching(/must be an object/) }]);
  });
});

describe('managed tags', () => {
  it('are the three names the engine writes, with the managed-by value', () => {
    expect(MANAGED_TAGS).toEqual({ managedBy: 'managed-by', policyId: 'rotation-policy-id', rotationId: 'rotation-id' });
    expect(MANAGED_BY_VALUE).toBe('kv-rotation');
  });
});

describe('the policy mother', () => {
  it('builds a valid policy in one line, with overrides', () => {
    const policy = aPolicy({ id: 'other-policy', enabled: false });
    expect(rotationPolicySchema.parse(policy)).toEqual(policy);
    expect(policy).toMatchObject({ id: 'other-policy', enabled: false, vaultUrl: 'https://kv-payments-prod.vault.azure.net' });
  });

  it('refuses an invalid override loudly', () => {
    expect(() => aPolicy({ secretName: 'bad_name' })).toThrow(ValidationError);
  });

  it('gives a fresh body each call', () => {
    const first = aPolicyJson();
    (first.tags as Record<string, string>).extra = 'x';
    expect(aPolicyJson().tags).toEqual({ CostCenter: 'engineering' });
  });
});
