/**
 * The ARM clients the app uses: the real @azure/arm-keyvault and @azure/arm-authorization
 * clients (the access review), @azure/arm-storage and @azure/arm-appservice (the storage-key
 * and App Service consumers), and core-client's ServiceClient for diagnostic settings.
 * In Azure they use the app's credential against management.azure.com; locally (ARM_ENDPOINT
 * and ARM_CA_CERT_PATH) the same clients reach the ARM stand-in at https://management.azure.com:<port>
 * through an https.Agent that trusts its CA and resolves management.azure.com to it, with a
 * local token, as the client factory does for Key Vault and the emulator.
 */
import { standInAgent } from '../stand-in-agent.js';
import { Agent } from 'node:https';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import { StorageManagementClient } from '@azure/arm-storage';
import type { TokenCredential } from '@azure/core-auth';
import { ServiceClient } from '@azure/core-client';
import type { ArmStandInTrust } from '../../config.js';
import { localEmulatorCredential } from '../azure-clients.js';

export const ARM_ENDPOINT = 'https://management.azure.com';
const ARM_HOST = 'management.azure.com';
const BLOB_HOST_SUFFIX = '.blob.core.windows.net';

export interface ArmClients {
  readonly endpoint: string;
  keyVault(subscriptionId: string): KeyVaultManagementClient;
  authorization(subscriptionId: string): AuthorizationManagementClient;
  storage(subscriptionId: string): StorageManagementClient;
  appService(subscriptionId: string): WebSiteManagementClient;
  /** For ARM reads no typed client here covers (diagnostic settings); same credential, bearer policy, retries and agent. */
  readonly service: ServiceClient;
  /** Locally, what a storage account's data plane (its blob endpoint, on the stand-in) is reached through; absent in Azure. */
  readonly storageDataPlaneAgent?: Agent;
}

/**
 * An https.Agent that trusts the stand-in's CA and sends management.azure.com, and storage
 * accounts' blob endpoints (which the stand-in also serves), to its address; other names resolve as usual.
 */
export function armStandInAgent(trust: Pick<ArmStandInTrust, 'caCertPath' | 'address'>): Agent {
  return standInAgent(trust, (hostname) => hostname === ARM_HOST || hostname.endsWith(BLOB_HOST_SUFFIX));
}

export interface ArmClientsOptions {
  /** The app's credential in Azure (the factory's DefaultAzureCredential); ignored when the stand-in is used. */
  credential: TokenCredential;
  standIn?: ArmStandInTrust;
  /** Tests shorten the SDK's retry delays; the policy itself stays the SDK's. */
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

export function createArmClients(options: ArmClientsOptions): ArmClients {
  const standIn = options.standIn;
  // The stand-in takes any bearer token, like the emulator; this one only ever goes to loopback (config.ts checks ARM_ADDRESS).
  const credential = standIn ? localEmulatorCredential : options.credential;
  const endpoint = standIn?.endpoint ?? ARM_ENDPOINT;
  const agent = standIn ? armStandInAgent(standIn) : undefined;
  const common = { endpoint, ...(agent ? { agent } : {}), ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}) };
  const keyVaultClients = new Map<string, KeyVaultManagementClient>();
  const authorizationClients = new Map<string, AuthorizationManagementClient>();
  const storageClients = new Map<string, StorageManagementClient>();
  const appServiceClients = new Map<string, WebSiteManagementClient>();
  const scopes = { credentials: { scopes: [`${ARM_ENDPOINT}/.default`] } };
  return {
    endpoint,
    keyVault(subscriptionId) {
      let client = keyVaultClients.get(subscriptionId.toLowerCase());
      if (!client) {
        client = new KeyVaultManagementClient(credential, subscriptionId, { ...common, credentials: { scopes: [`${ARM_ENDPOINT}/.default`] } });
        keyVaultClients.set(subscriptionId.toLowerCase(), client);
      }
      return client;
    },
    authorization(subscriptionId) {
      let client = authorizationClients.get(subscriptionId.toLowerCase());
      if (!client) {
        client = new AuthorizationManagementClient(credential, subscriptionId, { ...common, credentialScopes: [`${ARM_ENDPOINT}/.default`] });
        authorizationClients.set(subscriptionId.toLowerCase(), client);
      }
      return client;
    },
    storage(subscriptionId) {
      let client = storageClients.get(subscriptionId.toLowerCase());
      if (!client) {
        client = new StorageManagementClient(credential, subscriptionId, { ...common, ...scopes });
        storageClients.set(subscriptionId.toLowerCase(), client);
      }
      return client;
    },
    appService(subscriptionId) {
      let client = appServiceClients.get(subscriptionId.toLowerCase());
      if (!client) {
        client = new WebSiteManagementClient(credential, subscriptionId, { ...common, ...scopes });
        appServiceClients.set(subscriptionId.toLowerCase(), client);
      }
      return client;
    },
    service: new ServiceClient({ ...common, credential, credentialScopes: [`${ARM_ENDPOINT}/.default`] }),
    ...(agent ? { storageDataPlaneAgent: agent } : {}),
  };
}
