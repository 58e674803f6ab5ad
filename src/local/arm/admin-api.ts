/**
 * The stand-in's own API under /_arm on the loopback host (never on management.azure.com,
 * so it cannot shadow an ARM path): seed, state, reset, faults, reference faults, counts, and
 * whether a value is a storage account's current key. JSON in and out; errors are
 * {"error":{"code","message","details"?}}. No answer carries a storage key's value.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../keyvault-emulator/http-io.js';
import { AdminError, adminJson, adminObject, readAdminBody, sendAdminError, serveFaults } from '../shared/admin-api.js';
import { ADMIN_PREFIX } from './options.js';
import { vaultBody } from './routes.js';
import type { StoredApp } from './sites.js';
import { matchingKey } from './storage.js';
import type { ArmRuntime } from './runtime.js';
import { InvalidSeedError } from './seed.js';

/** An app's maps as JSON objects; connection strings' values are only references or test values, as app settings' are. */
function appDump(app: StoredApp): Record<string, unknown> {
  const { appSettings, connectionStrings, references, ...rest } = app;
  return {
    ...rest,
    appSettings: Object.fromEntries(appSettings),
    connectionStrings: Object.fromEntries(connectionStrings),
    references: { appsettings: Object.fromEntries(references.appsettings), connectionstrings: Object.fromEntries(references.connectionstrings) },
  };
}

function stateDump(runtime: ArmRuntime): unknown {
  const { state } = runtime;
  return {
    subscriptions: [...state.subscriptions.values()],
    resourceGroups: [...state.resourceGroups.values()],
    vaults: [...state.vaults.values()].map(vaultBody),
    diagnosticSettings: [...state.diagnosticSettings].flatMap(([resourceId, settings]) => [...settings.values()].map((setting) => ({ ...setting, resourceId: state.vaults.get(resourceId)?.id ?? resourceId }))),
    roleDefinitions: [...state.customRoles.values()],
    roleAssignments: [...state.roleAssignments.values()],
    roleEligibilities: [...state.roleEligibilities.values()],
    denyAssignments: [...state.denyAssignments.values()],
    storageAccounts: [...state.storageAccounts.values()].map(({ keys, ...account }) => ({ ...account, keys: keys.map(({ keyName, creationTime }) => ({ keyName, creationTime })) })),
    sites: [...state.sites.values()].map((site) => ({ ...appDump(site), slots: [...site.slots.values()].map(appDump) })),
  };
}

/** POST /_arm/storageAccounts/{name}/checkKey {"key"}: which current key the value is, if any. */
function checkKey(runtime: ArmRuntime, name: string, body: string): unknown {
  const account = [...runtime.state.storageAccounts.values()].find((candidate) => candidate.name === name);
  if (!account) throw new AdminError(404, 'NotFound', `no storage account '${name.slice(0, 64)}' is seeded`);
  const value = adminObject(body)['key'];
  if (typeof value !== 'string' || value === '') throw new AdminError(400, 'InvalidKey', 'the body must be {"key":"<base64 account key>"}');
  const keyName = matchingKey(account, value);
  return keyName ? { valid: true, keyName } : { valid: false };
}

async function route(runtime: ArmRuntime, method: string, path: string, body: string, res: ServerResponse): Promise<void> {
  const segments = path.split('/').filter(Boolean);
  const [resource, id] = segments;
  if (resource === undefined && method === 'GET') return sendJson(res, 200, runtime.info);
  if (resource === 'reset' && method === 'POST') {
    runtime.reset();
    return sendJson(res, 200, { reset: true });
  }
  if (resource === 'seed' && id === undefined && method === 'POST') {
    try {
      return sendJson(res, 201, { seeded: await runtime.seed(adminJson(body)) });
    } catch (error) {
      if (error instanceof InvalidSeedError) throw new AdminError(400, 'InvalidSeed', error.message, error.problems);
      throw error;
    }
  }
  if (resource === 'state' && id === undefined && method === 'GET') return sendJson(res, 200, stateDump(runtime));
  if (resource === 'faults' && id === undefined && serveFaults(runtime.faults, method, body, res)) return;
  if (resource === 'referenceFaults' && id === undefined && serveFaults(runtime.references.faults, method, body, res)) return;
  if (resource === 'storageAccounts' && id !== undefined && segments[2] === 'checkKey' && segments.length === 3 && method === 'POST') return sendJson(res, 200, checkKey(runtime, id, body));
  if (resource === 'counts' && id === undefined && method === 'GET') return sendJson(res, 200, runtime.counts);
  throw new AdminError(404, 'NotFound', `no admin endpoint ${method} ${ADMIN_PREFIX}/${segments.join('/')}`);
}

export async function handleAdminRequest(runtime: ArmRuntime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const body = await readAdminBody(req);
    await route(runtime, (req.method ?? 'GET').toUpperCase(), url.pathname.slice(ADMIN_PREFIX.length), body, res);
  } catch (error) {
    if (error instanceof AdminError) return sendAdminError(res, error);
    throw error;
  }
}
