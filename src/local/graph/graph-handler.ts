/**
 * One Microsoft Graph v1.0 request, in the order Graph's front end applies things: the bearer
 * token, then (stand-in only) an armed fault, the route, the method, the application, the body.
 * Serves GET applications/{id} (or applications(appId='{appId}')), addPassword and removePassword;
 * every refusal has Graph's status and error body.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, RequestTooLargeError, sendEmpty, sendJson } from '../keyvault-emulator/http-io.js';
import { applyFaultDelays } from '../shared/http-faults.js';
import type { StoredApplication, StoredPassword } from './directory.js';
import { GraphError, graphErrors, injectedGraphError } from './graph-errors.js';
import { parseAddPasswordBody, parseRemovePasswordBody } from './graph-requests.js';
import type { GraphOperation, GraphRuntime } from './runtime.js';

const BEARER = /^Bearer +\S+$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ALTERNATE_KEY = /^applications\(appId=(?:'([^']*)'|"([^"]*)")\)$/i;
const METADATA = 'https://graph.microsoft.com/v1.0/$metadata';

interface GraphRoute {
  operation: GraphOperation;
  method: 'GET' | 'POST';
  key: { by: 'id' | 'appId'; value: string };
}

/** The route, or the first segment Graph would not find. */
function matchRoute(pathname: string): GraphRoute | { unknownSegment: string } {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return { unknownSegment: pathname };
  }
  const segments = path.split('/').filter(Boolean);
  if (segments[0]?.toLowerCase() !== 'v1.0') return { unknownSegment: segments[0] ?? '' };
  const alternate = segments[1] !== undefined ? ALTERNATE_KEY.exec(segments[1]) : null;
  let key: GraphRoute['key'];
  let rest: string[];
  if (alternate) {
    key = { by: 'appId', value: alternate[1] ?? alternate[2] ?? '' };
    rest = segments.slice(2);
  } else if (segments[1]?.toLowerCase() === 'applications' && segments[2] !== undefined) {
    key = { by: 'id', value: segments[2] };
    rest = segments.slice(3);
  } else {
    return { unknownSegment: segments[1] === undefined || segments[1].toLowerCase() === 'applications' ? path : segments[1] };
  }
  const action = rest[0]?.toLowerCase().replace(/^microsoft\.graph\./, '');
  if (rest.length > 1) return { unknownSegment: rest[1]! };
  if (action === undefined) return { operation: 'applications.get', method: 'GET', key };
  if (action === 'addpassword') return { operation: 'applications.addPassword', method: 'POST', key };
  if (action === 'removepassword') return { operation: 'applications.removePassword', method: 'POST', key };
  return { unknownSegment: rest[0]! };
}

function passwordBody(credential: StoredPassword): Record<string, unknown> {
  return { customKeyIdentifier: null, displayName: credential.displayName, endDateTime: credential.endDateTime, hint: credential.hint, keyId: credential.keyId, secretText: null, startDateTime: credential.startDateTime };
}

function applicationBody(app: StoredApplication): Record<string, unknown> {
  return {
    '@odata.context': `${METADATA}#applications/$entity`,
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    createdDateTime: app.createdDateTime,
    signInAudience: 'AzureADMyOrg',
    keyCredentials: [],
    passwordCredentials: app.passwordCredentials.map(passwordBody),
  };
}

export async function handleGraphRequest(runtime: GraphRuntime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const requestId = randomUUID();
  const sent = req.headers['client-request-id'];
  const clientRequestId = typeof sent === 'string' && sent.length <= 100 ? sent : requestId;
  const headers = { 'request-id': requestId, 'client-request-id': clientRequestId, 'x-ms-ags-diagnostic': '{"ServerInfo":{"DataCenter":"Local","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"graph-stand-in"}}', 'cache-control': 'no-cache', 'strict-transport-security': 'max-age=31536000' };
  const fail = (error: GraphError): void => sendJson(res, error.status, error.toBody(requestId, clientRequestId), headers);

  let body: string;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof RequestTooLargeError) return fail(graphErrors.tooLarge());
    throw error;
  }
  const authorization = req.headers.authorization?.trim() ?? '';
  if (authorization === '' || !BEARER.test(authorization)) {
    runtime.counts.unauthenticated += 1;
    return fail(authorization === '' ? graphErrors.missingToken() : graphErrors.invalidToken());
  }

  const route = matchRoute(url.pathname);
  const fault = runtime.faults.take({ operation: 'operation' in route ? route.operation : undefined, method, path: url.pathname });
  if (fault) {
    runtime.counts.faults += 1;
    if (await applyFaultDelays(req, fault)) return;
    if (fault.status !== undefined) return sendJson(res, fault.status, injectedGraphError(fault.status, fault.errorCode, fault.errorMessage).toBody(requestId, clientRequestId), { ...headers, ...fault.headers });
  }
  if ('unknownSegment' in route) {
    runtime.counts.unknown += 1;
    return fail(graphErrors.unknownSegment(route.unknownSegment));
  }
  if (method !== route.method) {
    runtime.counts.unknown += 1;
    return fail(graphErrors.methodNotAllowed(method, route.method));
  }
  if (!GUID.test(route.key.value)) return fail(graphErrors.invalidObjectId(route.key.value));
  runtime.counts.operations[route.operation] += 1;
  const app = route.key.by === 'id' ? runtime.directory.byId(route.key.value) : runtime.directory.byAppId(route.key.value);
  if (!app) return fail(graphErrors.applicationNotFound(route.key.value));

  try {
    if (route.operation === 'applications.get') return sendJson(res, 200, applicationBody(app), headers);
    if (route.operation === 'applications.addPassword') {
      const { credential, secretText } = runtime.directory.addPassword(app, parseAddPasswordBody(body, Date.now()), Date.now());
      return sendJson(res, 200, { '@odata.context': `${METADATA}#microsoft.graph.passwordCredential`, ...passwordBody(credential), secretText }, headers);
    }
    const keyId = parseRemovePasswordBody(body);
    if (!runtime.directory.removePassword(app, keyId)) return fail(graphErrors.passwordNotFound(keyId));
    return sendEmpty(res, 204, headers);
  } catch (error) {
    if (error instanceof GraphError) return fail(error);
    throw error;
  }
}
