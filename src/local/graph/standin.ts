/**
 * Starts the Graph stand-in: one HTTPS listener for graph.microsoft.com and its token
 * authority, login.microsoftonline.com (their certificate from a fresh CA or the one shared
 * with the other stand-ins), signing keys made at start, and the seed given up front.
 */
import { SigningKeys } from '../identity-provider/signing-keys.js';
import { listenHttpsStandIn } from '../shared/https-stand-in.js';
import { DEFAULT_PROPAGATION_DELAY_MS, GRAPH_ADMIN_PREFIX, GRAPH_HOST, GRAPH_TENANT_ID, LOGIN_HOST, MAX_PROPAGATION_DELAY_MS, type GraphStandInOptions, type RunningGraphStandIn } from './options.js';
import { GraphRuntime } from './runtime.js';
import { createGraphRequestListener } from './server.js';

const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;

export async function startGraphStandIn(options: GraphStandInOptions = {}): Promise<RunningGraphStandIn> {
  const tenantId = options.tenantId ?? GRAPH_TENANT_ID;
  if (!TENANT_PATTERN.test(tenantId)) throw new Error('tenantId must be a GUID or a name of letters, digits, dots and hyphens (at most 64)');
  const propagationDelayMs = options.propagationDelayMs ?? DEFAULT_PROPAGATION_DELAY_MS;
  if (!Number.isInteger(propagationDelayMs) || propagationDelayMs < 0 || propagationDelayMs > MAX_PROPAGATION_DELAY_MS) throw new RangeError(`propagationDelayMs must be a whole number from 0 to ${MAX_PROPAGATION_DELAY_MS}`);
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  if (!Number.isInteger(tokenLifetimeSeconds) || tokenLifetimeSeconds < 60 || tokenLifetimeSeconds > 86_400) throw new RangeError('tokenLifetimeSeconds must be a whole number from 60 to 86400');

  const keys = await SigningKeys.create();
  const listener = await listenHttpsStandIn(options, [GRAPH_HOST, LOGIN_HOST], 'graph-standin-');
  const { host, port, caCertPath, caCertPem, stop } = listener;
  const baseUrl = `https://${GRAPH_HOST}:${port}`;
  const tokenAuthority = `https://${LOGIN_HOST}:${port}`;
  const adminUrl = `${listener.loopbackOrigin}${GRAPH_ADMIN_PREFIX}`;
  const runtime = new GraphRuntime({ baseUrl, tokenAuthority, tenantId, host, caCertPath, adminUrl }, { propagationDelayMs, tokenLifetimeSeconds }, keys);
  listener.server.on('request', createGraphRequestListener(runtime));
  try {
    if (options.seed) runtime.directory.seed(options.seed);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, tokenAuthority, tenantId, host, port, caCertPath, caCertPem, adminUrl, stop };
}
