/** The Graph stand-in's public surface: start it in-process (Graph and its token authority), seed and drive it with the admin client. */
export { startGraphStandIn } from './standin.js';
export { GraphAdminClient } from './admin-client.js';
export type { GraphApplicationView } from './admin-api.js';
export { DEFAULT_PROPAGATION_DELAY_MS, GRAPH_ADMIN_PREFIX, GRAPH_HOST, GRAPH_TENANT_ID, LOGIN_HOST, type GraphStandInOptions, type RunningGraphStandIn } from './options.js';
export { graphSeedSchema, type GraphSeed } from './directory.js';
export { GRAPH_OPERATIONS, type GraphCounts, type GraphInfo, type GraphOperation } from './runtime.js';
export { parseAddPasswordBody, parseRemovePasswordBody } from './graph-requests.js';
export { parseClientCredentialsRequest, TokenRequestError } from './token-requests.js';
export { GraphError } from './graph-errors.js';
export { LOCAL_EXAMPLE_APPLICATION, localGraphSeed, localGraphSettings } from './local-settings.js';
