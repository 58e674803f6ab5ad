/**
 * The stand-in's HTTP surface: OpenID discovery and the JWKS under the tenant, as Entra serves
 * them, `POST /token`, which mints a token for a named user with chosen roles (JSON) or redeems
 * an authorization code or refresh token (form-encoded, as MSAL.js sends it), and the
 * interactive sign-in of sign-in.ts (`/authorize` with its user picker, `/logout`). Errors are
 * OAuth 2 error bodies (`{"error", "error_description"}`). The same surface is served over
 * HTTP and, for browsers, over HTTPS; each discovery document names its own listener.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { JWTPayload } from 'jose';
import { readBody, RequestTooLargeError, sendJson } from '../keyvault-emulator/http-io.js';
import { errorPage, isAllowedRedirectUri, parseAuthorizeRequest, PICKER_CSS, pickerPage, redirectWith, SignInError, userNamed, type LocalTestUser, type SignInGrants } from './sign-in.js';
import { parseTokenRequest, TokenRequestError, type TokenRequest } from './token-request.js';

export interface IdentityRequestCounts {
  openidConfiguration: number;
  jwks: number;
  token: number;
  authorize: number;
}

export interface IdentitySite {
  tenantId: string;
  /** This listener's issuer: the access tokens' on the plain HTTP listener, the ID tokens' on HTTPS. */
  issuer: string;
  /** This listener's base URL (http://127.0.0.1:<port> or https://...). */
  baseUrl: string;
  jwksUri: string;
  tokenEndpoint: string;
  tokenLifetimeSeconds: number;
  jwks(): unknown;
  mint(request: TokenRequest): Promise<string>;
  /** An ID token for a signed-in user, for a client, from this listener's issuer. */
  mintIdToken(claims: JWTPayload): Promise<string>;
  /** The claims of an access token for a user, as mint would sign them (oid, tid, ...). */
  claimsOf(user: LocalTestUser): JWTPayload;
  signIn: { clientId: string; grants: SignInGrants };
  counts: IdentityRequestCounts;
}

function sendError(res: ServerResponse, status: number, error: string, description: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error, error_description: description }, headers);
}

/** `formTarget`: the origin the picker's form ends up at (browsers apply form-action to the redirect too). */
function sendHtml(res: ServerResponse, status: number, html: string, formTarget = ''): void {
  const payload = Buffer.from(html, 'utf8');
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(payload.length),
    'cache-control': 'no-store',
    // The picker has no script and no inline style; it may post its form only to itself.
    'content-security-policy': `default-src 'none'; style-src 'self'; form-action 'self'${formTarget ? ` ${formTarget}` : ''}; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(payload);
}

/** Browsers call discovery, the keys and the token endpoint from the page's origin: only pages on this machine may read the answers. */
function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || !isAllowedRedirectUri(`${origin}/`)) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

async function issueToken(site: IdentitySite, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let text: string;
  try {
    text = await readBody(req);
  } catch (error) {
    if (error instanceof RequestTooLargeError) return sendError(res, 413, 'invalid_request', 'the request body is too large');
    throw error;
  }
  // A form with a grant_type is a grant (MSAL.js); anything else is the JSON contract, whatever curl called its content type.
  const form = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '') ? new URLSearchParams(text) : undefined;
  if (form?.has('grant_type')) return redeemGrant(site, req, res, form);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
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

/** The authorization_code (with PKCE) and refresh_token grants, answered as Entra answers a single-page app. */
async function redeemGrant(site: IdentitySite, req: IncomingMessage, res: ServerResponse, form: URLSearchParams): Promise<void> {
  const cors = corsHeaders(req);
  let grant;
  try {
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') grant = site.signIn.grants.redeemCode(form);
    else if (grantType === 'refresh_token') grant = site.signIn.grants.redeemRefreshToken(form);
    else throw new SignInError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token (or send JSON {"sub","roles"})');
  } catch (error) {
    if (error instanceof SignInError) return sendError(res, 400, error.code, error.message, cors);
    throw error;
  }
  const claims = site.claimsOf(grant.user);
  const now = Math.floor(Date.now() / 1000);
  const idToken = await site.mintIdToken({
    ...claims,
    iss: site.issuer,
    aud: grant.clientId,
    iat: now,
    nbf: now,
    exp: now + site.tokenLifetimeSeconds,
    ...(grant.nonce ? { nonce: grant.nonce } : {}),
  });
  const clientInfo = Buffer.from(JSON.stringify({ uid: claims['oid'], utid: claims['tid'] })).toString('base64url');
  sendJson(
    res,
    200,
    {
      token_type: 'Bearer',
      scope: grant.scope,
      expires_in: site.tokenLifetimeSeconds,
      ext_expires_in: site.tokenLifetimeSeconds,
      access_token: await site.mint({ sub: grant.user.sub, roles: grant.user.roles }),
      refresh_token: site.signIn.grants.issueRefreshToken(grant),
      id_token: idToken,
      client_info: clientInfo,
    },
    { ...cors, 'cache-control': 'no-store', pragma: 'no-cache' },
  );
}

/** GET shows the picker; POST (the picker's form) answers the redirect URI with a code for the chosen user. */
async function authorize(site: IdentitySite, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  site.counts.authorize += 1;
  let params = url.searchParams;
  if (req.method === 'POST') {
    let text: string;
    try {
      text = await readBody(req);
    } catch (error) {
      if (error instanceof RequestTooLargeError) return sendHtml(res, 413, errorPage(new SignInError('invalid_request', 'the form is too large')));
      throw error;
    }
    params = new URLSearchParams(text);
  }
  let request;
  try {
    request = parseAuthorizeRequest(params, site.signIn.clientId);
  } catch (error) {
    // Never redirect a request that could not be checked: the redirect URI itself may be what is wrong.
    if (error instanceof SignInError) return sendHtml(res, 400, errorPage(error));
    throw error;
  }
  if (req.method === 'GET') return sendHtml(res, 200, pickerPage(params, url.pathname), new URL(request.redirectUri).origin);
  const user = userNamed(params.get('user') ?? undefined);
  if (!user) {
    res.writeHead(303, { location: redirectWith(request, { error: 'access_denied', error_description: 'no test user was chosen' }), 'cache-control': 'no-store' }).end();
    return;
  }
  const code = site.signIn.grants.issueCode(request, user);
  const claims = site.claimsOf(user);
  const clientInfo: Record<string, string> = request.clientInfo ? { client_info: Buffer.from(JSON.stringify({ uid: claims['oid'], utid: claims['tid'] })).toString('base64url') } : {};
  res.writeHead(303, { location: redirectWith(request, { code, ...clientInfo }), 'cache-control': 'no-store' }).end();
}

/** Signs nobody out (the stand-in keeps no session) and goes back where the app asked, on this machine only. */
function logout(res: ServerResponse, url: URL): void {
  const back = url.searchParams.get('post_logout_redirect_uri');
  if (back && isAllowedRedirectUri(back)) {
    res.writeHead(303, { location: back, 'cache-control': 'no-store' }).end();
    return;
  }
  sendHtml(res, 200, '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out</title><link rel="stylesheet" href="/picker.css"></head><body><main><h1>Signed out</h1></main></body></html>\n');
}

async function dispatch(site: IdentitySite, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://identity.invalid');
  const { pathname } = url;
  const authorizePath = `/${site.tenantId}/oauth2/v2.0/authorize`;
  const routes: Record<string, { methods: string[]; handle: () => Promise<void> | void }> = {
    [`/${site.tenantId}/v2.0/.well-known/openid-configuration`]: {
      methods: ['GET'],
      handle: () => {
        site.counts.openidConfiguration += 1;
        sendJson(
          res,
          200,
          {
            issuer: site.issuer,
            authorization_endpoint: `${site.baseUrl}${authorizePath}`,
            token_endpoint: site.tokenEndpoint,
            end_session_endpoint: `${site.baseUrl}/${site.tenantId}/oauth2/v2.0/logout`,
            jwks_uri: site.jwksUri,
            id_token_signing_alg_values_supported: ['RS256'],
            response_types_supported: ['code', 'token'],
            response_modes_supported: ['fragment', 'query'],
            grant_types_supported: ['authorization_code', 'refresh_token'],
            code_challenge_methods_supported: ['S256'],
            token_endpoint_auth_methods_supported: ['none'],
            scopes_supported: ['openid', 'profile', 'offline_access'],
            subject_types_supported: ['pairwise'],
            tenant_region_scope: 'local',
          },
          corsHeaders(req),
        );
      },
    },
    [`/${site.tenantId}/discovery/v2.0/keys`]: {
      methods: ['GET'],
      handle: () => {
        site.counts.jwks += 1;
        sendJson(res, 200, site.jwks(), corsHeaders(req));
      },
    },
    '/token': {
      methods: ['POST'],
      handle: () => {
        site.counts.token += 1;
        return issueToken(site, req, res);
      },
    },
    [authorizePath]: { methods: ['GET', 'POST'], handle: () => authorize(site, req, res, url) },
    [`/${site.tenantId}/oauth2/v2.0/logout`]: { methods: ['GET'], handle: () => logout(res, url) },
    '/picker.css': {
      methods: ['GET'],
      handle: () => {
        res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }).end(PICKER_CSS);
      },
    },
  };
  const route = Object.hasOwn(routes, pathname) ? routes[pathname] : undefined;
  if (!route) {
    req.resume();
    return sendError(res, 404, 'not_found', `nothing is served at this path; the token endpoint is ${site.tokenEndpoint}`);
  }
  // CORS preflight: MSAL.js sends its own headers with the token request.
  if (req.method === 'OPTIONS' && route.methods.includes('POST') && Object.keys(corsHeaders(req)).length > 0) {
    req.resume();
    const asked = req.headers['access-control-request-headers'];
    res
      .writeHead(204, {
        ...corsHeaders(req),
        'access-control-allow-methods': route.methods.join(', '),
        'access-control-allow-headers': typeof asked === 'string' && /^[\w\s,-]{0,1024}$/.test(asked) ? asked : 'content-type',
        'access-control-max-age': '600',
      })
      .end();
    return;
  }
  if (!route.methods.includes(req.method ?? '')) {
    req.resume();
    return sendError(res, 405, 'invalid_request', `use ${route.methods.join(' or ')}`, { allow: route.methods.join(', ') });
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
