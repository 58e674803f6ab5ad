/**
 * One request to a vault host, in the order Key Vault's front end applies things:
 * the bearer challenge, then (emulator only) an armed fault, the throttle, the route,
 * the api-version, and the operation. Every refusal has Key Vault's status and body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyFaultDelays } from '../shared/http-faults.js';
import { isAuthorized, WWW_AUTHENTICATE } from './challenge.js';
import { keyVaultHeaders, readBody, RequestTooLargeError, sendEmpty, sendIisNotFound, sendJson } from './http-io.js';
import { CREATE_OPERATIONS, executeOperation, isServiceError, matchRoute, SUPPORTED_API_VERSIONS } from './routes.js';
import type { EmulatorRuntime, HostedVault } from './runtime.js';
import { injectedError, KeyVaultServiceError, serviceErrors } from './service-errors.js';

function sendError(req: IncomingMessage, res: ServerResponse, error: KeyVaultServiceError, extraHeaders: Record<string, string> = {}): void {
  sendJson(res, error.status, error.toBody(), { ...keyVaultHeaders(req), ...extraHeaders });
}

/** Query keys arrive percent-encoded (`api%2Dversion`); URLSearchParams decodes keys and values. */
function queryOf(url: URL): URLSearchParams {
  return new URLSearchParams(url.search);
}

export async function handleVaultRequest(runtime: EmulatorRuntime, hosted: HostedVault, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const vaultName = hosted.vault.name;
  const counts = runtime.counts.of(vaultName);
  const method = (req.method ?? 'GET').toUpperCase();
  let body: string;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof RequestTooLargeError) {
      sendError(req, res, new KeyVaultServiceError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
      return;
    }
    throw error;
  }

  if (!isAuthorized(req.headers.authorization)) {
    counts.challenges += 1;
    sendError(req, res, serviceErrors.unauthorized(), { 'www-authenticate': WWW_AUTHENTICATE });
    return;
  }

  const fault = runtime.faults.take({ method, path: url.pathname, vault: vaultName });
  if (fault) {
    counts.faults += 1;
    if (await applyFaultDelays(req, fault)) return;
    if (fault.status !== undefined) {
      sendError(req, res, injectedError(fault.status, fault.errorCode, fault.errorMessage), fault.headers ?? {});
      return;
    }
  }

  const match = matchRoute(method, url.pathname);
  const kind = match.kind === 'operation' && CREATE_OPERATIONS.has(match.operation) ? 'create' : 'other';
  if (!runtime.throttle.tryAcquire(vaultName, kind)) {
    counts.throttled += 1;
    // Key Vault's 429 carries no Retry-After, so the SDK's retry policy does not retry it.
    sendError(req, res, serviceErrors.throttled());
    return;
  }

  if (match.kind === 'not-found') {
    counts.unknown += 1;
    sendIisNotFound(res, keyVaultHeaders(req));
    return;
  }

  const query = queryOf(url);
  const apiVersion = query.get('api-version');
  if (!apiVersion) {
    sendError(req, res, serviceErrors.missingApiVersion());
    return;
  }
  if (!SUPPORTED_API_VERSIONS.has(apiVersion)) {
    sendError(req, res, serviceErrors.unknownApiVersion(apiVersion));
    return;
  }

  if (match.kind === 'method-not-allowed') {
    counts.unknown += 1;
    sendError(req, res, serviceErrors.methodNotAllowed(method), { allow: match.allow.join(', ') });
    return;
  }

  runtime.counts.operation(vaultName, match.operation);
  try {
    const result = executeOperation(match, {
      store: hosted.store,
      vaultUrl: hosted.vault.url,
      apiVersion,
      query,
      body,
      onNewVersion: (secret, version) => runtime.newVersionCreated(hosted, secret, version),
    });
    if (result.body === undefined) sendEmpty(res, result.status, keyVaultHeaders(req));
    else sendJson(res, result.status, result.body, keyVaultHeaders(req));
  } catch (error) {
    if (isServiceError(error)) {
      sendError(req, res, error);
      return;
    }
    throw error;
  }
}
