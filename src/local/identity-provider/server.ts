/**
 * The stand-in's HTTP surface: OpenID discovery and the JWKS under the tenant, as Entra serves
 * them, and `POST /token`, which mints a token for a named user with chosen roles. Errors are
 * OAuth 2 error bodies (`{"error", "error_description"}`).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { readBody, RequestTooLargeError, sendJson } from '../keyvault-emulator/http-io.js';
import { parseTokenRequest, TokenRequestError, type TokenRequest } from './token-request.js';

export interface IdentityRequestCounts {
  openidConfiguration: number;
  jwks: number;
  token: number;
}

export interface IdentitySite {
  tenantId: string;
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
  tokenLifetimeSeconds: number;
  jwks(): unknown;
  mint(request: TokenRequest): Promise<string>;
  counts: IdentityRequestCounts;
}

function sendError(res: ServerResponse, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error, error_description: description }, headers);
}

async function issueToken(site: IdentitySite, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (error) {
    if (error instanceof RequestTooLargeError) return sendError(res, 413, 'invalid_request', 'the request body is too large');
    return sendError(res, 400, 'invalid_request', 'the body must be JSON: {"sub": "<name>", "roles": ["Rotation.Read", ...]}');
  }
  let request: TokenRequest;
  try {
    request = parseTokenRequest(body);
  } catch (error) {
    if (error instanceof TokenRequestError) return sendError(res, 400, 'invalid_request', error.message);
    throw error;
  }
  const accessToken = await site.mint(request);
  // RFC 6749 5.1: a token response is never cached.
  sendJson(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: site.tokenLifetimeSeconds }, { 'cache-control': 'no-store', pragma: 'no-cache' });
}

async function dispatch(site: IdentitySite, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { pathname } = new URL(req.url ?? '/', 'http://identity.invalid');
  const routes: Record<string, { method: string; handle: () => Promise<void> | void }> = {
    [`/${site.tenantId}/v2.0/.well-known/openid-configuration`]: {
      method: 'GET',
      handle: () => {
        site.counts.openidConfiguration += 1;
        sendJson(res, 200, {
          issuer: site.issuer,
          jwks_uri: site.jwksUri,
          token_endpoint: site.tokenEndpoint,
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['token'],
          subject_types_supported: ['pairwise'],
        });
      },
    },
    [`/${site.tenantId}/discovery/v2.0/keys`]: {
      method: 'GET',
      handle: () => {
        site.counts.jwks += 1;
        sendJson(res, 200, site.jwks());
      },
    },
    '/token': {
      method: 'POST',
      handle: () => {
        site.counts.token += 1;
        return issueToken(site, req, res);
      },
    },
  };
  const route = Object.hasOwn(routes, pathname) ? routes[pathname] : undefined;
  if (!route) {
    req.resume();
    return sendError(res, 404, 'not_found', `nothing is served at this path; the token endpoint is ${site.tokenEndpoint}`);
  }
  if (req.method !== route.method) {
    req.resume();
    return sendError(res, 405, 'invalid_request', `use ${route.method}`, { allow: route.method });
  }
  return route.handle();
}

export function createIdentityRequestListener(site: IdentitySite): RequestListener {
  return (req, res) => {
    dispatch(site, req, res).catch((error: unknown) => {
      process.stderr.write(`identity-provider: ${req.method} ${req.url?.split('?')[0]} failed: ${error instanceof Error ? error.message : 'unknown error'}\n`);
      if (res.headersSent) res.destroy();
      else sendError(res, 500, 'server_error', 'the identity provider failed to handle the request');
    });
  };
}
