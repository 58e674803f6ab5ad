/**
 * EventGridPublisherClient for a topic, in the CloudEvents schema, with the app's credential: in
 * Azure the managed identity (EventGrid Data Sender on the topic); locally (ROTATION_EVENTS_CA_CERT_PATH)
 * the topic stand-in, reached through an https.Agent that trusts its CA and sends *.eventgrid.azure.net
 * to its address, with a local token, as the ARM clients reach the ARM stand-in.
 */
import type { TokenCredential } from '@azure/core-auth';
import { EventGridPublisherClient } from '@azure/eventgrid';
import type { Agent } from 'node:https';
import { EVENT_GRID_TOPIC_HOST_SUFFIX, type KeyVaultEmulatorTrust } from '../../config.js';
import { localEmulatorCredential } from '../azure-clients.js';
import { standInAgent } from '../stand-in-agent.js';

export type CloudEventPublisher = EventGridPublisherClient<'CloudEvent'>;

/** How long one publish may take, the SDK's retries included: the engine waits on it, holding the lease. */
export const PUBLISH_TIMEOUT_MS = 15_000;

export interface EventGridClientsOptions {
  credential: TokenCredential;
  standIn?: KeyVaultEmulatorTrust;
  /** Tests shorten the SDK's retry delays; the policy itself stays the SDK's. */
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

export interface EventGridClients {
  /** One client per topic endpoint, kept for the process. */
  publisher(endpoint: string): CloudEventPublisher;
}

export function createEventGridClients(options: EventGridClientsOptions): EventGridClients {
  const { standIn } = options;
  // The stand-in takes any bearer token; config.ts checks the address is loopback and every endpoint is under .eventgrid.azure.net.
  const credential = standIn ? localEmulatorCredential : options.credential;
  let agent: Agent | undefined;
  const clients = new Map<string, CloudEventPublisher>();
  return {
    publisher(endpoint) {
      let client = clients.get(endpoint);
      if (!client) {
        if (standIn) agent ??= standInAgent(standIn, (hostname) => hostname.endsWith(EVENT_GRID_TOPIC_HOST_SUFFIX));
        client = new EventGridPublisherClient(endpoint, 'CloudEvent', credential, {
          ...(agent ? { agent } : {}),
          retryOptions: { maxRetries: 3, maxRetryDelayInMs: 4_000, ...options.retryOptions },
        });
        clients.set(endpoint, client);
      }
      return client;
    },
  };
}
