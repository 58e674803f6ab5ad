/**
 * Starts the app the way `npm start` does (Azurite, its own Key Vault emulator,
 * the functions host running src/functions' own registrations) and gives tests a
 * small HTTP client that keeps every response body, so a suite can prove at the
 * end that no response ever held a secret value.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SecretClient } from '@azure/keyvault-secrets';
import { createAzureClientFactory } from '../../src/adapters/azure-clients.js';
import { EmulatorAdminClient } from '../../src/local/keyvault-emulator/index.js';
import { startLocalApp, type RunningLocalApp } from '../../src/local/start.js';
import { captureLogs, type CapturedLogs } from '../local/functions-host/capture-logger.js';
import type { AppRole } from '../../src/core/auth/caller.js';
import { allRolesToken, tokenFor, withDefaultToken } from '../support/test-tokens.js';

const functionsDir = fileURLToPath(new URL('../../src/functions/', import.meta.url));

export const appModules = readdirSync(functionsDir)
  .filter((file) => file.endsWith('.ts'))
  .sort()
  .map((file) => join(functionsDir, file));

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience over arbitrary JSON
}

export interface RunningTestApp {
  app: RunningLocalApp;
  logs: CapturedLogs;
  admin: EmulatorAdminClient;
  responses: string[];
  vault(name?: string): { name: string; url: string };
  secrets(vaultUrl: string): SecretClient;
  /** Without an authorization header, the call carries a token with every app role; `authorization: ''` sends none. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  /** A token for a named person with these roles, from the app's local identity provider. */
  tokenFor(sub: string, roles: readonly AppRole[]): Promise<string>;
  /** Posts Event Grid events to the app's webhook as Event Grid does. */
  deliver(events: unknown[]): Promise<ApiResponse>;
  stop(): Promise<void>;
}

export async function startTestApp(): Promise<RunningTestApp> {
  const logs = captureLogs();
  const app = await startLocalApp({ apiPort: 0, emulatorPort: 0, identityProviderPort: 0, azuritePorts: 'free', modules: appModules, runTimers: false, examplesPath: false, logger: logs.logger });
  const clients = createAzureClientFactory({
    storage: { kind: 'local-connection-string', connectionString: process.env['AzureWebJobsStorage']! },
    keyVaultEmulator: { caCertPath: app.summary.caCertPath, address: app.summary.host },
  });
  const responses: string[] = [];
  const defaultToken = await allRolesToken(app.identityProvider);
  const admin = new EmulatorAdminClient(app.summary.emulatorAdminUrl, (await import('node:fs')).readFileSync(app.summary.caCertPath, 'utf8'));

  async function send(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<ApiResponse> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(url, init);
    const text = await response.text();
    responses.push(text);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  return {
    app,
    logs,
    admin,
    responses,
    vault(name = 'kv-app-local') {
      return app.summary.vaults.find((v) => v.name === name)!;
    },
    secrets: (vaultUrl) => clients.secretClient(vaultUrl),
    call: (method, path, body, headers = {}) => send(`${app.summary.api}${path}`, method, body, withDefaultToken(headers, defaultToken)),
    tokenFor: (sub, roles) => tokenFor(app.identityProvider, sub, roles),
    deliver: (events) =>
      send(`${app.functionsHost.url}/runtime/webhooks/eventgrid?functionName=onKeyVaultEvent`, 'POST', events, { 'aeg-event-type': 'Notification' }),
    stop: () => app.stop(),
  };
}

export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutInMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const result = await probe();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function versionsOf(client: SecretClient, name: string): Promise<string[]> {
  const versions: { version: string; created: number }[] = [];
  try {
    for await (const p of client.listPropertiesOfSecretVersions(name)) versions.push({ version: p.version!, created: p.createdOn?.getTime() ?? 0 });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return versions.sort((a, b) => a.created - b.created).map((v) => v.version);
}
