/**
 * Test helpers for the Graph stand-in: Graph reached as an adapter reaches it (core-client's
 * ServiceClient with a bearer policy and the stand-in agent), ClientSecretCredential pointed at
 * its token authority, the admin client, and a raw request for what no client sends.
 */
import type { Agent } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { ServiceClient } from '@azure/core-client';
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { ClientSecretCredential } from '@azure/identity';
import { localEmulatorCredential } from '../../../src/adapters/azure-clients.js';
import { standInAgent } from '../../../src/adapters/stand-in-agent.js';
import { GRAPH_HOST, GraphAdminClient, LOGIN_HOST, startGraphStandIn, type GraphStandInOptions, type RunningGraphStandIn } from '../../../src/local/graph/index.js';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface TestGraph {
  graph: RunningGraphStandIn;
  admin: GraphAdminClient;
  agent: Agent;
  /** Graph as the entra-app-secret adapter calls it: the local token, Graph's scope, SDK retries. */
  client: ServiceClient;
  /** A new ClientSecretCredential (its own MSAL cache) for an application's client id and secret. */
  credential(clientId: string, secret: string): TokenCredential;
  /** POST or GET /v1.0/<path> through the client; the answer's status, headers and JSON. */
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience over Graph JSON
  stop(): Promise<void>;
}

export async function startTestGraph(options: GraphStandInOptions = {}): Promise<TestGraph> {
  const graph = await startGraphStandIn({ propagationDelayMs: 0, ...options });
  const agent = standInAgent({ caCertPath: graph.caCertPath, address: graph.host }, (hostname) => hostname === GRAPH_HOST || hostname === LOGIN_HOST);
  const client = new ServiceClient({ endpoint: graph.baseUrl, credential: localEmulatorCredential, credentialScopes: [GRAPH_SCOPE], agent, retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 } });
  return {
    graph,
    admin: new GraphAdminClient(graph.adminUrl, graph.caCertPem),
    agent,
    client,
    // disableInstanceDiscovery: MSAL would otherwise ask login.microsoftonline.com:443 which hosts it trusts.
    credential: (clientId, secret) => new ClientSecretCredential(graph.tenantId, clientId, secret, { authorityHost: graph.tokenAuthority, agent, disableInstanceDiscovery: true, retryOptions: { maxRetries: 0 } }),
    call: async (method, path, body) => {
      const response = await client.sendRequest(
        createPipelineRequest({ url: `${graph.baseUrl}/v1.0/${path}`, method, headers: createHttpHeaders(body === undefined ? {} : { 'content-type': 'application/json' }), ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) }),
      );
      return { status: response.status, json: response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined };
    },
    stop: () => graph.stop(),
  };
}

/** One request with no policy at all: no token, no retries, whatever body and headers the test gives. */
export function rawRequest(agent: Agent, url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<PipelineResponse> {
  const request = createPipelineRequest({ url, method: (options.method ?? 'GET') as 'GET', headers: createHttpHeaders(options.headers ?? {}), ...(options.body !== undefined ? { body: options.body } : {}) });
  // createPipelineRequest does not copy an agent; the node client uses the request's own.
  request.agent = agent;
  return createDefaultHttpClient().sendRequest(request);
}
