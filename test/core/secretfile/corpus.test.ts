/**
 * The corpus: SecretZero's documented Azure examples, verbatim, and features.yml, which uses
 * every feature kvrot reads. What each file makes is written out here in full.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumerKinds as appConsumerKinds } from '../../../src/composition.js';
import type { ConsumerCatalog } from '../../../src/core/consumers/consumer-port.js';
import { formatLocated, readSecretfile, type SecretfileResult } from '../../../src/core/secretfile/index.js';
import { CORPUS, HEAD } from './secretfile-mother.js';

function readCorpus(name: string, options: { environment?: string; head?: string; consumerKinds?: ConsumerCatalog } = {}): SecretfileResult {
  const text = (options.head ?? '') + readFileSync(join(CORPUS, name), 'utf8');
  return readSecretfile({
    file: { name, text },
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.consumerKinds ? { consumerKinds: options.consumerKinds } : {}),
    loadVarFile: (path) => ({ name: path, text: readFileSync(join(CORPUS, path), 'utf8') }),
  });
}

function summary(result: SecretfileResult) {
  return result.policies.map(({ policy, neverRotated }) => [policy.id, policy.vaultUrl.replace(/^https:\/\//, '').replace(/\.vault\.azure\.net$/, ''), policy.secretName, policy.generator.kind, neverRotated ? 'never' : `${policy.rotation.every}/${policy.rotation.validFor}`]);
}

/** The documented examples name no owner or environment (SecretZero has neither); the tests give them one line. */
const docs = (name: string) => readCorpus(`secretzero-docs/${name}.yml`, { head: HEAD });

describe("SecretZero's documented examples", () => {
  it('basic: one policy, never rotated since the example has no rotation_period', () => {
    const result = docs('basic');
    expect(result.problems.map(formatLocated)).toEqual([]);
    expect(summary(result)).toEqual([['database-password', 'myapp-secrets', 'database-password', 'random_password', 'never']]);
    expect(result.policies[0]!.policy.generator).toEqual({ kind: 'random_password', length: 32, upper: true, lower: true, digits: true, special: true, excludeCharacters: '"@/\\' });
  });

  it('multi-environment: a policy per secret and per vault, with the two-vault warning', () => {
    const result = docs('multi-environment');
    expect(result.problems).toEqual([]);
    expect(summary(result)).toEqual([
      ['prod-api-key', 'myapp-prod-kv', 'api-key', 'random_string', 'never'],
      ['staging-api-key', 'myapp-staging-kv', 'api-key', 'random_string', 'never'],
      ['shared-encryption-key', 'myapp-prod-kv', 'shared-encryption-key', 'random_string', 'never'],
      ['shared-encryption-key-myapp-staging-kv', 'myapp-staging-kv', 'shared-encryption-key', 'random_string', 'never'],
    ]);
    expect(result.warnings.map((warning) => warning.path)).toEqual(['secrets[2].targets']);
  });

  it('managed identity: base64 becomes alphanumeric as in SecretZero, and the static connection string never appears', () => {
    const result = docs('managed-identity');
    expect(result.problems).toEqual([]);
    expect(summary(result)).toEqual([
      ['app-secret-key', 'webapp-secrets', 'app-secret-key', 'random_string', 'never'],
      ['storage-connection-string', 'webapp-secrets', 'storage-connection-string', 'static', 'never'],
    ]);
    expect(result.warnings.map((warning) => warning.path)).toEqual(['secrets[0].config.charset']);
    expect(JSON.stringify(result)).not.toContain('AccountKey');
  });

  it('templates: refused as SecretZero refuses it, since its fields have no description', () => {
    const result = docs('templates');
    expect(result.policies).toEqual([]);
    expect(result.problems.map((problem) => problem.path)).toEqual([
      'templates.db_credentials.fields.host.description',
      'templates.db_credentials.fields.port.description',
      'templates.db_credentials.fields.database.description',
      'templates.db_credentials.fields.username.description',
      'templates.db_credentials.fields.password.description',
      'templates.db_credentials.fields.ssl_mode.description',
      'templates.service_principal.fields.tenant_id.description',
      'templates.service_principal.fields.client_id.description',
      'templates.service_principal.fields.client_secret.description',
      'templates.service_principal.fields.subscription_id.description',
    ]);
  });

  it('templates, with the descriptions SecretZero requires: two template policies', () => {
    const text = readFileSync(join(CORPUS, 'secretzero-docs/templates.yml'), 'utf8').replace(/^(\s+)generator:$/gm, '$1description: added for SecretZero\n$1generator:');
    const result = readSecretfile({ file: { name: 'templates.yml', text: HEAD + text } });
    expect(result.problems).toEqual([]);
    expect(summary(result)).toEqual([
      ['database-config', 'myapp-prod-kv', 'database-credentials', 'template', 'never'],
      ['service-account', 'myapp-prod-kv', 'service-principal-credentials', 'template', 'never'],
    ]);
    expect(Object.keys((result.policies[0]!.policy.generator as { fields: object }).fields)).toEqual(['host', 'port', 'database', 'username', 'password', 'ssl_mode']);
  });

  it('multi-region: three vaults, three policies', () => {
    const result = docs('multi-region');
    expect(result.problems).toEqual([]);
    expect(summary(result).map(([id]) => id)).toEqual(['global-api-key', 'global-api-key-globalapp-westus-kv', 'global-api-key-globalapp-westeurope-kv']);
  });

  it('microservices: five policies; the ${SENDGRID_API_KEY} of a static value is neither resolved nor mentioned', () => {
    const result = docs('microservices');
    expect(result.problems).toEqual([]);
    expect(summary(result).map(([id, , , kind]) => `${id}:${kind}`)).toEqual([
      'auth-jwt-secret:random_string',
      'auth-db-password:random_password',
      'payment-api-key:random_string',
      'payment-webhook-secret:random_string',
      'notification-sendgrid-key:static',
    ]);
    expect(JSON.stringify(result.warnings)).not.toContain('SENDGRID');
  });

  it('rotation strategy: every 90d, validFor 127d by default', () => {
    const result = docs('rotation-strategy');
    expect(result.problems).toEqual([]);
    expect(summary(result)).toEqual([['database-password', 'myapp-kv', 'database-password', 'random_password', '90d/127d']]);
  });

  it("complete production: refused at the line where its unquoted {{ }} is not YAML (PyYAML refuses it too)", () => {
    const result = docs('complete-production');
    expect(result.policies).toEqual([]);
    expect(formatLocated(result.problems[0]!)).toEqual(expect.stringMatching(/^secretzero-docs\/complete-production\.yml:88:38: not valid YAML: something unexpected stands here \(a value starting with \{ or \[ is a YAML map or list: quote a value that holds \{\{ \}\}\)/));
  });

  it('without an owner and environment, each names what is missing', () => {
    const result = readCorpus('secretzero-docs/basic.yml');
    expect(result.problems.map(formatLocated)).toEqual([
      "secretzero-docs/basic.yml:12:5: secrets[0]: secret 'database_password' has no environment (set x-kvrot.environment on it or at the top level, or choose a profile with -e) and no owner (set x-kvrot.owner on it or at the top level, or metadata.owner): every policy names the environment it belongs to and who to contact",
    ]);
  });
});

describe('features.yml', () => {
  it('in staging (the default profile): every policy, skip and finding', () => {
    // Act
    const result = readCorpus('features.yml');

    // Assert
    expect(result.environment).toBe('staging');
    expect(result.varFiles).toEqual(['vars/staging.szvar']);
    // The webhook signing key goes to two vaults: the CLI reads again with the app's kinds, replicas among them.
    expect(result.consumerKindsNamed).toEqual(['keyvault-replica', 'postgresql']);
    expect(result.problems.map(formatLocated)).toEqual([
      // No consumer kinds were given here: the CLI loads the app's and reads again.
      expect.stringMatching(/^features\.yml:\d+:\d+: secrets\[5\]\.x-kvrot\.consumers\[0\]\.kind: unknown consumer kind 'postgresql'/),
    ]);
    expect(summary(result)).toEqual([
      ['payments-db-password', 'kv-payments-staging', 'payments-db-password', 'random_password', '30d/67d'],
      ['webhook-signing-key', 'kv-payments-staging', 'payments-webhook-signing-key', 'random_string', '90d/120d'],
      ['webhook-signing-key-kv-payments-dr', 'kv-payments-dr', 'payments-webhook-signing-key', 'random_string', '90d/120d'],
      ['partner-api-key', 'kv-payments-staging', 'partner-api-key', 'static', '365d/402d'],
      ['bootstrap-token', 'kv-payments-staging', 'bootstrap-token', 'random_string', 'never'],
      ['payments-db-credentials', 'kv-payments-staging', 'payments-db-credentials', 'template', '14d/51d'],
      ['payments-db-credentials-password', 'kv-payments-staging', 'payments-db-password-only', 'random_password', '14d/51d'],
    ]);
    expect(result.policies[0]!.policy).toMatchObject({ owner: 'team-payments-db', environment: 'staging', tags: { CostCenter: 'engineering', App: 'payments', Tier: 'database' } });
    expect(result.policies[5]!.policy.generator).toMatchObject({ fields: { host: { static: 'payments-northeurope.postgres.database.azure.com' }, port: { static: '5432' } } });
    // Without the replica kind, the template's password field is a policy of its own, and the reader says the values differ.
    expect(result.warnings.map(({ path }) => path)).toEqual(['secrets[1].targets', 'templates.postgres_credentials.fields.password.targets']);
    expect(result.warnings[1]!.message).toContain("so the field's secret and the same field inside the template's JSON hold different values");
    expect(result.skipped.map(({ path, kind }) => `${path}:${kind}`)).toEqual([
      'secrets[0].targets[1]:ssm_parameter',
      'secrets[0].targets[2]:file',
      'secrets[3].targets[1]:vault_kv',
      'secrets[3].targets[2]:kubernetes_secret',
      'secrets[3].targets[3]:github_secret',
    ]);
    expect(result.findings.map(({ rule, object, parameters }) => `${rule}:${object}:${parameters?.['policy']}`)).toEqual([
      'secretzero.access.denied-target:payments_db_password:cloud_only',
      'secretzero.rotation.max-age:partner_api_key:rotate_quarterly',
      'secretzero.rotation.max-age:partner_api_key:soc2_rotation',
      'secretzero.rotation.period-required:bootstrap_token:rotate_quarterly',
      'secretzero.rotation.period-required:bootstrap_token:soc2_rotation',
    ]);
  });

  it('in production: the var file and the target profile move every vault', () => {
    // Act
    const result = readCorpus('features.yml', { environment: 'production' });

    // Assert
    expect(result.varFiles).toEqual(['vars/production.szvar']);
    expect(summary(result).map(([id, vault, name]) => `${id}:${vault}:${name}`)).toEqual([
      'payments-db-password:kv-payments-prod:pay-db-password',
      'webhook-signing-key:kv-payments-prod:payments-webhook-signing-key',
      'webhook-signing-key-kv-payments-dr-prod:kv-payments-dr-prod:payments-webhook-signing-key',
      'partner-api-key:kv-payments-prod:partner-api-key',
      'bootstrap-token:kv-payments-prod:bootstrap-token',
      'payments-db-credentials:kv-payments-prod:payments-db-credentials',
      'payments-db-credentials-password:kv-payments-prod:payments-db-password-only',
    ]);
  });

  it("with the app's consumer kinds (as kvrot reads it): the template's password field is a keyvault-replica of that field, so both secrets hold one value", () => {
    // Act
    const result = readCorpus('features.yml', { consumerKinds: appConsumerKinds });

    // Assert
    expect(result.problems.map(formatLocated)).toEqual([]);
    expect(summary(result)).toEqual([
      ['payments-db-password', 'kv-payments-staging', 'payments-db-password', 'random_password', '30d/67d'],
      ['webhook-signing-key', 'kv-payments-staging', 'payments-webhook-signing-key', 'random_string', '90d/120d'],
      ['partner-api-key', 'kv-payments-staging', 'partner-api-key', 'static', '365d/402d'],
      ['bootstrap-token', 'kv-payments-staging', 'bootstrap-token', 'random_string', 'never'],
      ['payments-db-credentials', 'kv-payments-staging', 'payments-db-credentials', 'template', '14d/51d'],
      ['orders-db', 'kv-payments-staging', 'orders-db-login', 'random_password', '30d/67d'],
    ]);
    const credentials = result.policies.find(({ policy }) => policy.id === 'payments-db-credentials')!.policy;
    expect(credentials.consumers).toEqual([
      { kind: 'keyvault-replica', name: 'password-kv-payments-staging', vaultUrl: 'https://kv-payments-staging.vault.azure.net', secretName: 'payments-db-password-only', field: 'password' },
    ]);
    expect(result.warnings.map(({ path }) => path)).toEqual(['secrets[1].targets', 'templates.postgres_credentials.fields.password.targets']);
    expect(result.warnings[1]!.message).toContain("policy payments-db-credentials copies that field of each version to it as a keyvault-replica consumer with field 'password'");
  });
});
