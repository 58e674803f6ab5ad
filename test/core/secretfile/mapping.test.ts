import { describe, expect, it } from 'vitest';
import { ConsumerCatalog } from '../../../src/core/consumers/consumer-port.js';
import { postgresqlConsumer } from '../../../src/adapters/consumers/postgresql-consumer.js';
import { NEVER_ROTATED } from '../../../src/core/secretfile/index.js';
import { policyIdFrom, withSuffix } from '../../../src/core/secretfile/policy-ids.js';
import { fieldTargetsFollowTemplate, placeVaultTargets } from '../../../src/core/secretfile/targets.js';
import { consumerKinds as appConsumerKinds } from '../../../src/composition.js';
import { errors, HEAD, oneSecret, read, warnings } from './secretfile-mother.js';

function onlyPolicy(text: string, options: Parameters<typeof read>[1] = {}) {
  const result = read(text, options);
  expect(errors(result)).toEqual([]);
  expect(result.policies).toHaveLength(1);
  return { ...result.policies[0]!, result };
}

describe('generators', () => {
  it('maps random_password: number is digits, exclude_characters is excludeCharacters', () => {
    // Act
    const { policy } = onlyPolicy(oneSecret(`kind: random_password
rotation_period: 30d
config:
  length: 24
  upper: false
  number: false
  special: true
  exclude_characters: '"@/\\'`));

    // Assert
    expect(policy.generator).toEqual({ kind: 'random_password', length: 24, upper: false, lower: true, digits: false, special: true, excludeCharacters: '"@/\\' });
  });

  it("takes SecretZero's defaults: length 32, every class on", () => {
    const { policy } = onlyPolicy(oneSecret('kind: random_password\nrotation_period: 30d'));
    expect(policy.generator).toEqual({ kind: 'random_password', length: 32, upper: true, lower: true, digits: true, special: true });
  });

  it.each([
    ['alphanumeric', { charset: 'alphanumeric' }],
    ['numeric', { charset: 'numeric' }],
    ['hex', { charset: 'hex' }],
    ['alpha', { charset: 'custom', characters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' }],
  ])('maps random_string charset %s', (charset, expected) => {
    const { policy } = onlyPolicy(oneSecret(`kind: random_string\nrotation_period: 30d\nconfig: {length: 40, charset: ${charset}}`));
    expect(policy.generator).toEqual({ kind: 'random_string', length: 40, ...expected });
  });

  it('makes alphanumeric of a charset SecretZero does not know, as SecretZero does, and says so', () => {
    // Act
    const { policy, result } = onlyPolicy(oneSecret('kind: random_string\nrotation_period: 30d\nconfig: {length: 40, charset: base64}'));

    // Assert
    expect(policy.generator).toEqual({ kind: 'random_string', length: 40, charset: 'alphanumeric' });
    expect(warnings(result)).toEqual([
      "Secretfile.yml:6:35: secrets[0].config.charset: 'base64' is not a charset SecretZero knows (alphanumeric, alpha, numeric, hex): SecretZero generates alphanumeric instead, without a word, and so does this policy, so both tools make the same kind of value",
    ]);
  });

  it('warns of an option SecretZero ignores, and ignores it', () => {
    const { policy, result } = onlyPolicy(oneSecret('kind: random_password\nrotation_period: 30d\nconfig: {lenght: 40}'));
    expect(policy.generator).toMatchObject({ length: 32 });
    expect(warnings(result)).toEqual([
      'Secretfile.yml:6:14: secrets[0].config.lenght: is not a random_password option SecretZero reads (length, upper, lower, number, special, exclude_characters): ignored, as SecretZero ignores it',
    ]);
  });

  it('makes static a policy that holds no value, and never repeats the value', () => {
    // Act
    const { policy, notes, result } = onlyPolicy(oneSecret('kind: static\nrotation_period: 90d\nconfig: {value: "DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0"}'));

    // Assert
    expect(policy.generator).toEqual({ kind: 'static' });
    expect(notes.join(' ')).toContain('the policy never holds it');
    expect(JSON.stringify(result)).not.toContain('c2VjcmV0');
  });

  const templateFile = `${HEAD}secrets:
  - name: db
    kind: templates.db
    rotation_period: 30d
templates:
  db:
    description: database credentials
    fields:
      host:
        description: host
        generator: {kind: static, config: {default: db.example.com}}
      port:
        description: port
        generator: {kind: static, config: {default: 5432}}
      password:
        description: password
        generator: {kind: random_password, config: {length: 40, special: false}}
        targets:
          - provider: azure
            kind: key_vault
            config: {vault_url: 'https://kv-app.vault.azure.net', secret_name: db-password}
      pin:
        description: pin
        generator: {kind: random_string, config: {length: 8, charset: numeric}}
    targets:
      - provider: azure
        kind: key_vault
        config: {vault_url: 'https://kv-app.vault.azure.net', secret_name: db-credentials}
`;

  it("maps a template's fields into one template policy for the template's targets", () => {
    // Act
    const result = read(templateFile);

    // Assert
    expect(errors(result)).toEqual([]);
    const whole = result.policies.find(({ policy }) => policy.id === 'db')!;
    expect(whole.policy.secretName).toBe('db-credentials');
    expect(whole.policy.generator).toEqual({
      kind: 'template',
      fields: {
        host: { static: 'db.example.com' },
        port: { static: '5432' },
        password: { kind: 'random_password', length: 40, upper: true, lower: true, digits: true, special: false },
        pin: { kind: 'random_string', length: 8, charset: 'numeric' },
      },
    });
  });

  it("with the app's catalog, makes a field's own target a keyvault-replica of that field of the template's policy, so both hold one value", () => {
    // Act
    const result = read(templateFile, { consumerKinds: appConsumerKinds });

    // Assert
    expect(errors(result)).toEqual([]);
    expect(result.policies.map(({ policy }) => policy.id)).toEqual(['db']);
    expect(result.policies[0]!.policy.consumers).toEqual([
      { kind: 'keyvault-replica', name: 'password-kv-app', vaultUrl: 'https://kv-app.vault.azure.net', secretName: 'db-password', field: 'password' },
    ]);
    expect(warnings(result)).toEqual([
      "Secretfile.yml:20:11: templates.db.fields.password.targets: field 'password' of secret 'db' has targets of its own beside the template's: policy db copies that field of each version to it as a keyvault-replica consumer with field 'password', so the field's secret holds the same value as the field inside the template's JSON, as SecretZero writes it; each replica vault must be governed by the deployment",
    ]);
    expect(result.consumerKindsNamed).toEqual(['keyvault-replica']);
  });

  it("without the replica kind, makes a field with targets of its own a policy for that field's value alone, and says the values will differ", () => {
    // Act
    const result = read(templateFile);

    // Assert
    expect(errors(result)).toEqual([]);
    const field = result.policies.find(({ policy }) => policy.id === 'db-password')!;
    expect(field.policy.secretName).toBe('db-password');
    expect(field.policy.generator).toEqual({ kind: 'random_password', length: 40, upper: true, lower: true, digits: true, special: false });
    expect(field.source).toMatchObject({ path: 'secrets[0]', field: 'password', target: 'templates.db.fields.password.targets[0]' });
    expect(result.policies.find(({ policy }) => policy.id === 'db')!.policy.consumers).toBeUndefined();
    expect(warnings(result)).toEqual([expect.stringMatching(/^Secretfile\.yml:20:11: templates\.db\.fields\.password\.targets: field 'password' of secret 'db' has targets of its own beside the template's: .*hold different values/)]);
    // The CLI reads again with the app's kinds, and then the field follows the template.
    expect(result.consumerKindsNamed).toEqual(['keyvault-replica']);
  });

  it('keeps a field a policy of its own when the template has no Key Vault target: there is no JSON in a vault to agree with', () => {
    // Arrange
    const fieldOnly = templateFile.replace(/    targets:\n      - provider: azure\n        kind: key_vault\n        config: \{vault_url: 'https:\/\/kv-app\.vault\.azure\.net', secret_name: db-credentials\}\n$/, '    targets: []\n');
    expect(fieldOnly).not.toBe(templateFile);

    // Act
    const result = read(fieldOnly, { consumerKinds: appConsumerKinds });

    // Assert
    expect(errors(result)).toEqual([]);
    expect(result.policies.map(({ policy }) => [policy.id, policy.secretName, policy.generator.kind, policy.consumers])).toEqual([['db-password', 'db-password', 'random_password', undefined]]);
    expect(warnings(result)).toEqual([]);
  });

  it("names each field's copies apart, and a field copied to two vaults gets one replica per vault", () => {
    // Arrange
    const twoVaults = templateFile.replace(
      "            config: {vault_url: 'https://kv-app.vault.azure.net', secret_name: db-password}\n",
      "            config: {vault_url: 'https://kv-app.vault.azure.net', secret_name: db-password}\n          - {provider: azure, kind: key_vault, config: {vault_url: 'https://kv-dr.vault.azure.net'}}\n",
    );

    // Act
    const result = read(twoVaults, { consumerKinds: appConsumerKinds });

    // Assert
    expect(errors(result)).toEqual([]);
    expect(result.policies[0]!.policy.consumers).toEqual([
      { kind: 'keyvault-replica', name: 'password-kv-app', vaultUrl: 'https://kv-app.vault.azure.net', secretName: 'db-password', field: 'password' },
      // No secret_name: the field's name, as SecretZero names a field's target.
      { kind: 'keyvault-replica', name: 'password-kv-dr', vaultUrl: 'https://kv-dr.vault.azure.net', secretName: 'password', field: 'password' },
    ]);
  });

  it("reports a field replica's problem at the field's own target", () => {
    // Arrange
    const badVault = templateFile.replace("vault_url: 'https://kv-app.vault.azure.net', secret_name: db-password", "vault_url: 'http://kv-app.example.com', secret_name: db-password");

    // Act
    const result = read(badVault, { consumerKinds: appConsumerKinds });

    // Assert
    expect(errors(result)).toHaveLength(1);
    expect(errors(result)[0]).toMatch(/^Secretfile\.yml:\d+:\d+: templates\.db\.fields\.password\.targets\[0\]\.config\.vault_url: .*\[policy 'db', consumers\.0\.vaultUrl\]$/);
  });

  it('lets field targets follow the template only with whole-value vault targets and the replica kind', () => {
    expect(fieldTargetsFollowTemplate(1, true)).toBe(true);
    expect(fieldTargetsFollowTemplate(0, true)).toBe(false);
    expect(fieldTargetsFollowTemplate(2, false)).toBe(false);
  });
});

describe('rotation', () => {
  it.each([
    ['90d', '90d', '127d'],
    ['2w', '14d', '51d'],
    ['3m', '90d', '127d'],
    ['1y', '365d', '402d'],
    ['30D', '30d', '67d'],
  ])('rotation_period %s is every %s, with validFor %s (every + 30 days + 7)', (period, every, validFor) => {
    // Act
    const { policy, validForDefault, notes } = onlyPolicy(oneSecret(`kind: random_password\nrotation_period: ${period}`));

    // Assert
    expect(policy.rotation).toEqual({ every, validFor });
    expect(validForDefault).toBe(true);
    expect(notes.some((note) => note.startsWith(`validFor ${validFor} = every ${every} + Key Vault's 30-day near-expiry window + 7 days`))).toBe(true);
  });

  it('takes validFor from x-kvrot, the secret over the top level', () => {
    // Arrange
    const text = oneSecret('kind: random_password\nrotation_period: 30d\nx-kvrot: {validFor: 75d}').replace(HEAD, 'x-kvrot: {environment: production, owner: team-a, validFor: 90d}\n');

    // Act
    const { policy, validForDefault } = onlyPolicy(text);

    // Assert
    expect(policy.rotation).toEqual({ every: '30d', validFor: '75d' });
    expect(validForDefault).toBe(false);
  });

  it('creates a one_time secret once and never rotates it', () => {
    const { policy, neverRotated, notes } = onlyPolicy(oneSecret('kind: random_password\none_time: true'));
    expect(policy.rotation).toEqual(NEVER_ROTATED);
    expect(neverRotated).toBe(true);
    expect(notes[0]).toMatch(/^one_time: created when missing and never rotated/);
  });

  it("reads one_time as pydantic does: 'yes' and \"true\" are true", () => {
    expect(onlyPolicy(oneSecret("kind: random_password\none_time: 'yes'")).neverRotated).toBe(true);
  });

  it('never rotates a secret with no rotation_period, as SecretZero never does, and says so', () => {
    const { policy, neverRotated, notes } = onlyPolicy(oneSecret('kind: random_password'));
    expect(policy.rotation).toEqual(NEVER_ROTATED);
    expect(neverRotated).toBe(true);
    expect(notes[0]).toMatch(/^no rotation_period: SecretZero never rotates this secret, and neither will kvrot/);
  });

  it('ignores rotation_period on a one_time secret, with a warning', () => {
    const { result } = onlyPolicy(oneSecret('kind: random_password\none_time: true\nrotation_period: 30d'));
    expect(warnings(result)).toEqual(["Secretfile.yml:6:22: secrets[0].rotation_period: secret 'app-key' is one_time: its rotation_period is not used (created once, never rotated)"]);
  });
});

describe('targets', () => {
  it.each(['key_vault', 'azure_keyvault'])('serves kind %s', (kind) => {
    const { policy } = onlyPolicy(oneSecret('kind: random_password\nrotation_period: 30d').replace('kind: key_vault', `kind: ${kind}`));
    expect(policy.vaultUrl).toBe('https://kv-app.vault.azure.net');
  });

  it("names the Key Vault secret after the SecretZero secret when the target gives no secret_name, as SecretZero does", () => {
    expect(onlyPolicy(oneSecret('kind: random_password\nrotation_period: 30d')).policy.secretName).toBe('app-key');
  });

  it('lists each target it does not serve as skipped, with its path', () => {
    // Arrange
    const text = oneSecret('kind: random_password\nrotation_period: 30d').replace(
      '    targets:\n',
      '    targets:\n      - {provider: aws, kind: secrets_manager, config: {name: x}}\n      - {provider: local, kind: file, config: {path: .env}}\n',
    );

    // Act
    const { result } = onlyPolicy(text);

    // Assert
    expect(result.skipped.map(({ path, provider, kind, line, column }) => ({ path, provider, kind, line, column }))).toEqual([
      { path: 'secrets[0].targets[0]', provider: 'aws', kind: 'secrets_manager', line: 7, column: 9 },
      { path: 'secrets[0].targets[1]', provider: 'local', kind: 'file', line: 8, column: 9 },
    ]);
  });

  it('refuses skipped targets with --strict', () => {
    // Arrange
    const text = oneSecret('kind: random_password\nrotation_period: 30d').replace('    targets:\n', '    targets:\n      - {provider: k8s, kind: kubernetes_secret}\n');

    // Act
    const result = read(text, { strict: true });

    // Assert
    expect(errors(result)).toEqual([
      "Secretfile.yml:7:31: secrets[0].targets[0].kind: target kind 'kubernetes_secret' is not served by kvrot, and --strict refuses what it would skip: kvrot serves Azure Key Vault targets only (kind key_vault or azure_keyvault): this target is left to SecretZero",
    ]);
  });

  it('without the replica kind, makes one policy per vault for a secret in several vaults, and says the vaults will hold different values', () => {
    // Arrange
    const text = oneSecret('kind: random_password\nrotation_period: 30d').replace(
      '    targets:\n',
      "    targets:\n      - {provider: azure, kind: key_vault, config: {vault_url: 'https://kv-west.vault.azure.net'}}\n      - {provider: azure, kind: key_vault, config: {vault_url: 'https://kv-north.vault.azure.net'}}\n",
    );

    // Act
    const result = read(text);

    // Assert
    expect(errors(result)).toEqual([]);
    expect(result.policies.map(({ policy }) => [policy.id, policy.vaultUrl])).toEqual([
      ['app-key', 'https://kv-west.vault.azure.net'],
      ['app-key-kv-north', 'https://kv-north.vault.azure.net'],
      ['app-key-kv-app', 'https://kv-app.vault.azure.net'],
    ]);
    expect(warnings(result)).toEqual([
      "Secretfile.yml:7:7: secrets[0].targets: secret 'app-key' goes to 3 vaults: kvrot makes one policy per vault (app-key, app-key-kv-north, app-key-kv-app), each rotated on its own, so the vaults hold different values; once the keyvault-replica consumer exists the first vault will be rotated and the others kept as its replicas",
    ]);
    expect(result.consumerKindsNamed).toEqual(['keyvault-replica']);
  });

  it("with the app's catalog, rotates a secret in several vaults in the first and keeps the others as its keyvault-replica consumers", () => {
    // Arrange
    const text = oneSecret('kind: random_password\nrotation_period: 30d').replace(
      '    targets:\n',
      "    targets:\n      - {provider: azure, kind: key_vault, config: {vault_url: 'https://kv-west.vault.azure.net'}}\n      - {provider: azure, kind: key_vault, config: {vault_url: 'https://kv-north.vault.azure.net', secret_name: 'app-key-dr'}}\n",
    );

    // Act
    const result = read(text, { consumerKinds: appConsumerKinds });

    // Assert
    expect(errors(result)).toEqual([]);
    expect(result.policies.map(({ policy }) => [policy.id, policy.vaultUrl, policy.consumers])).toEqual([
      [
        'app-key',
        'https://kv-west.vault.azure.net',
        [
          { kind: 'keyvault-replica', name: 'replica-kv-north', vaultUrl: 'https://kv-north.vault.azure.net', secretName: 'app-key-dr' },
          { kind: 'keyvault-replica', name: 'replica-kv-app', vaultUrl: 'https://kv-app.vault.azure.net', secretName: 'app-key' },
        ],
      ],
    ]);
    expect(warnings(result)).toEqual([
      "Secretfile.yml:7:7: secrets[0].targets: secret 'app-key' goes to 3 vaults: policy app-key rotates it in the first and copies each version to the other 2 as keyvault-replica consumers, so every vault holds the same value; each replica vault must be governed by the deployment",
    ]);
  });

  it('reports a bad replica vault URL at its own target', () => {
    // Arrange
    const text = oneSecret('kind: random_password\nrotation_period: 30d').replace(
      '    targets:\n',
      "    targets:\n      - {provider: azure, kind: key_vault, config: {vault_url: 'https://kv-west.vault.azure.net'}}\n      - {provider: azure, kind: key_vault, config: {vault_url: 'http://kv-north.example.com'}}\n",
    );

    // Act
    const result = read(text, { consumerKinds: appConsumerKinds });

    // Assert
    expect(errors(result)).toHaveLength(1);
    expect(errors(result)[0]).toMatch(/^Secretfile\.yml:\d+:\d+: secrets\[0\]\.targets\[1\]\.config\.vault_url: /);
  });

  it('places several vaults as one primary and its replicas only when the replica kind is there', () => {
    expect(placeVaultTargets(['a', 'b', 'c'], true)).toEqual([{ primary: 'a', replicas: ['b', 'c'] }]);
    expect(placeVaultTargets(['a'], true)).toEqual([{ primary: 'a', replicas: [] }]);
    expect(placeVaultTargets(['a', 'b'], false)).toEqual([
      { primary: 'a', replicas: [] },
      { primary: 'b', replicas: [] },
    ]);
  });

  it("applies the environment's target profile to the secret's targets: the provider's overrides, then the kind's", () => {
    // Arrange
    const text = `${HEAD}environments:
  profiles:
    production: {target_profile: prod}
target_profiles:
  prod:
    provider_overrides:
      azure: {vault_url: 'https://kv-by-provider.vault.azure.net', secret_name: by-provider}
    target_overrides:
      key_vault: {secret_name: by-kind}
secrets:
  - name: app-key
    kind: random_password
    rotation_period: 30d
    targets: [{provider: azure, kind: key_vault, config: {vault_url: 'https://kv-app.vault.azure.net'}}]
`;

    // Act
    const { policy } = onlyPolicy(text, { environment: 'production' });

    // Assert
    expect([policy.vaultUrl, policy.secretName]).toEqual(['https://kv-by-provider.vault.azure.net', 'by-kind']);
  });
});

describe('x-kvrot', () => {
  it('takes environment, owner and tags from the secret over the top level, and merges tags', () => {
    // Arrange
    const text = oneSecret('kind: random_password\nrotation_period: 30d\nx-kvrot: {owner: team-b, tags: {Tier: db, App: override}}').replace(HEAD, 'x-kvrot: {environment: production, owner: team-a, tags: {App: payments, CostCenter: eng}}\n');

    // Act
    const { policy } = onlyPolicy(text);

    // Assert
    expect(policy).toMatchObject({ environment: 'production', owner: 'team-b', tags: { App: 'override', CostCenter: 'eng', Tier: 'db' } });
  });

  it('uses the -e profile as the environment and metadata.owner as the owner when x-kvrot says neither', () => {
    // Arrange
    const text = oneSecret('kind: random_password\nrotation_period: 30d').replace(HEAD, 'metadata: {owner: team-meta}\nenvironments: {profiles: {staging: {}}}\n');

    // Act
    const { policy, result } = onlyPolicy(text, { environment: 'staging' });

    // Assert
    expect(policy).toMatchObject({ environment: 'staging', owner: 'team-meta' });
    expect(result.environment).toBe('staging');
  });

  it('takes the policy id from x-kvrot.id', () => {
    expect(onlyPolicy(oneSecret('kind: random_password\nrotation_period: 30d\nx-kvrot: {id: custom-id}')).policy.id).toBe('custom-id');
  });

  it('passes strategy and consumers to parsePolicy with the consumer kinds given', () => {
    // Arrange
    const text = oneSecret(`kind: random_password
rotation_period: 30d
x-kvrot:
  strategy: {kind: alternating-users, gracePeriod: 1h, maxDrainWait: 1d}
  consumers:
    - {kind: postgresql, name: orders, host: db.example.com, database: orders, login: orders_app, admin: {secretName: orders-admin}}`);

    // Act
    const withoutKinds = read(text);
    const withKinds = read(text, { consumerKinds: new ConsumerCatalog([postgresqlConsumer]) });

    // Assert
    expect(withoutKinds.consumerKindsNamed).toEqual(['postgresql']);
    expect(errors(withoutKinds)).toEqual(["Secretfile.yml:9:18: secrets[0].x-kvrot.consumers[0].kind: unknown consumer kind 'postgresql': this deployment knows none [policy 'app-key', consumers.0.kind]"]);
    expect(errors(withKinds)).toEqual([]);
    expect(withKinds.policies[0]!.policy.consumers).toMatchObject([{ kind: 'postgresql', name: 'orders', port: 5432, tls: true }]);
  });
});

describe('policy ids', () => {
  it.each([
    ['database_password', 'database-password'],
    ['API.Key', 'api-key'],
    ['__x__', 'x'],
    ['1password', undefined],
    ['___', undefined],
    ['a'.repeat(80), 'a'.repeat(63)],
  ])('%s becomes %s', (name, id) => {
    expect(policyIdFrom(name)).toBe(id);
  });

  it('keeps a suffixed id within 63 characters', () => {
    expect(withSuffix('a'.repeat(63), 'kv-westeurope')).toBe(`${'a'.repeat(49)}-kv-westeurope`);
  });
});
