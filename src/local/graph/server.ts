/**
 * Routes each HTTPS request by its Host header: graph.microsoft.com to Graph,
 * login.microsoftonline.com to the token authority; another host (the loopback address)
 * serves the admin API under /_graph, Graph under /v1.0 and the token authority elsewhere,
 * so curl works without --resolve.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { sendJson } from '../keyvault-emulator/http-io.js';
import { hostnameOf } from '../shared/https-stand-in.js';
import { handleGraphAdminRequest } from './admin-api.js';
import { handleGraphRequest } from './graph-handler.js';
import { GRAPH_ADMIN_PREFIX, GRAPH_HOST, LOGIN_HOST } from './options.js';
import type { GraphRuntime } from './runtime.js';
import { handleTokenAuthorityRequest } from './token-authority.js';

async function dispatch(runtime: GraphRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://graph-standin.invalid');
  const hostname = hostnameOf(req.headers.host);
  if (hostname === GRAPH_HOST) return handleGraphRequest(runtime, req, res, url);
  if (hostname === LOGIN_HOST) return handleTokenAuthorityRequest(runtime, req, res, url);
  if (url.pathname === GRAPH_ADMIN_PREFIX || url.pathname.startsWith(`${GRAPH_ADMIN_PREFIX}/`)) return handleGraphAdminRequest(runtime, req, res, url);
  if (/^\/v1\.0(\/|$)/i.test(url.pathname)) return handleGraphRequest(runtime, req, res, url);
  return handleTokenAuthorityRequest(runtime, req, res, url);
}

export function createGraphRequestListener(runtime: GraphRuntime): RequestListener {
  return (req, res) => {
    dispatch(runtime, req, res).catch((error: unknown) => {
      process.stderr.write(`graph-standin: ${req.method} ${req.url?.split('?')[0]} failed: ${error instanceof Error ? error.message : 'unknown error'}\n`);
      if (req.socket.destroyed) return;
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: { code: 'InternalServerError', message: 'The Graph stand-in failed to handle the request.' } });
    });
  };
}
