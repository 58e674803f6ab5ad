/**
 * Routes each HTTPS request by its Host header: management.azure.com goes to ARM's
 * pipeline; <account>.blob.core.windows.net to a storage account's blob endpoint (Shared Key
 * checks only); another host (the loopback address) serves the admin API under /_arm and
 * ARM's paths too, so curl works without --resolve.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { sendJson } from '../keyvault-emulator/http-io.js';
import { hostnameOf } from '../shared/https-stand-in.js';
import { handleAdminRequest } from './admin-api.js';
import { handleArmRequest } from './arm-handler.js';
import { ADMIN_PREFIX, ARM_HOST, BLOB_HOST_SUFFIX } from './options.js';
import type { ArmRuntime } from './runtime.js';
import { handleBlobRequest } from './storage-data-plane.js';

async function dispatch(runtime: ArmRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://arm-standin.invalid');
  const hostname = hostnameOf(req.headers.host);
  if (hostname.endsWith(BLOB_HOST_SUFFIX)) return handleBlobRequest(runtime, req, res, url, hostname);
  const isAdminPath = url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`);
  if (isAdminPath && hostname !== ARM_HOST) return handleAdminRequest(runtime, req, res, url);
  return handleArmRequest(runtime, req, res, url);
}

export function createRequestListener(runtime: ArmRuntime): RequestListener {
  return (req, res) => {
    dispatch(runtime, req, res).catch((error: unknown) => {
      process.stderr.write(`arm-standin: ${req.method} ${req.url?.split('?')[0]} failed: ${error instanceof Error ? error.message : 'unknown error'}\n`);
      if (req.socket.destroyed) return;
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: { code: 'InternalServerError', message: 'The ARM stand-in failed to handle the request.' } });
    });
  };
}
