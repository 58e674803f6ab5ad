/**
 * The token authority: Entra ID's v2.0 endpoints for one tenant, enough for MSAL node
 * (@azure/identity's ClientSecretCredential with `authorityHost`): the OpenID configuration,
 * the keys, and a token endpoint that issues an app token only for a live client secret of an
 * application in the directory (past its propagation delay, not removed, not expired), else
 * refuses as Entra does (AADSTS7000215 and friends, in Entra's error body).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import { readBody, RequestTooLargeError, sendJson } from '../keyvault-emulator/http-io.js';
import { applyFaultDelays } from '../shared/http-faults.js';
import type { GraphRuntime } from './runtime.js';
import { parseClientCredentialsRequest, TokenRequestError } from './token-requests.js';

const NO_STORE = { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' };

function sendAadError(runtime: GraphRuntime, res: ServerResponse, error: TokenRequestError, headers: Record<string, string> = {}): void {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  sendJson(
    res,
    error.status,
    {
      error: error.error,
      error_description: `AADSTS${error.aadsts}: ${error.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [error.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${runtime.info.tokenAuthority}/error?code=${error.aadsts}`,
    },
    { ...NO_STORE, ...headers },
  );
}

function openIdConfiguration(runtime: GraphRuntime): unknown {
  const base = `${runtime.info.tokenAuthority}/${runtime.info.tenantId}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: runtime.issuer,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'azp', 'appid', 'idtyp'],
    tenant_region_scope: 'local',
    cloud_instance_name: 'microsoftonline.com',
  };
}

async function issueToken(runtime: GraphRuntime, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const { tenantId } = runtime.info;
  const refuse = (error: TokenRequestError): void => {
    runtime.counts.tokensRefused += 1;
    sendAadError(runtime, res, error);
  };
  let request;
  try {
    request = parseClientCredentialsRequest(body);
  } catch (error) {
    if (error instanceof TokenRequestError) return refuse(error);
    throw error;
  }
  const app = runtime.directory.byAppId(request.clientId);
  if (!app) {
    return refuse(
      new TokenRequestError(400, 'unauthorized_client', 700016, `Application with identifier '${request.clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`),
    );
  }
  const check = runtime.directory.checkSecret(app, request.clientSecret, Date.now(), runtime.settings.propagationDelayMs);
  if (check === 'invalid') return refuse(new TokenRequestError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`));
  if (check === 'expired') return refuse(new TokenRequestError(401, 'invalid_client', 7000222, `The provided client secret keys for app '${app.appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`));

  const now = Math.floor(Date.now() / 1000);
  const lifetime = runtime.settings.tokenLifetimeSeconds;
  const key = runtime.keys.current;
  const accessToken = await new SignJWT({ aud: request.resource, iss: runtime.issuer, iat: now, nbf: now, exp: now + lifetime, appid: app.appId, azp: app.appId, appidacr: '1', idtyp: 'app', oid: app.servicePrincipalId, sub: app.servicePrincipalId, tid: tenantId, ver: '2.0' })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
  runtime.counts.tokensIssued += 1;
  sendJson(res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken }, NO_STORE);
}

export async function handleTokenAuthorityRequest(runtime: GraphRuntime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  let body: string;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof RequestTooLargeError) return sendAadError(runtime, res, new TokenRequestError(413, 'invalid_request', 90020, 'The request body is too large.'));
    throw error;
  }
  const [tenant, ...rest] = url.pathname.split('/').filter(Boolean);
  const endpoint = rest.join('/');
  const routes: Record<string, string> = { 'v2.0/.well-known/openid-configuration': 'GET', 'discovery/v2.0/keys': 'GET', 'oauth2/v2.0/token': 'POST' };
  const allowed = Object.hasOwn(routes, endpoint) ? routes[endpoint] : undefined;
  if (tenant === undefined || allowed === undefined) {
    runtime.counts.unknown += 1;
    return sendAadError(runtime, res, new TokenRequestError(404, 'not_found', 900561, `The token authority serves /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/discovery/v2.0/keys and /{tenant}/oauth2/v2.0/token only.`));
  }
  if (method !== allowed) {
    runtime.counts.unknown += 1;
    return sendAadError(runtime, res, new TokenRequestError(405, 'invalid_request', 900561, `The endpoint only accepts ${allowed} requests. Received a ${method} request.`), { allow: allowed });
  }
  if (tenant.toLowerCase() !== runtime.info.tenantId.toLowerCase()) {
    return sendAadError(runtime, res, new TokenRequestError(400, 'invalid_tenant', 90002, `Tenant '${tenant.slice(0, 100)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`));
  }
  if (endpoint === 'v2.0/.well-known/openid-configuration') return sendJson(res, 200, openIdConfiguration(runtime));
  if (endpoint === 'discovery/v2.0/keys') return sendJson(res, 200, runtime.keys.jwks(runtime.issuer));

  runtime.counts.operations['token.clientCredentials'] += 1;
  const fault = runtime.faults.take({ operation: 'token.clientCredentials', method, path: url.pathname });
  if (fault) {
    runtime.counts.faults += 1;
    if (await applyFaultDelays(req, fault)) return;
    if (fault.status !== undefined) return sendAadError(runtime, res, new TokenRequestError(fault.status, fault.errorCode ?? 'temporarily_unavailable', 90033, fault.errorMessage ?? `A transient error has occurred. Please try again. (Injected fault: ${fault.status}.)`), fault.headers);
  }
  return issueToken(runtime, req, res, body);
}
