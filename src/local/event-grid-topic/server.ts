/**
 * Routes each HTTPS request: the topic's host publishes; another host (the loopback address)
 * serves the admin API under /_eventgrid and the topic's paths too, so curl works without --resolve.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { sendJson } from '../keyvault-emulator/http-io.js';
import { hostnameOf } from '../shared/https-stand-in.js';
import { handleTopicAdminRequest } from './admin-api.js';
import { EVENT_GRID_ADMIN_PREFIX } from './options.js';
import type { TopicRuntime } from './runtime.js';
import { handleTopicRequest } from './topic-handler.js';

async function dispatch(runtime: TopicRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://event-grid-standin.invalid');
  const isAdminPath = url.pathname === EVENT_GRID_ADMIN_PREFIX || url.pathname.startsWith(`${EVENT_GRID_ADMIN_PREFIX}/`);
  if (isAdminPath && hostnameOf(req.headers.host) !== runtime.info.hostName) return handleTopicAdminRequest(runtime, req, res, url);
  return handleTopicRequest(runtime, req, res, url);
}

export function createTopicRequestListener(runtime: TopicRuntime): RequestListener {
  return (req, res) => {
    dispatch(runtime, req, res).catch((error: unknown) => {
      process.stderr.write(`event-grid-topic: ${req.method} ${req.url?.split('?')[0]} failed: ${error instanceof Error ? error.message : 'unknown error'}\n`);
      if (req.socket.destroyed) return;
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: { code: 'InternalServerError', message: 'The Event Grid topic stand-in failed to handle the request.' } });
    });
  };
}
