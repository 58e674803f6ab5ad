/**
 * The one place settings are read. loadConfig(env) validates everything at
 * start-up and fails with the name of the bad setting. SETTINGS is the
 * catalogue: infra/ and local.settings.sample.json are checked against it.
 */
import { z } from 'zod';
import { DEFAULT_GOVERNANCE_SETTINGS, type GovernanceSettings } from './core/approvals/governance-settings.js';
import { DAY_MS, parseDuration } from './core/durations.js';
import { ValidationError } from './core/errors.js';
import { parseVaultUrl } from './core/names.js';
import { quote, withoutUserinfo } from './core/untrusted-text.js';
import { DEFAULT_ROTATION_QUEUE_NAME } from './core/rotation/due-queue.js';
import { COMPLIANCE_OVERRIDES_SETTING, COMPLIANCE_PARAMETERS, defaultComplianceSettings, type ComplianceParameters, type ComplianceSettings } from './core/reports/compliance/parameters.js';
import { COST_SETTINGS, type CostSettings } from './core/reports/cost/cost-settings.js';
import { executionsPerMonth } from './core/reports/cost/schedule-rate.js';
import { DEFAULT_REPORT_KEY_VAULT_OPERATIONS_PER_10_SECONDS } from './core/reports/vault-secrets.js';

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
    name: 'AUTH_TENANT_ID',
    scope: 'azure',
    required: true,
    description: "The Entra ID directory (tenant) id whose access tokens the API accepts; every token's tid must equal it.",
    example: '11111111-2222-3333-4444-555555555555',
  },
  {
    name: 'AUTH_AUDIENCES',
    scope: 'azure',
    required: true,
    description: "Comma-separated: the API app registration's app ID URI and/or client id. A token's aud must be one of them.",
    example: 'api://kv-rotation,00000000-0000-0000-0000-000000000000',
  },
  {
    name: 'AUTH_ALLOWED_ISSUERS',
    scope: 'azure',
    required: false,
    description: "Comma-separated exact token issuers. Default: the tenant's v1 (https://sts.windows.net/<tenant>/) and v2 (https://login.microsoftonline.com/<tenant>/v2.0) issuers.",
    example: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
  },
  {
    name: 'AUTH_JWKS_URI',
    scope: 'azure',
    required: false,
    description: "Where the tenant's signing keys are published. Default https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys. https only, except http on loopback for the local identity provider.",
    example: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/discovery/v2.0/keys',
  },
  {
    name: 'GOVERNANCE_PROTECTED_ENVIRONMENTS',
    scope: 'azure',
    required: false,
    description: "Comma-separated policy environments whose changes and on-demand rotations wait for approvals. Default staging,production. Set to 'none' to protect none.",
    example: 'staging,production',
  },
  {
    name: 'GOVERNANCE_REQUIRED_APPROVALS',
    scope: 'azure',
    required: false,
    description: 'Distinct approvers (never the requester) a change request of a protected environment needs. Default 2.',
    example: '2',
  },
  {
    name: 'GOVERNANCE_APPROVAL_TTL',
    scope: 'azure',
    required: false,
    description: 'How long a change request waits for its approvals before it expires (ISO 8601 or shorthand, 5 minutes to 30 days). Default 24h.',
    example: '24h',
  },
  {
    name: 'AUDIT_ARCHIVE_CONTAINER',
    scope: 'azure',
    required: false,
    description: "The blob container, under a time-based immutability policy, that keeps a write-once copy of every audit record. Default audit-archive.",
    example: 'audit-archive',
  },
  {
    name: 'AzureWebJobsStorage__blobServiceUri',
    scope: 'azure',
    required: false,
    description: "Blob endpoint of the app's storage account, reached with the managed identity: the host's leases, and the audit archive container.",
    example: 'https://stkvrotation.blob.core.windows.net',
  },
  {
    name: 'ROTATION_QUEUE_NAME',
    scope: 'azure',
    required: false,
    description: "Storage queue the scan fans due rotations out to: one message per due policy (its id and due time, never a value), taken by the queue-triggered rotateDuePolicy on any instance. The host moves a message that failed 5 times to '<name>-poison'. Default rotation-due.",
    example: 'rotation-due',
  },
  {
    name: 'KEYVAULT_CREATES_PER_10_SECONDS',
    scope: 'azure',
    required: false,
    description: "Key Vault's limit on secret creates per vault in 10 seconds. Each instance paces its creates below it and slows down when Key Vault answers 429. Default 300, the service's limit.",
    example: '300',
  },
  {
    name: 'KEYVAULT_OPERATIONS_PER_10_SECONDS',
    scope: 'azure',
    required: false,
    description: "Key Vault's limit on all other secret operations per vault in 10 seconds, paced like creates. Default 4000, the service's limit.",
    example: '4000',
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
  {
    name: 'GOVERNED_VAULT_RESOURCE_IDS',
    scope: 'azure',
    required: false,
    description: "Comma-separated ARM resource ids of the governed vaults, which the access review and the vault-settings rules read through ARM (Reader on each vault only: a subscription-wide list would need more). Without it those reports name each governed vault as not located.",
    example: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-payments-prod',
  },
  {
    name: 'APP_PRINCIPAL_ID',
    scope: 'azure',
    required: false,
    description: "Object (principal) id of the app's managed identity: the access review marks the app's own role assignments and flags any broader than the deployment grants it.",
    example: '00000000-0000-0000-0000-000000000000',
  },
  {
    name: 'ARM_ENDPOINT',
    scope: 'local',
    required: false,
    description: 'Local only: the ARM stand-in\'s base URL (https://management.azure.com:<port>). Set together with ARM_CA_CERT_PATH; ARM clients then trust that CA, resolve management.azure.com to ARM_ADDRESS and use a local token.',
    example: 'https://management.azure.com:8444',
  },
  {
    name: 'ARM_CA_CERT_PATH',
    scope: 'local',
    required: false,
    description: "Local only: the ARM stand-in's CA certificate (PEM); npm start shares one CA between the stand-ins.",
    example: '.local/arm/ca.pem',
  },
  {
    name: 'ARM_ADDRESS',
    scope: 'local',
    required: false,
    description: 'Local only: the IP address management.azure.com resolves to when the ARM stand-in is used. Default 127.0.0.1.',
    example: '127.0.0.1',
  },
  ...reportSettingDescriptions(),
  {
    name: 'ROTATION_EVENTS_TOPIC_ENDPOINT',
    scope: 'azure',
    required: false,
    description: "The Event Grid custom topic rotation events are published to (CloudEvents 1.0, docs/rotation-events.md): https://<topic>.<region>-1.eventgrid.azure.net/api/events, with the managed identity (EventGrid Data Sender on that topic). Unset: no rotation events are published.",
    example: 'https://evgt-kvrot-abc123.westeurope-1.eventgrid.azure.net/api/events',
  },
  {
    name: 'ROTATION_EVENTS_SOURCE',
    scope: 'azure',
    required: false,
    description: "The CloudEvents source of rotation events and event-grid-topic consumers' events: which deployment published them, a path such as /kvrot/<function app name>. Default /kvrot/rotation.",
    example: '/kvrot/func-kvrot-abc123',
  },
  {
    name: 'ROTATION_EVENTS_CA_CERT_PATH',
    scope: 'local',
    required: false,
    description: "Local only: the Event Grid topic stand-in's CA certificate (PEM). Set, Event Grid clients (rotation events and event-grid-topic consumers) trust that CA, resolve *.eventgrid.azure.net to ROTATION_EVENTS_ADDRESS and use a local token.",
    example: '.local/event-grid-topic/ca.pem',
  },
  {
    name: 'ROTATION_EVENTS_ADDRESS',
    scope: 'local',
    required: false,
    description: 'Local only: the loopback address *.eventgrid.azure.net resolves to when the topic stand-in is used. Default 127.0.0.1.',
    example: '127.0.0.1',
  },
  {
    name: 'WEBHOOK_TIMEOUT_SECONDS',
    scope: 'azure',
    required: false,
    description: "How long a webhook consumer's receiver has to answer (TLS and name resolution included) before the delivery counts as not confirmed; a policy's consumer may set less or more within 1 to 30. Default 10, at most 30.",
    example: '10',
  },
  {
    name: 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES',
    scope: 'azure',
    required: false,
    description: "true lets webhook consumers reach loopback, private (RFC 1918), link-local, CGNAT, unique-local IPv6, multicast and reserved addresses: only for receivers inside the deployment's own network. Cloud metadata endpoints (169.254.169.254, 168.63.129.16) stay refused. Default false.",
    example: 'false',
  },
  {
    name: 'WEBHOOK_CA_CERT_PATH',
    scope: 'local',
    required: false,
    description: "Local only: a CA certificate (PEM) webhook consumers trust beside the public roots, for a local HTTPS receiver.",
    example: '.local/webhook-receiver/ca.pem',
  },
  {
    name: 'ENTRA_SECRET_PROPAGATION_SECONDS',
    scope: 'azure',
    required: false,
    description: "How long an entra-app-secret consumer keeps asking Entra ID for a token with a new client secret before the rotation fails (new secrets take seconds to work: 4-18 s reported). From 1 to 120; default 30.",
    example: '30',
  },
  {
    name: 'GRAPH_ENDPOINT',
    scope: 'local',
    required: false,
    description: "Local only: the Microsoft Graph stand-in's base URL (https://graph.microsoft.com:<port>). Set together with GRAPH_CA_CERT_PATH and ENTRA_AUTHORITY_HOST; Graph and token requests then trust that CA, resolve graph.microsoft.com and login.microsoftonline.com to GRAPH_ADDRESS and Graph gets a local token.",
    example: 'https://graph.microsoft.com:8445',
  },
  {
    name: 'GRAPH_CA_CERT_PATH',
    scope: 'local',
    required: false,
    description: "Local only: the Graph stand-in's CA certificate (PEM); npm start shares one CA between the stand-ins.",
    example: '.local/graph/ca.pem',
  },
  {
    name: 'GRAPH_ADDRESS',
    scope: 'local',
    required: false,
    description: 'Local only: the loopback address graph.microsoft.com and login.microsoftonline.com resolve to when the Graph stand-in is used. Default 127.0.0.1.',
    example: '127.0.0.1',
  },
  {
    name: 'ENTRA_AUTHORITY_HOST',
    scope: 'local',
    required: false,
    description: "Local only: the Graph stand-in's token authority (https://login.microsoftonline.com:<port>), where entra-app-secret consumers prove a new client secret. In Azure it is https://login.microsoftonline.com.",
    example: 'https://login.microsoftonline.com:8445',
  },
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    scope: 'azure',
    required: false,
    description: "The Application Insights component's connection string. The host sends its own telemetry there, and the app its metrics (docs/metrics.md), both signed in with the managed identity (the component accepts no instrumentation key). Unset: no metrics are sent.",
    example: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
  },
  {
    name: 'DASHBOARD_CLIENT_ID',
    scope: 'azure',
    required: false,
    description: "Client id of the app registration the dashboard (/api/ui/) signs people in with, through MSAL.js (authorization code with PKCE); its SPA redirect URI is https://<app>/api/ui/. Usually the API's own registration (AUTH_CLIENT_ID). Unset: the dashboard says sign-in is not configured.",
    example: '00000000-0000-0000-0000-000000000000',
  },
  {
    name: 'DASHBOARD_AUTHORITY',
    scope: 'azure',
    required: false,
    description: 'The authority the dashboard signs in at (https). Default https://login.microsoftonline.com/<AUTH_TENANT_ID>; locally, the identity provider\'s HTTPS sign-in.',
    example: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555',
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
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
];

export type StorageConnection =
  | { kind: 'identity'; tableServiceUri: string; queueServiceUri?: string; blobServiceUri?: string }
  | { kind: 'local-connection-string'; connectionString: string };

export interface KeyVaultEmulatorTrust {
  caCertPath: string;
  address: string;
}

/** The local ARM stand-in: its base URL, its CA, and where management.azure.com resolves. */
export interface ArmStandInTrust extends KeyVaultEmulatorTrust {
  endpoint: string;
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
  auth: AuthSettings;
  governance: GovernanceSettings;
  auditArchiveContainer: string;
  /** The queue due rotations fan out through; its poison queue is `<name>-poison`. */
  rotationQueueName: string;
  keyVaultLimits: KeyVaultLimits;
  /** ARM ids of the governed vaults, for the access review and the vault-settings rules. */
  governedVaultResourceIds: string[];
  /** The app's managed identity's object id, marked in the access review. */
  appPrincipalId?: string;
  armStandIn?: ArmStandInTrust;
  /** Governance reports: compliance parameters, unit prices, and the reports' share of each vault's Key Vault limit. */
  reports: ReportSettings;
  /** How the dashboard signs people in (its config.json). */
  dashboard: DashboardSettings;
  /** Where metrics go; absent, none are sent. */
  telemetry?: TelemetrySettings;
  /** How webhook consumers send: the deadline, and which addresses they may reach. */
  webhooks: WebhookSettings;
  /** Microsoft Graph and Entra's token endpoint, for entra-app-secret consumers. */
  graph: GraphSettings;
  /** Where rotation events go and as what source; absent (neither setting), none are published. */
  rotationEvents?: RotationEventsSettings;
  /** Local only: the Event Grid topic stand-in every *.eventgrid.azure.net name resolves to. */
  eventGridStandIn?: KeyVaultEmulatorTrust;
}

export interface RotationEventsSettings {
  /** https://<topic>.<region>-1.eventgrid.azure.net/api/events (a port only for the local stand-in); absent, nothing is published. */
  topicEndpoint?: string;
  /** The CloudEvents `source` of every event this deployment publishes. */
  source: string;
}

export const DEFAULT_ROTATION_EVENTS_SOURCE = '/kvrot/rotation';

/** The host names of Event Grid topics; the app's token for Event Grid is only ever sent to these. */
export const EVENT_GRID_TOPIC_HOST_SUFFIX = '.eventgrid.azure.net';

/**
 * Why `text` is not an Event Grid topic endpoint, or undefined when it is: https, a host under
 * .eventgrid.azure.net (the token goes nowhere else), the /api/events path, no query, fragment or user information.
 */
export function eventGridTopicEndpointProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL, https://<topic>.<region>-1.eventgrid.azure.net/api/events';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (url.username || url.password || url.search || url.hash) return 'cannot carry a user name, password, query or fragment';
  const host = url.hostname.toLowerCase();
  if (!host.endsWith(EVENT_GRID_TOPIC_HOST_SUFFIX) || host.split('.').length !== 5) return 'must be an Event Grid topic endpoint, <topic>.<region>-1.eventgrid.azure.net';
  if (url.pathname !== '/api/events') return "must end in the topic's publish path, /api/events";
  return undefined;
}

export const GRAPH_ENDPOINT = 'https://graph.microsoft.com';
export const ENTRA_AUTHORITY_HOST = 'https://login.microsoftonline.com';
/** Within the rotation lease (ROTATION_LEASE_SECONDS, 300 by default), which the verify step runs inside. */
export const MAX_ENTRA_SECRET_PROPAGATION_SECONDS = 120;

/** Microsoft Graph (applications' client secrets) and Entra ID's token endpoint (a real sign-in with a new secret). */
export interface GraphSettings {
  /** https://graph.microsoft.com, or locally the stand-in's https://graph.microsoft.com:<port>. */
  endpoint: string;
  /** ClientSecretCredential's authorityHost: https://login.microsoftonline.com, or locally the stand-in's. */
  authorityHost: string;
  /** How long a new client secret is given to start working before verify gives up. */
  secretPropagationInMs: number;
  /** Local only: the stand-in's CA and the loopback address both host names resolve to. */
  standIn?: KeyVaultEmulatorTrust;
}

export interface WebhookSettings {
  /** Default deadline of one delivery; a consumer's own `timeout` overrides it within 1 to 30 s. */
  timeoutInMs: number;
  allowPrivateAddresses: boolean;
  /** Local only: a CA (PEM file) trusted beside the public roots. */
  caCertPath?: string;
}

/** The longest any webhook delivery may take: the engine waits on it, holding the rotation's lease. */
export const MAX_WEBHOOK_TIMEOUT_SECONDS = 30;

/** Application Insights, reached with the app's managed identity. */
export interface TelemetrySettings {
  connectionString: string;
}

/** What the dashboard's MSAL.js needs; never a secret (a single-page app has none). */
export interface DashboardSettings {
  /** Absent: sign-in is not configured, and the dashboard says so. */
  clientId?: string;
  /** https URL of the authority, without a trailing slash. */
  authority: string;
  /** The API's scope, <app ID URI>/.default, from AUTH_AUDIENCES. */
  apiScope: string;
}

export interface ReportSettings {
  compliance: ComplianceSettings;
  costs: CostSettings;
  keyVaultOperationsPer10Seconds: number;
}

/** Key Vault's per-vault limits, which each instance's rate governor stays below. */
export interface KeyVaultLimits {
  createsPer10Seconds: number;
  othersPer10Seconds: number;
}

/** How the API validates access tokens: see EntraTokenValidatorOptions. */
export interface AuthSettings {
  tenantId: string;
  audiences: string[];
  issuers: string[];
  jwksUri: string;
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
  const blobServiceUri = optional(env, 'AzureWebJobsStorage__blobServiceUri');
  const connectionString = optional(env, 'AzureWebJobsStorage');
  let storage: StorageConnection;
  if (tableServiceUri) {
    storage = {
      kind: 'identity',
      tableServiceUri: httpsUrl('AzureWebJobsStorage__tableServiceUri', tableServiceUri),
      ...(queueServiceUri ? { queueServiceUri: httpsUrl('AzureWebJobsStorage__queueServiceUri', queueServiceUri) } : {}),
      ...(blobServiceUri ? { blobServiceUri: httpsUrl('AzureWebJobsStorage__blobServiceUri', blobServiceUri) } : {}),
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

  if (storage.kind === 'identity' && !storage.blobServiceUri) {
    throw new ConfigError('AzureWebJobsStorage__blobServiceUri', 'is required in Azure: the audit archive container is reached at the blob endpoint');
  }

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
    auth: authSettings(env),
    governance: governanceSettings(env),
    auditArchiveContainer: containerName('AUDIT_ARCHIVE_CONTAINER', optional(env, 'AUDIT_ARCHIVE_CONTAINER') ?? 'audit-archive'),
    rotationQueueName: queueName('ROTATION_QUEUE_NAME', optional(env, 'ROTATION_QUEUE_NAME') ?? DEFAULT_ROTATION_QUEUE_NAME),
    keyVaultLimits: {
      createsPer10Seconds: positiveInt(env, 'KEYVAULT_CREATES_PER_10_SECONDS', 300),
      othersPer10Seconds: positiveInt(env, 'KEYVAULT_OPERATIONS_PER_10_SECONDS', 4000),
    },
    ...armSettings(env),
    reports: reportSettings(env, governanceSettings(env).protectedEnvironments),
    dashboard: dashboardSettings(env),
    ...telemetrySettings(env, caCertPath !== undefined),
    webhooks: webhookSettings(env),
    graph: graphSettings(env),
    ...rotationEventsSettings(env),
  };
}

function rotationEventsSettings(env: Record<string, string | undefined>): Pick<AppConfig, 'rotationEvents' | 'eventGridStandIn'> {
  const endpoint = optional(env, 'ROTATION_EVENTS_TOPIC_ENDPOINT');
  if (endpoint !== undefined) {
    const problem = eventGridTopicEndpointProblem(endpoint);
    if (problem) throw new ConfigError('ROTATION_EVENTS_TOPIC_ENDPOINT', `${quote(withoutUserinfo(endpoint), 128)} ${problem}`);
  }
  const configuredSource = optional(env, 'ROTATION_EVENTS_SOURCE');
  const source = configuredSource ?? DEFAULT_ROTATION_EVENTS_SOURCE;
  // A CloudEvents source is a URI reference; this one is also a path, printable and short.
  if (!/^\/[A-Za-z0-9._~\-/]{1,255}$/.test(source)) throw new ConfigError('ROTATION_EVENTS_SOURCE', `${quote(source, 64)} must be a path of letters, digits and . _ ~ - /, at most 256 characters, such as /kvrot/<app name>`);
  const caCertPath = optional(env, 'ROTATION_EVENTS_CA_CERT_PATH');
  let eventGridStandIn: KeyVaultEmulatorTrust | undefined;
  if (caCertPath !== undefined) {
    const address = optional(env, 'ROTATION_EVENTS_ADDRESS') ?? '127.0.0.1';
    if (!/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)$/.test(address)) throw new ConfigError('ROTATION_EVENTS_ADDRESS', `${quote(address, 64)} is not a loopback address: the Event Grid topic stand-in runs on this machine`);
    eventGridStandIn = { caCertPath, address };
  } else if (optional(env, 'ROTATION_EVENTS_ADDRESS') !== undefined) {
    throw new ConfigError('ROTATION_EVENTS_ADDRESS', 'goes with ROTATION_EVENTS_CA_CERT_PATH (the local Event Grid topic stand-in)');
  }
  const rotationEvents = endpoint !== undefined || configuredSource !== undefined ? { ...(endpoint !== undefined ? { topicEndpoint: endpoint } : {}), source } : undefined;
  return { ...(rotationEvents ? { rotationEvents } : {}), ...(eventGridStandIn ? { eventGridStandIn } : {}) };
}

/** A local stand-in's origin: https, the service's own host name (with a port), nothing else; the local token goes there only. */
function standInOrigin(name: string, raw: string, host: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `${quote(withoutUserinfo(raw), 128)} is not a URL`);
  }
  if (url.protocol !== 'https:' || url.hostname !== host || url.pathname !== '/' || url.search || url.username || url.password) throw new ConfigError(name, `must be https://${host}[:port], which resolves to GRAPH_ADDRESS`);
  return url.origin;
}

function graphSettings(env: Record<string, string | undefined>): GraphSettings {
  const propagationSeconds = positiveInt(env, 'ENTRA_SECRET_PROPAGATION_SECONDS', 30);
  if (propagationSeconds > MAX_ENTRA_SECRET_PROPAGATION_SECONDS) throw new ConfigError('ENTRA_SECRET_PROPAGATION_SECONDS', `must be from 1 to ${MAX_ENTRA_SECRET_PROPAGATION_SECONDS}, got ${propagationSeconds}: the rotation's lease covers the wait`);
  const secretPropagationInMs = propagationSeconds * 1000;
  const names = ['GRAPH_ENDPOINT', 'GRAPH_CA_CERT_PATH', 'ENTRA_AUTHORITY_HOST'] as const;
  const [endpoint, caCertPath, authorityHost] = names.map((name) => optional(env, name));
  const given = [endpoint, caCertPath, authorityHost].filter((value) => value !== undefined).length;
  if (given === 0) {
    if (optional(env, 'GRAPH_ADDRESS') !== undefined) throw new ConfigError('GRAPH_ADDRESS', 'goes with GRAPH_ENDPOINT, GRAPH_CA_CERT_PATH and ENTRA_AUTHORITY_HOST (the local Graph stand-in)');
    return { endpoint: GRAPH_ENDPOINT, authorityHost: ENTRA_AUTHORITY_HOST, secretPropagationInMs };
  }
  if (given !== names.length) {
    const missing = names.find((name) => optional(env, name) === undefined)!;
    throw new ConfigError(missing, 'GRAPH_ENDPOINT, GRAPH_CA_CERT_PATH and ENTRA_AUTHORITY_HOST go together (the local Graph stand-in and its token authority)');
  }
  const address = optional(env, 'GRAPH_ADDRESS') ?? '127.0.0.1';
  if (!/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)$/.test(address)) throw new ConfigError('GRAPH_ADDRESS', `${quote(address, 64)} is not a loopback address: the Graph stand-in runs on this machine`);
  return {
    endpoint: standInOrigin('GRAPH_ENDPOINT', endpoint!, new URL(GRAPH_ENDPOINT).hostname),
    authorityHost: standInOrigin('ENTRA_AUTHORITY_HOST', authorityHost!, new URL(ENTRA_AUTHORITY_HOST).hostname),
    secretPropagationInMs,
    standIn: { caCertPath: caCertPath!, address },
  };
}

function webhookSettings(env: Record<string, string | undefined>): WebhookSettings {
  const timeoutSeconds = positiveInt(env, 'WEBHOOK_TIMEOUT_SECONDS', 10);
  if (timeoutSeconds > MAX_WEBHOOK_TIMEOUT_SECONDS) throw new ConfigError('WEBHOOK_TIMEOUT_SECONDS', `must be from 1 to ${MAX_WEBHOOK_TIMEOUT_SECONDS}, got ${timeoutSeconds}`);
  const allowText = optional(env, 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES')?.toLowerCase() ?? 'false';
  if (allowText !== 'true' && allowText !== 'false') throw new ConfigError('WEBHOOK_ALLOW_PRIVATE_ADDRESSES', `must be true or false, got ${quote(allowText, 32)}`);
  const caCertPath = optional(env, 'WEBHOOK_CA_CERT_PATH');
  return { timeoutInMs: timeoutSeconds * 1000, allowPrivateAddresses: allowText === 'true', ...(caCertPath ? { caCertPath } : {}) };
}

/**
 * The connection string's own checks, so a bad one fails start-up rather than every export. Messages
 * name its fields, never its text. With the Key Vault emulator the app's credential is a local token,
 * which Application Insights (local auth off) would refuse.
 */
function telemetrySettings(env: Record<string, string | undefined>, usesEmulator: boolean): Pick<AppConfig, 'telemetry'> {
  const name = 'APPLICATIONINSIGHTS_CONNECTION_STRING';
  const connectionString = optional(env, name);
  if (connectionString === undefined) return {};
  if (usesEmulator) throw new ConfigError(name, 'metrics are sent with the managed identity, and with the Key Vault emulator (KEYVAULT_EMULATOR_CA_CERT_PATH) the app has only a local token: leave it unset locally');
  const fields = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    if (!part.trim()) continue;
    const at = part.indexOf('=');
    if (at <= 0) throw new ConfigError(name, 'is not a connection string (Key=Value pairs separated by semicolons)');
    fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  if (!GUID.test(fields.get('instrumentationkey') ?? '')) throw new ConfigError(name, 'needs InstrumentationKey, a GUID');
  const ingestion = fields.get('ingestionendpoint');
  if (ingestion === undefined) throw new ConfigError(name, "needs IngestionEndpoint (the component's regional endpoint; Entra ID sign-in needs it)");
  let url: URL | undefined;
  try {
    url = new URL(ingestion);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') throw new ConfigError(name, 'IngestionEndpoint must be an https URL');
  return { telemetry: { connectionString } };
}

/** The dashboard's sign-in: client id, authority (Entra's for the tenant unless set) and the API's scope. */
function dashboardSettings(env: Record<string, string | undefined>): DashboardSettings {
  const clientId = optional(env, 'DASHBOARD_CLIENT_ID');
  if (clientId !== undefined && !GUID.test(clientId)) throw new ConfigError('DASHBOARD_CLIENT_ID', `${quote(clientId, 64)} is not a client id (GUID)`);
  const { tenantId, audiences } = authSettings(env);
  const raw = optional(env, 'DASHBOARD_AUTHORITY') ?? `https://login.microsoftonline.com/${tenantId}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DASHBOARD_AUTHORITY', `${quote(withoutUserinfo(raw), 128)} is not a URL`);
  }
  // MSAL.js accepts only an https authority; a query, fragment or user information would be sent on to the browser.
  if (url.protocol !== 'https:' || url.search || url.hash || url.username || url.password) throw new ConfigError('DASHBOARD_AUTHORITY', 'must be an https URL without query, fragment or user information');
  // A scope is the app ID URI (or client id) and /.default: the app ID URI when there is one.
  const resource = audiences.find((audience) => !GUID.test(audience)) ?? audiences[0]!;
  return { ...(clientId ? { clientId: clientId.toLowerCase() } : {}), authority: url.href.replace(/\/+$/, ''), apiScope: `${resource.replace(/\/+$/, '')}/.default` };
}

function list(env: Record<string, string | undefined>, name: string): string[] {
  return (optional(env, name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Entra tenants are GUIDs; the local identity provider's tenant may be a plain name. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;

function authSettings(env: Record<string, string | undefined>): AuthSettings {
  const tenantId = optional(env, 'AUTH_TENANT_ID');
  if (!tenantId) throw new ConfigError('AUTH_TENANT_ID', "is required: the Entra ID tenant whose tokens the API accepts (every route but /api/health needs a token)");
  if (!TENANT.test(tenantId)) throw new ConfigError('AUTH_TENANT_ID', `${quote(tenantId, 64)} is not a tenant id`);
  const audiences = list(env, 'AUTH_AUDIENCES');
  if (audiences.length === 0) throw new ConfigError('AUTH_AUDIENCES', "is required: the API's app ID URI and/or client id");
  for (const audience of audiences) {
    if (!GUID.test(audience) && !/^(api|https):\/\/\S+$/.test(audience)) throw new ConfigError('AUTH_AUDIENCES', `${quote(audience, 128)} is neither a client id (GUID) nor an app ID URI (api://... or https://...)`);
  }
  const issuers = list(env, 'AUTH_ALLOWED_ISSUERS');
  for (const issuer of issuers) {
    if (!/^https?:\/\/\S+$/.test(issuer)) throw new ConfigError('AUTH_ALLOWED_ISSUERS', `${quote(withoutUserinfo(issuer), 128)} is not an issuer URL`);
  }
  const jwksUri = optional(env, 'AUTH_JWKS_URI') ?? `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`;
  let parsed: URL;
  try {
    parsed = new URL(jwksUri);
  } catch {
    throw new ConfigError('AUTH_JWKS_URI', `${quote(withoutUserinfo(jwksUri), 128)} is not a URL`);
  }
  const loopbackHttp = parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname);
  if (parsed.protocol !== 'https:' && !loopbackHttp) throw new ConfigError('AUTH_JWKS_URI', 'must be an https URL (http only on loopback, for the local identity provider)');
  return {
    tenantId,
    audiences,
    issuers: issuers.length > 0 ? issuers : [`https://sts.windows.net/${tenantId}/`, `https://login.microsoftonline.com/${tenantId}/v2.0`],
    jwksUri,
  };
}

const MIN_APPROVAL_TTL_MS = 5 * 60_000;
const MAX_APPROVAL_TTL_MS = 30 * DAY_MS;

function governanceSettings(env: Record<string, string | undefined>): GovernanceSettings {
  const raw = optional(env, 'GOVERNANCE_PROTECTED_ENVIRONMENTS');
  const protectedEnvironments = raw === undefined ? [...DEFAULT_GOVERNANCE_SETTINGS.protectedEnvironments] : raw.trim().toLowerCase() === 'none' ? [] : list(env, 'GOVERNANCE_PROTECTED_ENVIRONMENTS');
  for (const environment of protectedEnvironments) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(environment)) throw new ConfigError('GOVERNANCE_PROTECTED_ENVIRONMENTS', `${quote(environment, 64)} is not an environment name (letters, digits, _ . -)`);
  }
  const requiredApprovals = positiveInt(env, 'GOVERNANCE_REQUIRED_APPROVALS', DEFAULT_GOVERNANCE_SETTINGS.requiredApprovals);
  if (requiredApprovals > 10) throw new ConfigError('GOVERNANCE_REQUIRED_APPROVALS', `must be from 1 to 10, got ${requiredApprovals}`);
  const ttlText = optional(env, 'GOVERNANCE_APPROVAL_TTL');
  let approvalTtlMs = DEFAULT_GOVERNANCE_SETTINGS.approvalTtlMs;
  if (ttlText !== undefined) {
    try {
      approvalTtlMs = parseDuration(ttlText).milliseconds;
    } catch (error) {
      if (error instanceof ValidationError) throw new ConfigError('GOVERNANCE_APPROVAL_TTL', error.message);
      throw error;
    }
    if (approvalTtlMs < MIN_APPROVAL_TTL_MS || approvalTtlMs > MAX_APPROVAL_TTL_MS) throw new ConfigError('GOVERNANCE_APPROVAL_TTL', 'must be from 5 minutes to 30 days');
  }
  return { protectedEnvironments, requiredApprovals, approvalTtlMs };
}

/** Azure's container naming rules: 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit. */
function containerName(name: string, value: string): string {
  if (!/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/.test(value)) throw new ConfigError(name, `${quote(value, 64)} is not a blob container name (3-63 lower-case letters, digits and single hyphens)`);
  return value;
}

/** Azure's queue naming rules, leaving room for the host's '-poison' suffix (7 characters) within 63. */
function queueName(name: string, value: string): string {
  if (!/^(?=.{3,56}$)[a-z0-9]+(-[a-z0-9]+)*$/.test(value)) throw new ConfigError(name, `${quote(value, 64)} is not a queue name (3-56 lower-case letters, digits and single hyphens; the host adds '-poison')`);
  return value;
}

const VAULT_RESOURCE_ID = /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.KeyVault\/vaults\/[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/i;

/** The access review's settings: where the governed vaults are in ARM, who the app is, and (locally) the ARM stand-in. */
function armSettings(env: Record<string, string | undefined>): Pick<AppConfig, 'governedVaultResourceIds' | 'appPrincipalId' | 'armStandIn'> {
  const governedVaultResourceIds = list(env, 'GOVERNED_VAULT_RESOURCE_IDS');
  for (const id of governedVaultResourceIds) {
    if (!VAULT_RESOURCE_ID.test(id)) throw new ConfigError('GOVERNED_VAULT_RESOURCE_IDS', `${quote(id, 256)} is not a Key Vault resource id (/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>)`);
  }
  const appPrincipalId = optional(env, 'APP_PRINCIPAL_ID');
  if (appPrincipalId !== undefined && !GUID.test(appPrincipalId)) throw new ConfigError('APP_PRINCIPAL_ID', `${quote(appPrincipalId, 64)} is not an object id (GUID)`);
  const endpoint = optional(env, 'ARM_ENDPOINT');
  const caCertPath = optional(env, 'ARM_CA_CERT_PATH');
  if ((endpoint === undefined) !== (caCertPath === undefined)) throw new ConfigError(endpoint === undefined ? 'ARM_ENDPOINT' : 'ARM_CA_CERT_PATH', 'ARM_ENDPOINT and ARM_CA_CERT_PATH go together (the local ARM stand-in)');
  let armStandIn: ArmStandInTrust | undefined;
  if (endpoint !== undefined && caCertPath !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new ConfigError('ARM_ENDPOINT', `${quote(withoutUserinfo(endpoint), 128)} is not a URL`);
    }
    // The local token goes to this host only, and it resolves to ARM_ADDRESS, never to a real ARM.
    if (url.protocol !== 'https:' || url.hostname !== 'management.azure.com' || url.pathname !== '/') throw new ConfigError('ARM_ENDPOINT', 'must be https://management.azure.com[:port], which resolves to ARM_ADDRESS');
    const address = optional(env, 'ARM_ADDRESS') ?? '127.0.0.1';
    if (!/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)$/.test(address)) throw new ConfigError('ARM_ADDRESS', `${quote(address, 64)} is not a loopback address: the ARM stand-in runs on this machine`);
    armStandIn = { endpoint: url.origin, caCertPath, address };
  }
  return { governedVaultResourceIds, ...(appPrincipalId ? { appPrincipalId: appPrincipalId.toLowerCase() } : {}), ...(armStandIn ? { armStandIn } : {}) };
}

function reportSettingDescriptions(): SettingDescription[] {
  const compliance = COMPLIANCE_PARAMETERS.flatMap((p): SettingDescription[] => [
    { name: p.setting, scope: 'azure', required: false, description: `Compliance: ${p.description} Default ${p.default}.`, example: String(p.default) },
    ...(p.protectedSetting
      ? [{ name: p.protectedSetting, scope: 'azure' as const, required: false, description: `Compliance, protected environments (GOVERNANCE_PROTECTED_ENVIRONMENTS): ${p.description} Default ${p.protectedDefault}.`, example: String(p.protectedDefault) }]
      : []),
  ]);
  return [
    ...compliance,
    {
      name: COMPLIANCE_OVERRIDES_SETTING,
      scope: 'azure',
      required: false,
      description: `Compliance parameters for named environments, as JSON, applied last: {"<environment>": {"<parameter>": <number>}} with parameters ${COMPLIANCE_PARAMETERS.map((p) => p.name).join(', ')}. Default none.`,
      example: '{"dev":{"maxActiveDays":365}}',
    },
    ...COST_SETTINGS.map((c): SettingDescription => ({ name: c.setting, scope: 'azure', required: false, description: `Cost report: ${c.description} Default ${c.default}.`, example: String(c.default) })),
    {
      name: 'REPORTS_KEY_VAULT_OPERATIONS_PER_10_SECONDS',
      scope: 'azure',
      required: false,
      description: `The most Key Vault operations the reports make per vault in any 10 seconds, from one instance (Key Vault allows 4,000 of all kinds). Default ${DEFAULT_REPORT_KEY_VAULT_OPERATIONS_PER_10_SECONDS}.`,
      example: String(DEFAULT_REPORT_KEY_VAULT_OPERATIONS_PER_10_SECONDS),
    },
  ];
}

function nonNegative(env: Record<string, string | undefined>, name: string, fallback: number, integer: boolean): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const parsed = (integer ? z.coerce.number().int().min(0) : z.coerce.number().min(0)).safeParse(raw);
  if (!parsed.success || !Number.isFinite(parsed.data)) throw new ConfigError(name, `must be ${integer ? 'a whole number' : 'a number'} of 0 or more, got ${quote(raw, 32)}`);
  return parsed.data;
}

const complianceOverridesSchema = z.record(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'an environment name (letters, digits, _ . -)'),
  z.strictObject(Object.fromEntries(COMPLIANCE_PARAMETERS.map((p) => [p.name, z.number().int().min(p.allowsZero ? 0 : 1).max(36_500).optional()])) as Record<keyof ComplianceParameters, z.ZodOptional<z.ZodNumber>>),
);

function reportSettings(env: Record<string, string | undefined>, protectedEnvironments: readonly string[]): ReportSettings {
  const compliance = defaultComplianceSettings(protectedEnvironments);
  for (const p of COMPLIANCE_PARAMETERS) {
    const read = (name: string, fallback: number) => {
      const value = nonNegative(env, name, fallback, true);
      if (value === 0 && !p.allowsZero) throw new ConfigError(name, 'must be a positive whole number of days');
      return value;
    };
    compliance.defaults[p.name] = read(p.setting, p.default);
    if (p.protectedSetting) compliance.protectedDefaults[p.name] = read(p.protectedSetting, p.protectedDefault ?? p.default);
  }
  const overridesText = optional(env, COMPLIANCE_OVERRIDES_SETTING);
  if (overridesText !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(overridesText);
    } catch {
      throw new ConfigError(COMPLIANCE_OVERRIDES_SETTING, 'is not JSON: expected {"<environment>": {"<parameter>": <number>}}');
    }
    const parsed = complianceOverridesSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(COMPLIANCE_OVERRIDES_SETTING, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    }
    compliance.environments = Object.fromEntries(Object.entries(parsed.data).map(([environment, values]) => [environment.toLowerCase(), Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined))]));
  }
  const costs = Object.fromEntries(COST_SETTINGS.map((c) => [c.name, nonNegative(env, c.setting, c.default, c.integer)])) as unknown as CostSettings;
  if (![512, 2048, 4096].includes(costs.functionsInstanceMemoryMb)) throw new ConfigError('FUNCTIONS_INSTANCE_MEMORY_MB', `must be 512, 2048 or 4096 (Flex Consumption's instance sizes), got ${costs.functionsInstanceMemoryMb}`);
  // The cost report counts the scan's executions; a schedule it cannot read would fail that report, not start-up.
  try {
    executionsPerMonth(optional(env, 'ROTATION_SCAN_SCHEDULE') ?? '0 */5 * * * *');
  } catch (error) {
    throw new ConfigError('ROTATION_SCAN_SCHEDULE', `the cost report cannot read it: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { compliance, costs, keyVaultOperationsPer10Seconds: positiveInt(env, 'REPORTS_KEY_VAULT_OPERATIONS_PER_10_SECONDS', DEFAULT_REPORT_KEY_VAULT_OPERATIONS_PER_10_SECONDS) };
}
