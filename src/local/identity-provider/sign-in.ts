/**
 * Interactive sign-in at the stand-in, as Entra ID does it for a single-page app: the OAuth 2
 * authorization code flow with PKCE (RFC 7636, S256 only). `/authorize` shows a picker of the
 * local test users instead of a password page, and answers the redirect URI with a one-time code;
 * the token endpoint redeems it (form-encoded, as MSAL.js sends it) for an access token for the
 * API, an ID token for the client and a refresh token. Only the dashboard's client id and
 * loopback redirect URIs are accepted: nothing here signs anyone in to anything else.
 */
import { createHash, randomBytes } from 'node:crypto';
import { APP_ROLES, type AppRole } from '../../core/auth/caller.js';

/** The client id the local dashboard signs in with (a fixed GUID: Entra's client ids are GUIDs). */
export const LOCAL_DASHBOARD_CLIENT_ID = '00000000-0000-4000-8000-00000000da5b';

export interface LocalTestUser {
  sub: string;
  roles: readonly AppRole[];
  /** What the picker says this user is for. */
  description: string;
}

/** The people the picker offers: one per role, two approvers (a request needs two people), and one with every role. */
export const LOCAL_TEST_USERS: readonly LocalTestUser[] = [
  { sub: 'reader', roles: ['Rotation.Read'], description: 'reads policies, reports and change requests' },
  { sub: 'operator', roles: ['Rotation.Read', 'Rotation.Operate'], description: 'rotates now and runs dry runs' },
  { sub: 'writer', roles: ['Rotation.Read', 'Policy.Write'], description: 'creates, changes, enables and disables policies' },
  { sub: 'approver1', roles: ['Rotation.Read', 'Rotation.Approve'], description: 'approves or rejects change requests' },
  { sub: 'approver2', roles: ['Rotation.Read', 'Rotation.Approve'], description: 'a second approver' },
  { sub: 'auditor', roles: ['Rotation.Read', 'Audit.Read'], description: 'reads the audit trail and the access review' },
  { sub: 'breakglass', roles: ['Rotation.Read', 'Rotation.BreakGlass'], description: 'rotates a protected policy without approvals' },
  { sub: 'admin', roles: [...APP_ROLES], description: 'every app role' },
];

const CODE_LIFETIME_MS = 5 * 60_000;
const REFRESH_LIFETIME_MS = 24 * 3_600_000;
const MAX_OUTSTANDING = 1_000;
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const BOUNDED = /^[\x20-\x7e]{1,512}$/;

export class SignInError extends Error {
  constructor(
    /** An OAuth 2 error code: invalid_request, invalid_client, invalid_grant, unsupported_grant_type, ... */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

/** What `/authorize` was asked, checked: everything a code is later bound to. */
export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  responseMode: 'fragment' | 'query';
  clientInfo: boolean;
}

interface Grant {
  user: LocalTestUser;
  clientId: string;
  scope: string;
  nonce?: string;
  expiresAt: number;
}

interface IssuedCode extends Grant {
  redirectUri: string;
  codeChallenge: string;
}

/** A loopback page only: the stand-in hands codes to nothing that could leave this machine. */
export function isAllowedRedirectUri(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && url.username === '' && url.password === '' && url.hash === '';
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw new SignInError('invalid_request', `${name} is given more than once`);
  return values[0];
}

function required(params: URLSearchParams, name: string): string {
  const value = single(params, name);
  if (value === undefined || value === '') throw new SignInError('invalid_request', `${name} is required`);
  if (!BOUNDED.test(value)) throw new SignInError('invalid_request', `${name} must be 1 to 512 printable ASCII characters`);
  return value;
}

function optionalBounded(params: URLSearchParams, name: string): string | undefined {
  const value = single(params, name);
  if (value === undefined || value === '') return undefined;
  if (!BOUNDED.test(value)) throw new SignInError('invalid_request', `${name} must be 1 to 512 printable ASCII characters`);
  return value;
}

/**
 * The authorization request, or SignInError. An unknown client or a redirect URI off this machine
 * is refused on the page itself (never redirected to), as Entra does (AADSTS700016, AADSTS50011).
 */
export function parseAuthorizeRequest(params: URLSearchParams, clientId: string): AuthorizeRequest {
  const client = required(params, 'client_id');
  if (client !== clientId) throw new SignInError('unauthorized_client', `client_id is not the local dashboard's (${clientId})`);
  const redirectUri = required(params, 'redirect_uri');
  if (!isAllowedRedirectUri(redirectUri)) throw new SignInError('invalid_request', 'redirect_uri must be an http(s) page on this machine (127.0.0.1, localhost or [::1]) without a fragment');
  if (required(params, 'response_type') !== 'code') throw new SignInError('unsupported_response_type', 'response_type must be code');
  const method = single(params, 'code_challenge_method');
  if (method !== 'S256') throw new SignInError('invalid_request', 'code_challenge_method must be S256 (PKCE is required; plain is refused)');
  const codeChallenge = required(params, 'code_challenge');
  if (!CHALLENGE.test(codeChallenge)) throw new SignInError('invalid_request', 'code_challenge must be 43 base64url characters (SHA-256)');
  const responseMode = single(params, 'response_mode') ?? 'fragment';
  if (responseMode !== 'fragment' && responseMode !== 'query') throw new SignInError('invalid_request', 'response_mode must be fragment or query');
  const scope = required(params, 'scope');
  const state = optionalBounded(params, 'state');
  const nonce = optionalBounded(params, 'nonce');
  return { clientId: client, redirectUri, scope, codeChallenge, responseMode, clientInfo: single(params, 'client_info') === '1', ...(state ? { state } : {}), ...(nonce ? { nonce } : {}) };
}

export function userNamed(sub: string | undefined): LocalTestUser | undefined {
  return LOCAL_TEST_USERS.find((user) => user.sub === sub);
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

/** S256: BASE64URL(SHA256(ASCII(code_verifier))), RFC 7636 section 4.2. */
export function codeChallengeOf(verifier: string): string {
  return base64url(createHash('sha256').update(verifier, 'ascii').digest());
}

/** Codes and refresh tokens in memory: one-time codes bound to the client, redirect URI and PKCE challenge. */
export class SignInGrants {
  readonly #codes = new Map<string, IssuedCode>();
  readonly #refreshTokens = new Map<string, Grant>();

  constructor(private readonly now: () => number = Date.now) {}

  issueCode(request: AuthorizeRequest, user: LocalTestUser): string {
    this.#sweep();
    const code = base64url(randomBytes(32));
    this.#codes.set(code, {
      user,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: request.scope,
      ...(request.nonce ? { nonce: request.nonce } : {}),
      expiresAt: this.now() + CODE_LIFETIME_MS,
    });
    return code;
  }

  /** RFC 6749 4.1.3 and RFC 7636 4.6: the code once, by the client it was issued to, for the same redirect URI, with the verifier of its challenge. */
  redeemCode(form: URLSearchParams): Grant {
    const code = required(form, 'code');
    const issued = this.#codes.get(code);
    // A code is spent by any attempt to redeem it, as a replayed code must not be tried again with another verifier.
    this.#codes.delete(code);
    if (!issued || issued.expiresAt <= this.now()) throw new SignInError('invalid_grant', 'the authorization code is unknown, expired or already used');
    if (required(form, 'client_id') !== issued.clientId) throw new SignInError('invalid_grant', 'the code was issued to another client');
    if (required(form, 'redirect_uri') !== issued.redirectUri) throw new SignInError('invalid_grant', 'redirect_uri differs from the authorization request');
    const verifier = single(form, 'code_verifier');
    if (verifier === undefined || !VERIFIER.test(verifier)) throw new SignInError('invalid_grant', 'code_verifier is required: 43 to 128 unreserved characters');
    if (codeChallengeOf(verifier) !== issued.codeChallenge) throw new SignInError('invalid_grant', 'code_verifier does not match the code_challenge');
    const { redirectUri: _redirect, codeChallenge: _challenge, ...grant } = issued;
    return grant;
  }

  issueRefreshToken(grant: Grant): string {
    this.#sweep();
    const token = base64url(randomBytes(32));
    this.#refreshTokens.set(token, { ...grant, expiresAt: this.now() + REFRESH_LIFETIME_MS });
    return token;
  }

  /** A refresh token is single-use, as Entra rotates a SPA's refresh tokens. */
  redeemRefreshToken(form: URLSearchParams): Grant {
    const token = required(form, 'refresh_token');
    const grant = this.#refreshTokens.get(token);
    this.#refreshTokens.delete(token);
    if (!grant || grant.expiresAt <= this.now()) throw new SignInError('invalid_grant', 'the refresh token is unknown, expired or already used');
    if (required(form, 'client_id') !== grant.clientId) throw new SignInError('invalid_grant', 'the refresh token was issued to another client');
    const { nonce: _nonce, ...rest } = grant;
    return rest;
  }

  #sweep(): void {
    const now = this.now();
    for (const store of [this.#codes, this.#refreshTokens] as Map<string, Grant>[]) {
      for (const [key, grant] of store) if (grant.expiresAt <= now) store.delete(key);
      // Bounded whatever a caller does: the oldest go first.
      while (store.size >= MAX_OUTSTANDING) store.delete(store.keys().next().value!);
    }
  }
}

/** Where the browser goes back to: the code (or the error) in the fragment or the query, as asked. */
export function redirectWith(request: Pick<AuthorizeRequest, 'redirectUri' | 'responseMode' | 'state'>, values: Record<string, string>): string {
  const params = new URLSearchParams({ ...values, ...(request.state ? { state: request.state } : {}) });
  const url = new URL(request.redirectUri);
  if (request.responseMode === 'query') {
    for (const [name, value] of params) url.searchParams.append(name, value);
    return url.href;
  }
  return `${url.href}#${params}`;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The picker page: a form that posts back to /authorize with the request's parameters and the chosen user. No script, no inline style. */
export function pickerPage(params: URLSearchParams, action: string): string {
  const hidden = [...params]
    .filter(([name]) => name !== 'user')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n      ');
  const users = LOCAL_TEST_USERS.map(
    (user) =>
      `<li><button type="submit" name="user" value="${escapeHtml(user.sub)}"><strong>${escapeHtml(user.sub)}</strong><span>${escapeHtml(user.description)}</span><small>${escapeHtml(user.roles.join(', '))}</small></button></li>`,
  ).join('\n        ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in: local identity provider</title>
  <link rel="stylesheet" href="/picker.css">
</head>
<body>
  <main>
    <h1>Sign in as a local test user</h1>
    <p>This is the local stand-in for Entra ID. Each user holds the app roles listed; the API decides with them exactly as it does with Entra's tokens.</p>
    <form method="post" action="${escapeHtml(action)}">
      ${hidden}
      <ul>
        ${users}
      </ul>
    </form>
  </main>
</body>
</html>
`;
}

export const PICKER_CSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1b1f24}
main{max-width:40rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem}
ul{list-style:none;padding:0;display:grid;gap:.5rem}
button{width:100%;text-align:left;display:grid;gap:.1rem;padding:.75rem 1rem;border:1px solid #8b95a1;border-radius:.4rem;background:#fff;color:#1b1f24;font:inherit;cursor:pointer}
button:hover,button:focus-visible{border-color:#0b5cad;outline:3px solid #0b5cad;outline-offset:1px}
small{color:#4a5360}
`;

/** The page shown instead of a redirect when the request cannot be trusted with one. */
export function errorPage(error: SignInError): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in refused</title><link rel="stylesheet" href="/picker.css"></head>
<body><main><h1>Sign-in refused</h1><p>${escapeHtml(error.code)}: ${escapeHtml(error.message)}</p></main></body>
</html>
`;
}
