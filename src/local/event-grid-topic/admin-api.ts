/**
 * The stand-in's own API under /_eventgrid on the loopback host (never on the topic's host):
 * what it is (with its keys: it is local), the events it received (GET, DELETE), reset,
 * faults and counts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendEmpty, sendJson } from '../keyvault-emulator/http-io.js';
import { AdminError, readAdminBody, sendAdminError, serveFaults } from '../shared/admin-api.js';
import { EVENT_GRID_ADMIN_PREFIX } from './options.js';
import { TOPIC_OPERATIONS, type TopicRuntime } from './runtime.js';

async function route(runtime: TopicRuntime, method: string, path: string, body: string, res: ServerResponse): Promise<void> {
  const segments = path.split('/').filter(Boolean);
  const [resource, ...rest] = segments;
  if (rest.length === 0) {
    if (resource === undefined && method === 'GET') return sendJson(res, 200, { ...runtime.info, keys: runtime.keys });
    if (resource === 'reset' && method === 'POST') {
      runtime.reset();
      return sendJson(res, 200, { reset: true });
    }
    if (resource === 'events' && method === 'GET') return sendJson(res, 200, { events: runtime.events() });
    if (resource === 'events' && method === 'DELETE') {
      runtime.clearEvents();
      return sendEmpty(res, 204);
    }
    if (resource === 'faults' && serveFaults(runtime.faults, method, body, res, TOPIC_OPERATIONS)) return;
    if (resource === 'counts' && method === 'GET') return sendJson(res, 200, runtime.counts);
  }
  throw new AdminError(404, 'NotFound', `no admin endpoint ${method} ${EVENT_GRID_ADMIN_PREFIX}/${segments.join('/')}`);
}

export async function handleTopicAdminRequest(runtime: TopicRuntime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const body = await readAdminBody(req);
    await route(runtime, (req.method ?? 'GET').toUpperCase(), url.pathname.slice(EVENT_GRID_ADMIN_PREFIX.length), body, res);
  } catch (error) {
    if (error instanceof AdminError) return sendAdminError(res, error);
    throw error;
  }
}
