/**
 * The one place settings are read. loadConfig(env) validates everything at
 * start-up and fails with the name of the bad setting. SETTINGS is the
 * catalogue: infra/ and local.settings.sample.json are checked against it.
 */
import { z } from 'zod';
import { ValidationError } from './core/errors.js';
import { parseVaultUrl } from './core/names.js';
import { quote, withoutUserinfo } from './core/untrusted-text.js';

export type SettingScope = 'azure' | 'local';

export interface SettingDescription {
  name: string;
  /** 'azure': set by infra/main.bicep in Azure (and optionally locally). 'local': only for the local stand-ins; never set in Azure. */
  scope: SettingScope;
  required: boolean;
  description: string;
  example: string;
}

export const SETTINGS: readonly SettingDescription[] = [
  {
    name: 'ROTATION_SCAN_SCHEDULE',
    scope: 'azure',
    required: false,
    description: 'NCRONTAB schedule (six fields, seconds first) of the scan for due policies. Default every 5 minutes.',
    example: '0 */5 * * * *',
  },
  {
    name: 'AzureWebJobsStorage__tableServiceUri',
    scope: 'azure',
    required: false,
    description: "Table endpoint of the app's storage account, reached with the managed identity. Required unless AzureWebJobsStorage holds a local Azurite connection string.",
    example: 'https://stkvrotation.table.core.windows.net',
  },
  {
    name: 'AzureWebJobsStorage__queueServiceUri',
    scope: 'azure',
    required: false,
    description: "Queue endpoint of the app's storage account, reached with the managed identity.",
    example: 'https://stkvrotation.queue.core.windows.net',
  },
  {
    name: 'AZURE_CLIENT_ID',
    scope: 'azure',
    required: false,
    description: "Client id of the app's user-assigned managed identity; DefaultAzureCredential uses it.",
    example: '00000000-0000-0000-0000-000000000000',
  },
  {
    name: 'GOVERNED_VAULT_URLS',
    scope: 'azure',
    required: false,
    description: 'Comma-separated Key Vault URLs this deployment may rotate. A policy for any other vault is refused. Required in Azure; locally, empty allows any vault.',
    example: 'https://kv-payments-prod.vault.azure.net,https://kv-shared.vault.azure.net',
  },
  {
    name: 'ROTATION_LEASE_SECONDS',
    scope: 'azure',
    required: false,
    description: 'How long a rotation holds its lease before another instance may resume it. Default 300.',
    example: '300',
  },
  {
    name: 'ROTATION_MAX_ATTEMPTS',
    scope: 'azure',
    required: false,
    description: 'Retry budget: consecutive failed attempts of one policy before it is parked and needs an admin. Default 5.',
    example: '5',
  },
  {
    name: 'ROTATION_MIN_INTERVAL_SECONDS',
    scope: 'azure',
    required: false,
    description: 'No timer or event rotates a policy again within this many seconds of its last rotation, whatever the events say; only an explicit HTTP rotation can. Default 3600.',
    example: '3600',
  },
  {
    name: 'DRAIN_CHECK_INTERVAL_SECONDS',
    scope: 'azure',
    required: false,
    description: 'How often a rotation waiting for an old credential to drain is checked again by the scan (it also waits for the next scan). An HTTP rotate checks at once. Default 60.',
    example: '60',
  },
  {
    name: 'IDEMPOTENCY_KEYS_KEPT',
    scope: 'azure',
    required: false,
    description: "Idempotency keys (HTTP Idempotency-Key, Event Grid event ids) remembered per policy with the outcome they produced; the oldest is forgotten first. Default 50.",
    example: '50',
  },
  {
    name: 'IDEMPOTENCY_KEY_RETENTION_HOURS',
    scope: 'azure',
    required: false,
    description: 'How long an idempotency key is remembered. A repeat within this time replays the original outcome; after it, the key is new. Default 24 (Event Grid retries for up to 24 hours).',
    example: '24',
  },
  {
    name: 'AzureWebJobsStorage',
    scope: 'local',
    required: false,
    description: 'Local only: a connection string to Azurite (UseDevelopmentStorage=true or a loopback endpoint). Refused for any non-loopback host: in Azure, connections are identity-based.',
    example: 'UseDevelopmentStorage=true',
  },
  {
    name: 'KEYVAULT_EMULATOR_CA_CERT_PATH',
    scope: 'local',
    required: false,
    description: "Local only: the Key Vault emulator's CA certificate (PEM). When set, Key Vault clients trust it, resolve *.vault.azure.net to KEYVAULT_EMULATOR_ADDRESS, and use a local token.",
    example: '.local/keyvault-emulator/ca.pem',
  },
  {
    name: 'KEYVAULT_EMULATOR_ADDRESS',
    scope: 'local',
    required: false,
    description: 'Local only: the IP address *.vault.azure.net resolves to when the emulator is used. Default 127.0.0.1.',
    example: '127.0.0.1',
  },
];

/**
 * Settings the Functions host reads itself; the app never does. infra/ may set those a
 * Flex Consumption app accepts (it refuses FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION,
 * which `func start` still wants locally).
 */
export const HOST_SETTINGS: readonly string[] = [
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AzureWebJobsStorage__blobServiceUri',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
];

export type StorageConnection =
  | { kind: 'identity'; tableServiceUri: string; queueServiceUri?: string }
  | { kind: 'local-connection-string'; connectionString: string };

export interface KeyVaultEmulatorTrust {
  caCertPath: string;
  address: string;
}

export interface AppConfig {
  scanSchedule: string;
  storage: StorageConnection;
  managedIdentityClientId?: string;
  /** Lower-cased origins (https://host[:port]); empty means any vault. */
  governedVaultUrls: string[];
  leaseDurationInMs: number;
  maxAttempts: number;
  minRotationIntervalInMs: number;
  drainCheckIntervalInMs: number;
  idempotency: { keysKept: number; retentionInMs: number };
  keyVaultEmulator?: KeyVaultEmulatorTrust;
}

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`setting ${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

const NCRONTAB_SIX_FIELDS = /^\s*\S+(\s+\S+){5}\s*$/;

function optional(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const parsed = z.coerce.number().int().positive().safeParse(raw);
  if (!parsed.success) throw new ConfigError(name, `must be a positive whole number, got '${raw}'`);
  return parsed.data;
}

function httpsUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `${quote(withoutUserinfo(raw), 128)} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new ConfigError(name, 'must be an https URL');
  return url.origin.toLowerCase();
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function localConnectionString(name: string, raw: string): string {
  if (raw === 'UseDevelopmentStorage=true') return raw;
  const endpoints = [...raw.matchAll(/(?:Table|Queue|Blob)Endpoint=([^;]+)/gi)].map((m) => m[1] ?? '');
  if (endpoints.length === 0) {
    throw new ConfigError(name, 'only a local Azurite connection string is accepted; in Azure use AzureWebJobsStorage__tableServiceUri with the managed identity');
  }
  for (const endpoint of endpoints) {
    let host: string;
    try {
      host = new URL(endpoint).hostname;
    } catch {
      throw new ConfigError(name, `endpoint '${endpoint}' is not a URL`);
    }
    if (!LOOPBACK_HOSTS.has(host)) {
      throw new ConfigError(name, `connection strings are accepted for loopback Azurite only, not '${host}': use identity-based settings (AzureWebJobsStorage__tableServiceUri)`);
    }
  }
  return raw;
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const scanSchedule = optional(env, 'ROTATION_SCAN_SCHEDULE') ?? '0 */5 * * * *';
  if (!NCRONTAB_SIX_FIELDS.test(scanSchedule)) {
    throw new ConfigError('ROTATION_SCAN_SCHEDULE', `'${scanSchedule}' is not a six-field NCRONTAB expression (seconds minutes hours day month weekday)`);
  }

  const tableServiceUri = optional(env, 'AzureWebJobsStorage__tableServiceUri');
  const queueServiceUri = optional(env, 'AzureWebJobsStorage__queueServiceUri');
  const connectionString = optional(env, 'AzureWebJobsStorage');
  let storage: StorageConnection;
  if (tableServiceUri) {
    storage = {
      kind: 'identity',
      tableServiceUri: httpsUrl('AzureWebJobsStorage__tableServiceUri', tableServiceUri),
      ...(queueServiceUri ? { queueServiceUri: httpsUrl('AzureWebJobsStorage__queueServiceUri', queueServiceUri) } : {}),
    };
  } else if (connectionString) {
    storage = { kind: 'local-connection-string', connectionString: localConnectionString('AzureWebJobsStorage', connectionString) };
  } else {
    throw new ConfigError('AzureWebJobsStorage__tableServiceUri', 'is required (or AzureWebJobsStorage with a local Azurite connection string)');
  }

  const governedVaultUrls = (optional(env, 'GOVERNED_VAULT_URLS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((url) => {
      try {
        return parseVaultUrl(url).origin;
      } catch (error) {
        if (error instanceof ValidationError) throw new ConfigError('GOVERNED_VAULT_URLS', error.message);
        throw error;
      }
    });

  if (storage.kind === 'identity' && governedVaultUrls.length === 0) {
    throw new ConfigError('GOVERNED_VAULT_URLS', 'is required in Azure: list the vaults this deployment governs (an empty list would let a policy name any vault the identity can reach)');
  }

  const caCertPath = optional(env, 'KEYVAULT_EMULATOR_CA_CERT_PATH');
  const managedIdentityClientId = optional(env, 'AZURE_CLIENT_ID');

  return {
    scanSchedule,
    storage,
    ...(managedIdentityClientId ? { managedIdentityClientId } : {}),
    governedVaultUrls,
    leaseDurationInMs: positiveInt(env, 'ROTATION_LEASE_SECONDS', 300) * 1000,
    maxAttempts: positiveInt(env, 'ROTATION_MAX_ATTEMPTS', 5),
    minRotationIntervalInMs: positiveInt(env, 'ROTATION_MIN_INTERVAL_SECONDS', 3600) * 1000,
    drainCheckIntervalInMs: positiveInt(env, 'DRAIN_CHECK_INTERVAL_SECONDS', 60) * 1000,
    idempotency: {
      keysKept: positiveInt(env, 'IDEMPOTENCY_KEYS_KEPT', 50),
      retentionInMs: positiveInt(env, 'IDEMPOTENCY_KEY_RETENTION_HOURS', 24) * 3_600_000,
    },
    ...(caCertPath ? { keyVaultEmulator: { caCertPath, address: optional(env, 'KEYVAULT_EMULATOR_ADDRESS') ?? '127.0.0.1' } } : {}),
  };
}
