/**
 * The one factory for Azure SDK clients. In Azure it uses the managed identity
 * (DefaultAzureCredential) and service URIs; locally the same code path points
 * at Azurite and the Key Vault emulator, trusting the emulator's CA and
 * resolving *.vault.azure.net to it, so the real SDKs run unmodified with
 * challenge-resource verification on.
 */
import { readFileSync } from 'node:fs';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent } from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import type { AppConfig, KeyVaultEmulatorTrust } from '../config.js';
import { keyVaultThrottlingRetryPolicy, type ThrottlingRetryOptions } from './keyvault/throttling-retry-policy.js';

export type ClientFactoryConfig = Pick<AppConfig, 'storage' | 'managedIdentityClientId' | 'keyVaultEmulator'>;

export interface SecretClientOptions {
  /** Total time one Key Vault call may take, retries included (a dry run's budget); Key Vault's full backoff when absent. */
  retryBudgetInMs?: number;
}

export interface AzureClientFactory {
  readonly credential: TokenCredential;
  secretClient(vaultUrl: string, options?: SecretClientOptions): SecretClient;
  tableClient(tableName: string): TableClient;
  queueClient(queueName: string): QueueClient;
}

const KEY_VAULT_HOST_SUFFIXES = ['.vault.azure.net', '.vault.azure.cn', '.vault.usgovcloudapi.net'];

/** The emulator accepts any bearer token; this one is only ever sent to loopback. */
export const localEmulatorCredential: TokenCredential = {
  async getToken(): Promise<AccessToken> {
    return { token: 'local-emulator-token', expiresOnTimestamp: Date.now() + 60 * 60 * 1000 };
  },
};

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** An https.Agent that trusts the emulator's CA and sends Key Vault host names to the emulator's address. */
export function emulatorAgent(trust: KeyVaultEmulatorTrust): Agent {
  const family = trust.address.includes(':') ? 6 : 4;
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    if (KEY_VAULT_HOST_SUFFIXES.some((suffix) => hostname.toLowerCase().endsWith(suffix))) {
      if (options.all) callback(null, [{ address: trust.address, family }]);
      else callback(null, trust.address, family);
      return;
    }
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) callback(err, []);
      else if (options.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family);
    });
  };
  return new Agent({ ca: readFileSync(trust.caCertPath), keepAlive: true, lookup: lookup as never });
}

export interface ClientFactoryOptions {
  /** Tests shorten Key Vault's throttling backoff; production keeps Key Vault's guidance. */
  throttlingRetry?: ThrottlingRetryOptions;
}

export function createAzureClientFactory(config: ClientFactoryConfig, options: ClientFactoryOptions = {}): AzureClientFactory {
  const emulator = config.keyVaultEmulator;
  const credential: TokenCredential = emulator
    ? localEmulatorCredential
    : new DefaultAzureCredential(config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {});
  const agent = emulator ? emulatorAgent(emulator) : undefined;
  const secretClients = new Map<string, SecretClient>();
  const storage = config.storage;

  return {
    credential,
    secretClient(vaultUrl, clientOptions = {}) {
      const budget = clientOptions.retryBudgetInMs;
      const key = `${vaultUrl.toLowerCase()} ${budget ?? ''}`;
      let client = secretClients.get(key);
      if (!client) {
        const throttling = { ...options.throttlingRetry, ...(budget !== undefined ? { budgetInMs: budget } : {}) };
        client = new SecretClient(vaultUrl, credential, {
          ...(agent ? { agent } : {}),
          additionalPolicies: [{ policy: keyVaultThrottlingRetryPolicy(throttling), position: 'perCall' }],
        });
        secretClients.set(key, client);
      }
      return client;
    },
    tableClient(tableName) {
      return storage.kind === 'identity'
        ? new TableClient(storage.tableServiceUri, tableName, credential)
        : TableClient.fromConnectionString(storage.connectionString, tableName, { allowInsecureConnection: true });
    },
    queueClient(queueName) {
      if (storage.kind === 'identity') {
        if (!storage.queueServiceUri) throw new Error('AzureWebJobsStorage__queueServiceUri is not set');
        return new QueueClient(`${storage.queueServiceUri}/${queueName}`, credential);
      }
      return new QueueClient(storage.connectionString, queueName);
    },
  };
}
