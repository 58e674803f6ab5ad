/**
 * App Service's Key Vault references: reading `@Microsoft.KeyVault(...)` out of an app
 * setting, and resolving one the way the site's identity would, with a GET of the secret
 * from the Key Vault emulator over HTTPS. Only the version is kept; the value is read and
 * dropped, since ARM never answers it.
 */
import { request } from 'node:https';

/** ARM's statuses of a reference (Microsoft.Web ResolveStatus). */
export const REFERENCE_STATUSES = [
  'Initialized',
  'Resolved',
  'InvalidSyntax',
  'MSINotEnabled',
  'VaultNotFound',
  'SecretNotFound',
  'SecretVersionNotFound',
  'AccessToKeyVaultDenied',
  'OtherReasons',
  'FetchTimedOut',
  'UnauthorizedClient',
] as const;
export type ReferenceStatus = (typeof REFERENCE_STATUSES)[number];

export interface ParsedReference {
  vaultName: string;
  secretName: string;
  /** Absent for a versionless reference, which follows the secret's newest version. */
  secretVersion?: string;
  /** The vault's host and port as the reference names them (SecretUri), or <vault>.vault.azure.net. */
  host: string;
  port?: number;
}

export interface Resolution {
  status: ReferenceStatus;
  /** The version the site now holds; only when Resolved. */
  activeVersion?: string;
  details: string;
}

/** Where the stand-in reaches Key Vault: the emulator's CA, address and port. */
export interface KeyVaultTrust {
  caCertPem: string;
  address: string;
  port: number;
}

const PREFIX = /^@Microsoft\.KeyVault\(/i;
const SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;
const VERSION = /^[0-9A-Fa-f]{32}$/;
const VAULT_NAME = /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;

export function isKeyVaultReference(value: string): boolean {
  return PREFIX.test(value.trim());
}

function fromSecretUri(text: string): ParsedReference | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  if (url.protocol !== 'https:' || !host.endsWith('.vault.azure.net') || url.search !== '' || url.hash !== '') return undefined;
  const vaultName = host.slice(0, -'.vault.azure.net'.length);
  const [collection, secretName, secretVersion, ...rest] = url.pathname.split('/').filter(Boolean);
  if (collection?.toLowerCase() !== 'secrets' || !secretName || !SECRET_NAME.test(secretName) || rest.length > 0) return undefined;
  if (secretVersion !== undefined && !VERSION.test(secretVersion)) return undefined;
  if (!VAULT_NAME.test(vaultName)) return undefined;
  return { vaultName, secretName, ...(secretVersion ? { secretVersion: secretVersion.toLowerCase() } : {}), host, ...(url.port ? { port: Number(url.port) } : {}) };
}

function fromParts(text: string): ParsedReference | undefined {
  const parts = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    if (at < 1) return undefined;
    parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const vaultName = parts.get('vaultname');
  const secretName = parts.get('secretname');
  const secretVersion = parts.get('secretversion');
  if ([...parts.keys()].some((name) => !['vaultname', 'secretname', 'secretversion'].includes(name))) return undefined;
  if (!vaultName || !VAULT_NAME.test(vaultName) || !secretName || !SECRET_NAME.test(secretName)) return undefined;
  if (secretVersion !== undefined && secretVersion !== '' && !VERSION.test(secretVersion)) return undefined;
  return { vaultName: vaultName.toLowerCase(), secretName, ...(secretVersion ? { secretVersion: secretVersion.toLowerCase() } : {}), host: `${vaultName.toLowerCase()}.vault.azure.net` };
}

/** The reference a setting's value makes, or undefined when it is one App Service cannot read (InvalidSyntax). */
export function parseKeyVaultReference(value: string): ParsedReference | undefined {
  const trimmed = value.trim();
  if (!PREFIX.test(trimmed) || !trimmed.endsWith(')')) return undefined;
  const inner = trimmed.slice(trimmed.indexOf('(') + 1, -1).trim();
  const secretUri = /^SecretUri\s*=\s*(.+)$/is.exec(inner);
  return secretUri ? fromSecretUri(secretUri[1]!.trim()) : fromParts(inner);
}

interface Fetched {
  status: number;
  body: string;
}

function get(reference: ParsedReference, trust: KeyVaultTrust, timeoutInMs: number): Promise<Fetched> {
  const port = reference.port ?? trust.port;
  const path = `/secrets/${encodeURIComponent(reference.secretName)}${reference.secretVersion ? `/${reference.secretVersion}` : ''}?api-version=7.5`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: trust.address,
        port,
        servername: reference.host,
        path,
        method: 'GET',
        ca: trust.caCertPem,
        agent: false,
        timeout: timeoutInMs,
        // The emulator, like Key Vault to a managed identity, takes the site's bearer token.
        headers: { host: `${reference.host}:${port}`, authorization: 'Bearer arm-standin-site-identity', accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

function errorCodeOf(body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; innererror?: { code?: unknown } } }).error;
    const inner = error?.innererror?.code;
    return typeof inner === 'string' ? inner : typeof error?.code === 'string' ? error.code : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the referenced secret's version from Key Vault, as App Service does when it resolves or refreshes a reference. */
export async function resolveAgainstKeyVault(reference: ParsedReference, trust: KeyVaultTrust | undefined, timeoutInMs = 5_000): Promise<Resolution> {
  const secret = `${reference.vaultName}/${reference.secretName}${reference.secretVersion ? `/${reference.secretVersion}` : ''}`;
  if (!trust) return { status: 'VaultNotFound', details: `The ARM stand-in was started without a Key Vault emulator, so vault '${reference.vaultName}' cannot be reached.` };
  let fetched: Fetched;
  try {
    fetched = await get(reference, trust, timeoutInMs);
  } catch (error) {
    if ((error as { code?: string }).code === 'ETIMEDOUT') return { status: 'FetchTimedOut', details: `Fetching secret ${secret} timed out.` };
    return { status: 'VaultNotFound', details: `Vault '${reference.vaultName}' could not be reached.` };
  }
  if (fetched.status === 200) {
    let id: unknown;
    try {
      id = (JSON.parse(fetched.body) as { id?: unknown }).id;
    } catch {
      id = undefined;
    }
    const version = typeof id === 'string' ? id.split('/').filter(Boolean).pop() : undefined;
    if (!version) return { status: 'OtherReasons', details: `Key Vault answered secret ${secret} without an id.` };
    return { status: 'Resolved', activeVersion: version, details: 'Reference has been successfully resolved.' };
  }
  const code = errorCodeOf(fetched.body);
  if (fetched.status === 401 || fetched.status === 403) {
    if (code === 'SecretDisabled') return { status: 'OtherReasons', details: `Secret ${secret} is disabled.` };
    return { status: 'AccessToKeyVaultDenied', details: `Key Vault denied the site's identity access to secret ${secret}.` };
  }
  if (fetched.status === 404) {
    if (code === 'VaultNotFound') return { status: 'VaultNotFound', details: `Vault '${reference.vaultName}' was not found.` };
    return reference.secretVersion
      ? { status: 'SecretVersionNotFound', details: `Secret ${secret} was not found.` }
      : { status: 'SecretNotFound', details: `Secret ${secret} was not found.` };
  }
  return { status: 'OtherReasons', details: `Key Vault answered ${fetched.status}${code ? ` ${code}` : ''} for secret ${secret}.` };
}
