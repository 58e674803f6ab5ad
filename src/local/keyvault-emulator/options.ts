/**
 * What a caller can configure when starting the emulator, what it gets back, and
 * the fixed identities (tenant, subscription, resource group) the fake vaults live in.
 */
import type { LocalCertificateAuthority } from './certificates.js';

export interface ThrottlingOptions {
  /** Default true. */
  enabled?: boolean;
  /** Secret creates (set and restore) per vault per 10 seconds. Key Vault's limit is 300. */
  createsPer10Seconds?: number;
  /** Every other transaction per vault per 10 seconds. Key Vault's limit is 4,000. */
  othersPer10Seconds?: number;
}

export interface EventSubscriptionOptions {
  /** Webhook URL (http or https) that receives Event Grid schema POSTs. */
  endpoint: string;
  /** Defaults to a generated name; sent upper-cased as aeg-subscription-name, as Event Grid does. */
  name?: string;
  /** Vault names to take events from; all vaults when absent. */
  vaults?: string[];
  /** Event types to deliver; all secret event types when absent. */
  eventTypes?: string[];
}

export interface KeyVaultEmulatorOptions {
  vaults?: string[];
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where ca.pem is written. Defaults to a fresh temporary directory, removed on stop(). */
  stateDir?: string;
  throttling?: ThrottlingOptions;
  eventSubscriptions?: EventSubscriptionOptions[];
  /** Delays between delivery attempts; after the last one fails the event is dead-lettered. */
  eventRetryDelaysInMs?: number[];
  /** How long a webhook may take to answer one delivery. Event Grid waits 30 s. */
  eventDeliveryTimeoutInMs?: number;
  /** How often near-expiry and expiry are evaluated without a clock advance. */
  expiryCheckIntervalInMs?: number;
  /** Issue the server certificate from this CA (shared with other stand-ins) instead of a fresh one. */
  certificateAuthority?: LocalCertificateAuthority;
}

export interface EmulatedVault {
  name: string;
  /** https://<name>.vault.azure.net:<port> */
  url: string;
  /** The ARM id Event Grid puts in `topic`. */
  resourceId: string;
}

export interface RunningKeyVaultEmulator {
  vaults: EmulatedVault[];
  host: string;
  port: number;
  caCertPath: string;
  caCertPem: string;
  /** https://127.0.0.1:<port>/_emulator */
  adminUrl: string;
  /** The emulator's time (real time plus what the admin API advanced it by), for an app in the same process to share. */
  clock: { now(): Date };
  stop(): Promise<void>;
}

export const DEFAULT_VAULTS = ['kv-app-local', 'kv-shared-local'] as const;
export const DEFAULT_CREATES_PER_10_SECONDS = 300;
export const DEFAULT_OTHERS_PER_10_SECONDS = 4000;
export const DEFAULT_EVENT_RETRY_DELAYS_IN_MS = [100, 500, 2000] as const;
export const DEFAULT_EVENT_DELIVERY_TIMEOUT_IN_MS = 30_000;
export const DEFAULT_EXPIRY_CHECK_INTERVAL_IN_MS = 60_000;

/** Fixed, obviously fake identities: the challenge names the tenant, events name the subscription. */
export const EMULATOR_TENANT_ID = '72f988bf-0000-4000-8000-00000000e0e0';
export const EMULATOR_SUBSCRIPTION_ID = '00000000-0000-4000-8000-00000000cafe';
export const EMULATOR_RESOURCE_GROUP = 'rg-keyvault-emulator';

export const ADMIN_PREFIX = '/_emulator';

export function vaultResourceId(vaultName: string): string {
  return `/subscriptions/${EMULATOR_SUBSCRIPTION_ID}/resourceGroups/${EMULATOR_RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/${vaultName}`;
}

/** Key Vault's rule for vault names: 3-24 characters, letter first, letter or digit last, no '--'. */
export function vaultNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/.test(name) || name.includes('--')) {
    return `'${name}' is not a valid vault name: 3-24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, without consecutive hyphens`;
  }
  return undefined;
}
