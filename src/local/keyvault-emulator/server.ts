/**
 * Routes each HTTPS request by its Host header: a vault host goes to Key Vault's
 * pipeline, the loopback host serves the admin API under /_emulator, and anything
 * else is a 404.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { hostnameOf } from '../shared/https-stand-in.js';
import { handleAdminRequest } from './admin-api.js';
import { sendIisNotFound, sendJson } from './http-io.js';
import { handleVaultRequest } from './keyvault-handler.js';
import { ADMIN_PREFIX } from './options.js';
import type { EmulatorRuntime } from './runtime.js';

async function dispatch(runtime: EmulatorRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://emulator.invalid');
  const hostname = hostnameOf(req.headers.host);
  const hosted = runtime.vaultForHost(hostname);
  if (hosted) return handleVaultRequest(runtime, hosted, req, res, url);
  req.resume();
  if (hostname.endsWith('.vault.azure.net')) {
    const emulated = runtime.vaults().map((v) => v.vault.name);
    return sendJson(res, 404, {
      error: { code: 'VaultNotFound', message: `No vault '${hostname.split('.')[0]}' is emulated here; the emulated vaults are: ${emulated.join(', ')}.` },
    });
  }
  if (url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`)) return handleAdminRequest(runtime, req, res, url);
  return sendIisNotFound(res);
}

export function createRequestListener(runtime: EmulatorRuntime): RequestListener {
  return (req, res) => {
    dispatch(runtime, req, res).catch((error: unknown) => {
      // Emulator bugs surface as Key Vault would show its own: a 500 with an error body. Never a request body in the log.
      process.stderr.write(`keyvault-emulator: ${req.method} ${req.url?.split('?')[0]} failed: ${error instanceof Error ? error.message : 'unknown error'}\n`);
      if (req.socket.destroyed) return;
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: { code: 'InternalServerError', message: 'The emulator failed to handle the request.' } });
    });
  };
}
