/**
 * Test helpers for the ARM stand-in: the real clients pointed at it as the app points them
 * (createArmClients with the stand-in's trust), the admin client, a raw HTTPS request for
 * what the SDKs never send, and a seed with one of everything.
 */
import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { TokenCredential } from '@azure/core-auth';
import { createArmClients, type ArmClients } from '../../../src/adapters/arm/arm-clients.js';
import { ArmAdminClient, startArmStandIn, type ArmStandInOptions, type RunningArmStandIn } from '../../../src/local/arm/index.js';
import type { SecretClient } from '@azure/keyvault-secrets';
import { startKeyVaultEmulator, type RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';
import { clientsFor } from '../keyvault-emulator/support.js';

export interface TestArm {
  arm: RunningArmStandIn;
  admin: ArmAdminClient;
  clients: ArmClients;
  stop(): Promise<void>;
}

/** The credential a test passes where Azure's would go; the stand-in path never calls it. */
export const unusedCredential: TokenCredential = {
  getToken: () => Promise.reject(new Error('the stand-in path must use the local token')),
};

export const FAST_RETRIES = { retryDelayInMs: 5, maxRetryDelayInMs: 20 };

export async function startTestArm(options: ArmStandInOptions = {}): Promise<TestArm> {
  const arm = await startArmStandIn(options);
  const clients = createArmClients({ credential: unusedCredential, standIn: { endpoint: arm.baseUrl, caCertPath: arm.caCertPath, address: arm.host }, retryOptions: FAST_RETRIES });
  return { arm, admin: new ArmAdminClient(arm.adminUrl, arm.caCertPem), clients, stop: () => arm.stop() };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience over arbitrary JSON
}

/** One HTTPS request to management.azure.com on the stand-in, trusting its CA and dialing its address. */
export function rawRequest(arm: RunningArmStandIn, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: arm.host, port: arm.port, servername: 'management.azure.com', method: options.method ?? 'GET', path: options.path, ca: arm.caCertPem, agent: false, headers: { host: `management.azure.com:${arm.port}`, ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = body ? JSON.parse(body) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export const SUB = '11111111-0000-4000-8000-000000000001';
export const OTHER_SUB = '11111111-0000-4000-8000-000000000002';
export const RG = 'rg-vaults';
export const vaultIdOf = (name: string, group = RG, sub = SUB): string => `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${name}`;
export const principal = (n: number): string => `22222222-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** An ARM stand-in whose sites' Key Vault references resolve against a Key Vault emulator of its own with one vault. */
export interface ArmWithVault {
  emulator: RunningKeyVaultEmulator;
  /** A SecretClient on the vault, through the emulator's CA. */
  secrets: SecretClient;
  arm: TestArm;
  stop(): Promise<void>;
}

export async function startArmWithVault(vault: string): Promise<ArmWithVault> {
  const emulator = await startKeyVaultEmulator({ vaults: [vault] });
  const kv = clientsFor(emulator);
  const arm = await startTestArm({ keyVault: { caCertPem: emulator.caCertPem, address: emulator.host, port: emulator.port } });
  return {
    emulator,
    secrets: kv.client(),
    arm,
    async stop() {
      await arm.stop();
      kv.close();
      await emulator.stop();
    },
  };
}
