/**
 * What `npm start` seeds the Graph stand-in with (one example application the app's identity
 * owns, as Application.ReadWrite.OwnedBy needs) and the settings that point the app at Graph
 * and at the token authority that checks client secrets.
 */
import type { GraphSeed } from './directory.js';
import type { RunningGraphStandIn } from './options.js';

export const LOCAL_EXAMPLE_APPLICATION = { id: '00000000-0000-4000-8000-0000000e9a01', appId: '00000000-0000-4000-8000-0000000e9a02', displayName: 'kv-rotation-local-example' } as const;

export function localGraphSeed(appPrincipalId: string): GraphSeed {
  return { applications: [{ ...LOCAL_EXAMPLE_APPLICATION, owners: [appPrincipalId] }] };
}

/** GRAPH_* for Graph (the ARM_* pattern: endpoint, CA, the address its host name goes to) and ENTRA_AUTHORITY_HOST for ClientSecretCredential's authorityHost. */
export function localGraphSettings(graph: RunningGraphStandIn): Record<string, string> {
  return {
    GRAPH_ENDPOINT: graph.baseUrl,
    GRAPH_CA_CERT_PATH: graph.caCertPath,
    GRAPH_ADDRESS: graph.host,
    ENTRA_AUTHORITY_HOST: graph.tokenAuthority,
  };
}
