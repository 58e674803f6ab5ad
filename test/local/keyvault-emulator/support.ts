/**
 * Test helpers: real SecretClients pointed at a running emulator exactly as the app
 * points them (emulatorAgent + the local credential), a raw HTTPS request for what the
 * SDK cannot send, and a local webhook that records Event Grid deliveries.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Agent } from 'node:https';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import { emulatorAgent, localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import type { RunningKeyVaultEmulator } from '../../../src/local/keyvault-emulator/index.js';

export interface EmulatorClients {
  agent: Agent;
  client(vaultIndex?: number, options?: SecretClientOptions): SecretClient;
  close(): void;
}

export function clientsFor(emulator: RunningKeyVaultEmulator): EmulatorClients {
  const agent = emulatorAgent({ caCertPath: emulator.caCertPath, address: '127.0.0.1' });
  return {
    agent,
    client(vaultIndex = 0, options = {}) {
      const vault = emulator.vaults[vaultIndex];
      if (!vault) throw new Error(`no vault ${vaultIndex}`);
      return new SecretClient(vault.url, localEmulatorCredential, { agent, ...options });
    },
    close: () => agent.destroy(),
  };
}

/** Fast retries so fault tests take milliseconds; the SDK's own retry policy still decides. */
export const FAST_RETRIES: SecretClientOptions = { retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 } };

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTPS request to a vault host, trusting the emulator's CA and dialing 127.0.0.1. */
export function rawRequest(
  emulator: RunningKeyVaultEmulator,
  options: { host: string; method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: emulator.port,
        servername: options.host.split(':')[0],
        method: options.method,
        path: options.path,
        ca: emulator.caCertPem,
        agent: false,
        headers: { host: options.host, ...(options.body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(options.body)) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface ReceivedPost {
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Webhook {
  url: string;
  received: ReceivedPost[];
  /** Notification deliveries only, flattened to their events. */
  events(): Array<{ eventType: string; subject: string; data: Record<string, unknown>; id: string; topic: string; [key: string]: unknown }>;
  close(): Promise<void>;
}

export interface WebhookAnswer {
  status: number;
  body?: unknown;
}

export type WebhookBehaviour = (post: ReceivedPost, index: number) => WebhookAnswer | Promise<WebhookAnswer>;

/** Answers the validation handshake like the Functions Event Grid trigger, and 200 to notifications, unless told otherwise. */
export const eventGridTriggerBehaviour: WebhookBehaviour = (post) => {
  if (post.headers['aeg-event-type'] === 'SubscriptionValidation') {
    const [event] = post.body as Array<{ data: { validationCode: string } }>;
    return { status: 200, body: { validationResponse: event?.data.validationCode } };
  }
  return { status: 200 };
};

export async function startWebhook(behaviour: WebhookBehaviour = eventGridTriggerBehaviour): Promise<Webhook> {
  const received: ReceivedPost[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const post: ReceivedPost = { headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown };
      received.push(post);
      void Promise.resolve(behaviour(post, received.length - 1)).then((answer) => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/runtime/webhooks/eventgrid?functionName=onKeyVaultEvent`,
    received,
    events: () =>
      received
        .filter((post) => post.headers['aeg-event-type'] === 'Notification')
        .flatMap((post) => post.body as Array<{ eventType: string; subject: string; data: Record<string, unknown>; id: string; topic: string }>),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
