/**
 * Key Vault names as value objects: a SecretName or VaultName cannot hold a
 * name Key Vault would refuse. The *Problem functions return why a name is
 * invalid (or undefined), for schemas that collect every problem at once.
 */
import { ValidationError } from './errors.js';
import { quote, withoutUserinfo } from './untrusted-text.js';

const SECRET_NAME_MAX = 127;
const SECRET_NAME_CHARS = /^[0-9A-Za-z-]*$/;

export function secretNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a Key Vault secret name cannot be empty';
  if (name.length > SECRET_NAME_MAX) {
    return `a Key Vault secret name has at most ${SECRET_NAME_MAX} characters; this one has ${name.length}`;
  }
  if (!SECRET_NAME_CHARS.test(name)) {
    const bad = [...name].find((char) => !SECRET_NAME_CHARS.test(char)) ?? '';
    return `Key Vault secret names allow only letters, digits and hyphens; ${quote(bad)} is not allowed${bad === '_' || bad === '.' ? " (use '-')" : ''}`;
  }
  return undefined;
}

export function vaultNameProblem(name: string): string | undefined {
  const rule = 'vault names are 3-24 letters, digits and hyphens, start with a letter, end with a letter or digit, and have no consecutive hyphens';
  const shown = `vault name ${quote(name)}`;
  if (name.length < 3 || name.length > 24) return `${shown} has ${name.length} characters: ${rule}`;
  if (!/^[0-9A-Za-z-]*$/.test(name)) return `${shown} has a character other than a letter, digit or hyphen: ${rule}`;
  if (!/^[A-Za-z]/.test(name)) return `${shown} does not start with a letter: ${rule}`;
  if (!/[0-9A-Za-z]$/.test(name)) return `${shown} does not end with a letter or digit: ${rule}`;
  if (name.includes('--')) return `${shown} has consecutive hyphens: ${rule}`;
  return undefined;
}

/**
 * A Key Vault secret name. Key Vault compares object names case-insensitively:
 * 'Db-Password' and 'db-password' are the same secret, so compare with equals().
 */
export class SecretName {
  private constructor(readonly value: string) {}

  static parse(name: string): SecretName {
    const problem = secretNameProblem(name);
    if (problem) throw new ValidationError(problem, [{ path: '', message: problem }]);
    return new SecretName(name);
  }

  /** The form to index or compare by. */
  get key(): string {
    return this.value.toLowerCase();
  }

  equals(other: SecretName): boolean {
    return this.key === other.key;
  }

  toString(): string {
    return this.value;
  }
}

/** A Key Vault name: the first label of its host name, so case-insensitive; held lower-cased. */
export class VaultName {
  private constructor(readonly value: string) {}

  static parse(name: string): VaultName {
    const problem = vaultNameProblem(name);
    if (problem) throw new ValidationError(problem, [{ path: '', message: problem }]);
    return new VaultName(name.toLowerCase());
  }

  equals(other: VaultName): boolean {
    return this.value === other.value;
  }

  toString(): string {
    return this.value;
  }
}

/** Public, China and US Government clouds. Managed HSM hosts hold no secrets and are refused. */
export const KEY_VAULT_DNS_SUFFIXES = ['.vault.azure.net', '.vault.azure.cn', '.vault.usgovcloudapi.net'] as const;

export interface VaultUrl {
  /** https://<vault>.<suffix>[:port], lower-case, no trailing slash; port 443 is dropped. */
  origin: string;
  vaultName: string;
}

/**
 * Accepts only a Key Vault origin: https://<vault>.vault.azure.net (or a
 * sovereign suffix), an optional port (the local emulator listens on 8443) and
 * an optional trailing slash. The string is checked as written rather than
 * through new URL(), which would quietly repair "https:kv.vault.azure.net",
 * backslashes and percent-escapes.
 */
export function parseVaultUrl(url: string): VaultUrl {
  // The URL is quoted without its user information (a password would be echoed back) and bounded.
  const shown = `vault URL ${quote(withoutUserinfo(url), 128)}`;
  const problem = (message: string): ValidationError => new ValidationError(`${shown} ${message}`, [{ path: '', message: `${shown} ${message}` }]);
  const expected = 'expected https://<vault-name>.vault.azure.net (or .vault.azure.cn, .vault.usgovcloudapi.net)';

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (!scheme) throw problem(`is not an absolute URL: ${expected}`);
  if (scheme[1]!.toLowerCase() !== 'https') throw problem(`does not use https: Key Vault is only served over https; ${expected}`);

  const rest = url.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  if (tail !== '' && tail !== '/') {
    throw problem(`has a path, query or fragment (${quote(tail)}): give the vault's address only; the secret is named by secretName`);
  }
  if (authority.includes('@')) throw problem('carries user information: credentials never go in a vault URL');

  const hostPort = /^([^:]*)(?::(\d*))?$/.exec(authority);
  if (!hostPort) throw problem(`has an invalid host or port: ${expected}`);
  const host = hostPort[1]!.toLowerCase();
  const portText = hostPort[2];

  const suffix = KEY_VAULT_DNS_SUFFIXES.find((candidate) => host.endsWith(candidate));
  if (!suffix) throw problem(`is not a Key Vault host: ${expected}`);
  const vaultName = host.slice(0, -suffix.length);
  const nameProblem = vaultNameProblem(vaultName);
  if (nameProblem) throw problem(`names an invalid vault: ${nameProblem}`);

  let port = '';
  if (portText !== undefined) {
    const number = Number(portText);
    if (!/^[1-9]\d{0,4}$/.test(portText) || number > 65535) throw problem(`has an invalid port ${quote(portText)}`);
    if (number !== 443) port = `:${number}`;
  }
  return { origin: `https://${host}${port}`, vaultName };
}
