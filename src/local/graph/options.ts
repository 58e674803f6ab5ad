/** What starting the Graph stand-in takes and gives back, and the fixed names it serves under. */
import type { RunningHttpsStandIn } from '../shared/https-stand-in.js';
import { EMULATOR_TENANT_ID } from '../keyvault-emulator/options.js';
import type { HttpsStandInListenOptions } from '../shared/https-stand-in.js';
import type { GraphSeed } from './directory.js';

export interface GraphStandInOptions extends HttpsStandInListenOptions {
  /** The one directory it plays. Default the emulator's tenant (LOCAL_TENANT_ID). */
  tenantId?: string;
  /**
   * How long a new client secret takes before the token authority accepts it. Entra takes
   * seconds (4-18 s reported); default 5000 locally, 0 in tests that do not test the wait.
   */
  propagationDelayMs?: number;
  /** Default 3600 (Entra's app tokens live 60-90 minutes). */
  tokenLifetimeSeconds?: number;
  /** Applied at start, as POST /_graph/seed would. */
  seed?: GraphSeed;
}

export interface RunningGraphStandIn extends RunningHttpsStandIn {
  /** https://graph.microsoft.com:<port>: where a client sends /v1.0/... */
  baseUrl: string;
  /** https://login.microsoftonline.com:<port>: the `authorityHost` of a ClientSecretCredential. */
  tokenAuthority: string;
  tenantId: string;
}

export const GRAPH_HOST = 'graph.microsoft.com';
export const LOGIN_HOST = 'login.microsoftonline.com';
export const GRAPH_ADMIN_PREFIX = '/_graph';
export const GRAPH_TENANT_ID = EMULATOR_TENANT_ID;
export const DEFAULT_PROPAGATION_DELAY_MS = 5000;
export const MAX_PROPAGATION_DELAY_MS = 120_000;
