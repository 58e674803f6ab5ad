/**
 * The stand-in's own API under /_graph on the loopback host (never on graph.microsoft.com or
 * login.microsoftonline.com, so it cannot shadow their paths): seed applications, list them
 * with their credentials (never a secret's text), settings (the propagation delay), reset,
 * faults and counts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../keyvault-emulator/http-io.js';
import { AdminError, adminObject, readAdminBody, sendAdminError, serveFaults } from '../shared/admin-api.js';
import { InvalidGraphSeedError, type StoredApplication } from './directory.js';
import { GRAPH_ADMIN_PREFIX, MAX_PROPAGATION_DELAY_MS } from './options.js';
import { GRAPH_OPERATIONS, type GraphRuntime } from './runtime.js';

/** What the admin API shows of an application: everything but the secrets' text, which it never holds. */
export interface GraphApplicationView {
  id: string;
  appId: string;
  displayName: string;
  owners: string[];
  servicePrincipalId: string;
  passwordCredentials: Array<{ keyId: string; displayName: string | null; hint: string; startDateTime: string; endDateTime: string; createdDateTime: string; propagated: boolean }>;
}

function view(runtime: GraphRuntime, app: StoredApplication): GraphApplicationView {
  const now = Date.now();
  return {
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    owners: [...app.owners],
    servicePrincipalId: app.servicePrincipalId,
    passwordCredentials: app.passwordCredentials.map((credential) => ({
      keyId: credential.keyId,
      displayName: credential.displayName,
      hint: credential.hint,
      startDateTime: credential.startDateTime,
      endDateTime: credential.endDateTime,
      createdDateTime: new Date(credential.createdAtMs).toISOString(),
      propagated: now - credential.createdAtMs >= runtime.settings.propagationDelayMs,
    })),
  };
}

function settingsFrom(body: Record<string, unknown>): { propagationDelayMs?: number } {
  const unknown = Object.keys(body).filter((key) => key !== 'propagationDelayMs');
  if (unknown.length > 0) throw new AdminError(400, 'InvalidSettings', `unknown setting ${unknown[0]}; the one setting is propagationDelayMs`);
  const delay = body['propagationDelayMs'];
  if (delay === undefined) return {};
  if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > MAX_PROPAGATION_DELAY_MS) throw new AdminError(400, 'InvalidSettings', `propagationDelayMs must be a whole number from 0 to ${MAX_PROPAGATION_DELAY_MS}`);
  return { propagationDelayMs: delay };
}

async function route(runtime: GraphRuntime, method: string, path: string, body: string, res: ServerResponse): Promise<void> {
  const segments = path.split('/').filter(Boolean);
  const [resource, id, ...rest] = segments;
  if (rest.length > 0) throw new AdminError(404, 'NotFound', `no admin endpoint ${method} ${GRAPH_ADMIN_PREFIX}/${segments.join('/')}`);
  if (resource === undefined && method === 'GET') return sendJson(res, 200, { ...runtime.info, propagationDelayMs: runtime.settings.propagationDelayMs });
  if (resource === 'reset' && id === undefined && method === 'POST') {
    runtime.reset();
    return sendJson(res, 200, { reset: true });
  }
  if (resource === 'seed' && id === undefined && method === 'POST') {
    try {
      return sendJson(res, 201, { seeded: runtime.directory.seed(adminObject(body)).map((app) => view(runtime, app)) });
    } catch (error) {
      if (error instanceof InvalidGraphSeedError) throw new AdminError(400, 'InvalidSeed', error.message, error.problems);
      throw error;
    }
  }
  if (resource === 'applications' && method === 'GET') {
    if (id === undefined) return sendJson(res, 200, { applications: runtime.directory.list().map((app) => view(runtime, app)) });
    const app = runtime.directory.byId(id) ?? runtime.directory.byAppId(id);
    if (!app) throw new AdminError(404, 'NotFound', `no application has id or appId '${id.slice(0, 100)}'`);
    return sendJson(res, 200, view(runtime, app));
  }
  if (resource === 'settings' && id === undefined) {
    if (method === 'POST') Object.assign(runtime.settings, settingsFrom(adminObject(body)));
    if (method === 'POST' || method === 'GET') return sendJson(res, 200, { propagationDelayMs: runtime.settings.propagationDelayMs });
  }
  if (resource === 'faults' && id === undefined && serveFaults(runtime.faults, method, body, res, GRAPH_OPERATIONS)) return;
  if (resource === 'counts' && id === undefined && method === 'GET') return sendJson(res, 200, runtime.counts);
  throw new AdminError(404, 'NotFound', `no admin endpoint ${method} ${GRAPH_ADMIN_PREFIX}/${segments.join('/')}`);
}

export async function handleGraphAdminRequest(runtime: GraphRuntime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const body = await readAdminBody(req);
    await route(runtime, (req.method ?? 'GET').toUpperCase(), url.pathname.slice(GRAPH_ADMIN_PREFIX.length), body, res);
  } catch (error) {
    if (error instanceof AdminError) return sendAdminError(res, error);
    throw error;
  }
}
