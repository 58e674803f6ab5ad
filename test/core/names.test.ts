import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { parseVaultUrl, SecretName, secretNameProblem, VaultName, vaultNameProblem } from '../../src/core/names.js';

describe('SecretName', () => {
  it.each(['database-password', 'api-key-2024', 'A', 'x'.repeat(127), 'MixedCase-123', '-leading', 'trailing-', 'double--hyphen', '0123'])(
    'accepts %j (1-127 of 0-9 a-z A-Z -, as Key Vault does)',
    (name) => {
      expect(SecretName.parse(name).value).toBe(name);
    },
  );

  it.each([
    ['', /cannot be empty/],
    ['x'.repeat(128), /at most 127 characters; this one has 128/],
    ['database_password', /only letters, digits and hyphens; '_' is not allowed \(use '-'\)/],
    ['db.password', /'\.' is not allowed \(use '-'\)/],
    ['db password', /' ' is not allowed/],
    ['pässword', /'ä' is not allowed/],
    ['db/password', /'\/' is not allowed/],
  ])('refuses %j, saying why', (name, message) => {
    expect(secretNameProblem(name)).toMatch(message);
    expect(() => SecretName.parse(name)).toThrow(ValidationError);
  });

  it('compares case-insensitively, as Key Vault does', () => {
    expect(SecretName.parse('Db-Password').equals(SecretName.parse('db-password'))).toBe(true);
    expect(SecretName.parse('Db-Password').key).toBe('db-password');
    expect(String(SecretName.parse('Db-Password'))).toBe('Db-Password');
  });
});

describe('VaultName', () => {
  it.each(['kv-payments-prod', 'abc', 'a'.repeat(24), 'Kv1', 'k-v-1'])('accepts %j', (name) => {
    expect(VaultName.parse(name).value).toBe(name.toLowerCase());
  });

  it.each([
    ['ab', /has 2 characters/],
    ['a'.repeat(25), /has 25 characters/],
    ['1vault', /does not start with a letter/],
    ['-vault', /does not start with a letter/],
    ['vault-', /does not end with a letter or digit/],
    ['kv--payments', /consecutive hyphens/],
    ['kv_payments', /other than a letter, digit or hyphen/],
    ['kv.payments', /other than a letter, digit or hyphen/],
  ])('refuses %j, saying why', (name, message) => {
    expect(vaultNameProblem(name)).toMatch(message);
    expect(() => VaultName.parse(name)).toThrow(ValidationError);
  });
});

describe('parseVaultUrl', () => {
  it.each([
    ['https://kv-payments-prod.vault.azure.net', 'https://kv-payments-prod.vault.azure.net', 'kv-payments-prod'],
    ['https://kv-payments-prod.vault.azure.net/', 'https://kv-payments-prod.vault.azure.net', 'kv-payments-prod'],
    ['https://KV-Payments-Prod.Vault.Azure.Net/', 'https://kv-payments-prod.vault.azure.net', 'kv-payments-prod'],
    ['HTTPS://kv-app.vault.azure.net', 'https://kv-app.vault.azure.net', 'kv-app'],
    ['https://kv-app-local.vault.azure.net:8443', 'https://kv-app-local.vault.azure.net:8443', 'kv-app-local'],
    ['https://kv-app-local.vault.azure.net:8443/', 'https://kv-app-local.vault.azure.net:8443', 'kv-app-local'],
    ['https://kv-app.vault.azure.net:443', 'https://kv-app.vault.azure.net', 'kv-app'],
    ['https://kv-china.vault.azure.cn', 'https://kv-china.vault.azure.cn', 'kv-china'],
    ['https://kv-gov.vault.usgovcloudapi.net/', 'https://kv-gov.vault.usgovcloudapi.net', 'kv-gov'],
  ])('reads %j as origin %s, vault %s', (url, origin, vaultName) => {
    expect(parseVaultUrl(url)).toEqual({ origin, vaultName });
  });

  it.each([
    ['kv-app', /not an absolute URL/],
    ['kv-app.vault.azure.net', /not an absolute URL/],
    ['https:kv-app.vault.azure.net', /not an absolute URL/],
    ['http://kv-app.vault.azure.net', /does not use https: Key Vault is only served over https/],
    ['ftp://kv-app.vault.azure.net', /does not use https/],
    ['https://kv-app.com', /not a Key Vault host/],
    ['https://kv-app.vault.azure.net.evil.example', /not a Key Vault host/],
    ['https://kv-app.vault.azure.net.', /not a Key Vault host/],
    ['https://vault.azure.net', /not a Key Vault host/],
    ['https://kv-app.managedhsm.azure.net', /not a Key Vault host/],
    ['https://a.b.vault.azure.net', /names an invalid vault: vault name 'a.b'/],
    ['https://kv--app.vault.azure.net', /consecutive hyphens/],
    ['https://kv-app.vault.azure.net/secrets/db-password', /has a path, query or fragment \('\/secrets\/db-password'\).*secretName/],
    ['https://kv-app.vault.azure.net//', /has a path/],
    ['https://kv-app.vault.azure.net?api-version=7.4', /has a path, query or fragment/],
    ['https://kv-app.vault.azure.net#x', /has a path, query or fragment/],
    ['https://user:pass@kv-app.vault.azure.net', /carries user information/],
    ['https://kv-app.vault.azure.net:0', /invalid port '0'/],
    ['https://kv-app.vault.azure.net:65536', /invalid port '65536'/],
    ['https://kv-app.vault.azure.net:08443', /invalid port '08443'/],
    ['https://kv-app.vault.azure.net:', /invalid port ''/],
    ['https://kv-app.vault.azure.net:84a3', /invalid host or port/],
    ['https://kv-app.vault.azure.net\\secrets', /not a Key Vault host/],
    ['https://kv-app.vault.azure.net /', /not a Key Vault host/],
  ])('refuses %j, saying why', (url, message) => {
    // Act
    const attempt = (): unknown => parseVaultUrl(url);

    // Assert
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(message);
  });
});

describe('what a refusal echoes', () => {
  const allText = (error: unknown): string => {
    const e = error as ValidationError;
    return `${e.message} ${JSON.stringify(e.details)}`;
  };
  const refusalOf = (url: string): ValidationError => {
    try {
      parseVaultUrl(url);
    } catch (error) {
      return error as ValidationError;
    }
    throw new Error(`'${url}' was accepted`);
  };

  it.each([
    'https://user:pw@kv-app.vault.azure.net',
    'https://user:pw@kv-app.vault.azure.net/secrets/x',
    'http://user:pw@kv-app.vault.azure.net',
    'https://user:pw@kv-app.example.com',
    'https:user:pw@kv-app.vault.azure.net',
    'https://admin:s3cr3t@kv--app.vault.azure.net:99999',
  ])('never repeats the user information of %j', (url) => {
    // Act
    const text = allText(refusalOf(url));

    // Assert
    expect(text).not.toMatch(/user:|:pw|s3cr3t|admin/);
    expect(text).toMatch(/\*\*\*@/);
  });

  it('bounds a 20 MB URL to a short quote', () => {
    const error = refusalOf(`https://kv-app.vault.azure.net/${'x'.repeat(20_000_000)}`);
    expect(allText(error).length).toBeLessThan(2_000);
    expect(error.message).toMatch(/more characters\]/);
  });

  it('escapes control and bidi characters in a URL it quotes', () => {
    const error = refusalOf('https://kv-app.vault.azure.net/\n\u202e');
    expect(allText(error)).not.toMatch(/[\n\u202e]/u);
    expect(error.message).toContain('\\u000a\\u202e');
  });

  it.each([
    ['a 20 MB vault name', 'k'.repeat(20_000_000)],
    ['a vault name with a newline', 'kv\nforged'],
  ])('bounds and escapes %s', (_name, name) => {
    const problem = vaultNameProblem(name)!;
    expect(problem.length).toBeLessThan(500);
    expect(problem).not.toMatch(/\n/);
  });

  it.each([
    ['a newline', 'db\npassword', /'\\u000a' is not allowed/],
    ['a bidi override', 'db\u202epassword', /'\\u202e' is not allowed/],
    ['a lone surrogate', 'db\ud800password', /'\\ud800' is not allowed/],
  ])('names %s in a secret name without echoing it raw', (_name, name, message) => {
    expect(secretNameProblem(name)).toMatch(message);
  });
});
