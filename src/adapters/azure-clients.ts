/**
 * The one factory for Azure SDK clients. In Azure it uses the managed identity
 * (DefaultAzureCredential) and service URIs; locally the same code path points
 * at Azurite and the Key Vault emulator, trusting the emulator's CA and
 * resolving *.vault.azure.net to it, so the real SDKs run unmodified with
 * challenge-resource verification on.
 */
import { standInAgent } from './stand-in-agent.js';
import { Agent } from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import type { AppConfig, KeyVaultEmulatorTrust } from '../config.js';
import { keyVaultThrottlingRetryPolicy, type ThrottlingRetryOptions } from './keyvault/throttling-retry-policy.js';
import { KeyVaultRateGovernor } from './keyvault/rate-governor.js';
import { keyVaultRateGovernorPolicy } from './keyvault/rate-governor-policy.js';
import { challengeBodyPolicies } from './keyvault/challenge-body-policies.js';

/** Without keyVaultLimits the factory's Key Vault clients are not paced (test helpers that only read). */
export type ClientFactoryConfig = Pick<AppConfig, 'storage' | 'managedIdentityClientId' | 'keyVaultEmulator'> & Partial<Pick<AppConfig, 'keyVaultLimits'>>;

export interface SecretClientOptions {
  /** Total time one Key Vault call may take, retries included (a dry run's budget); Key Vault's full backoff when absent. */
  retryBudgetInMs?: number;
}

export interface AzureClientFactory {
  readonly credential: TokenCredential;
  /** Paces every Key Vault client of this factory, per vault: one per instance. */
  readonly rateGovernor?: KeyVaultRateGovernor;
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

/** An https.Agent that trusts the emulator's CA and sends Key Vault host names to the emulator's address. */
export function emulatorAgent(trust: KeyVaultEmulatorTrust): Agent {
  return standInAgent(trust, (hostname) => KEY_VAULT_HOST_SUFFIXES.some((suffix) => hostname.endsWith(suffix)));
}

export interface ClientFactoryOptions {
  /** Tests shorten Key Vault's throttling backoff; production keeps Key Vault's guidance. */
  throttlingRetry?: ThrottlingRetryOptions;
  /** A governor of the caller's (tests tune its adaptation), or false for unpaced clients. Default: one from config.keyVaultLimits. */
  rateGovernor?: KeyVaultRateGovernor | false;
}

export function createAzureClientFactory(config: ClientFactoryConfig, options: ClientFactoryOptions = {}): AzureClientFactory {
  const emulator = config.keyVaultEmulator;
  const credential: TokenCredential = emulator
    ? localEmulatorCredential
    : new DefaultAzureCredential(config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {});
  const agent = emulator ? emulatorAgent(emulator) : undefined;
  const secretClients = new Map<string, SecretClient>();
  const storage = config.storage;
  const rateGovernor = options.rateGovernor === false ? undefined : (options.rateGovernor ?? (config.keyVaultLimits ? new KeyVaultRateGovernor({ limits: config.keyVaultLimits }) : undefined));

  return {
    credential,
    ...(rateGovernor ? { rateGovernor } : {}),
    secretClient(vaultUrl, clientOptions = {}) {
      const budget = clientOptions.retryBudgetInMs;
      const key = `${vaultUrl.toLowerCase()} ${budget ?? ''}`;
      let client = secretClients.get(key);
      if (!client) {
        const throttling = { ...options.throttlingRetry, ...(budget !== undefined ? { budgetInMs: budget } : {}) };
        client = new SecretClient(vaultUrl, credential, {
          ...(agent ? { agent } : {}),
          additionalPolicies: [
            ...challengeBodyPolicies(),
            { policy: keyVaultThrottlingRetryPolicy(throttling), position: 'perCall' },
            ...(rateGovernor ? [{ policy: keyVaultRateGovernorPolicy(rateGovernor), position: 'perRetry' as const }] : []),
          ],
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
