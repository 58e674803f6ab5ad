/**
 * The identity provider's interactive sign-in, over HTTPS as browsers use it: discovery, the
 * picker, the authorization code with PKCE redeemed form-encoded as MSAL.js sends it, refresh
 * tokens, and every refusal: a wrong verifier, a replayed code, another redirect URI or client,
 * a redirect off this machine, plain PKCE. The JSON contract of POST /token is untouched
 * (identity-provider.test.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:https';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/local/keyvault-emulator/index.js';
import { LOCAL_DASHBOARD_CLIENT_ID, LOCAL_TEST_USERS, oidFor, startIdentityProvider, type RunningIdentityProvider } from '../../src/local/identity-provider/index.js';

let provider: RunningIdentityProvider;
let agent: Agent;
const REDIRECT = 'http://127.0.0.1:7071/api/ui/';

beforeAll(async () => {
  const certificateAuthority = await createCertificateAuthority();
  provider = await startIdentityProvider({ signIn: { certificateAuthority } });
  agent = new Agent({ ca: certificateAuthority.caCertPem });
});

afterAll(async () => {
  agent?.destroy();
  await provider?.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function https(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const form = { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' };
const authorizeUrl = () => `${provider.signIn!.baseUrl}/${provider.tenantId}/oauth2/v2.0/authorize`;

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizeParams(challenge: string, overrides: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    client_id: LOCAL_DASHBOARD_CLIENT_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'api://kv-rotation-local/.default openid profile offline_access',
    state: 'route-state',
    nonce: 'nonce-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    response_mode: 'fragment',
    client_info: '1',
    ...overrides,
  });
}

/** The picker's form posted for a user: the code from the redirect's fragment. */
async function codeFor(user: string, challenge: string, overrides: Record<string, string> = {}): Promise<string> {
  const params = authorizeParams(challenge, overrides);
  params.set('user', user);
  const answer = await https('POST', authorizeUrl(), params.toString(), form);
  expect(answer.status).toBe(303);
  const location = String(answer.headers['location']);
  expect(location.startsWith(`${REDIRECT}#`)).toBe(true);
  const fragment = new URLSearchParams(location.slice(location.indexOf('#') + 1));
  expect(fragment.get('state')).toBe('route-state');
  return fragment.get('code')!;
}

function redeem(code: string, verifier: string, overrides: Record<string, string> = {}): Promise<Answer> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', client_id: LOCAL_DASHBOARD_CLIENT_ID, redirect_uri: REDIRECT, code, code_verifier: verifier, ...overrides });
  return https('POST', `${provider.signIn!.baseUrl}/token`, body.toString(), { ...form, origin: 'http://127.0.0.1:7071' });
}

describe('discovery over HTTPS', () => {
  it('names the HTTPS listener: issuer, authorize, token, logout and keys, code flow with S256 only', async () => {
    const answer = await https('GET', `${provider.signIn!.authority}/.well-known/openid-configuration`, undefined, { origin: 'http://127.0.0.1:7071' });
    const base = provider.signIn!.baseUrl;
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('http://127.0.0.1:7071');
    expect(JSON.parse(answer.text)).toMatchObject({
      issuer: provider.signIn!.authority,
      authorization_endpoint: `${base}/${provider.tenantId}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/token`,
      end_session_endpoint: `${base}/${provider.tenantId}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/${provider.tenantId}/discovery/v2.0/keys`,
      code_challenge_methods_supported: ['S256'],
    });
    expect(provider.signIn!.authority).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/[^/]+\/v2\.0$/);
  });

  it('lets no page off this machine read it (no CORS header for another origin)', async () => {
    const answer = await https('GET', `${provider.signIn!.authority}/.well-known/openid-configuration`, undefined, { origin: 'https://evil.example' });
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the picker', () => {
  it('lists every test user as a button, with no script, and a CSP that lets the form go only home and to the redirect', async () => {
    const answer = await https('GET', `${authorizeUrl()}?${authorizeParams(pkce().challenge)}`);
    expect(answer.status).toBe(200);
    for (const user of LOCAL_TEST_USERS) expect(answer.text).toContain(`value="${user.sub}"`);
    expect(answer.text).not.toMatch(/<script|style=/i);
    expect(answer.headers['content-security-policy']).toBe("default-src 'none'; style-src 'self'; form-action 'self' http://127.0.0.1:7071; frame-ancestors 'none'; base-uri 'none'");
  });

  it.each([
    ['another client', { client_id: '11111111-1111-1111-1111-111111111111' }, /unauthorized_client/],
    ['a redirect off this machine', { redirect_uri: 'https://evil.example/callback' }, /redirect_uri must be/],
    ['a redirect with a fragment', { redirect_uri: `${REDIRECT}#x` }, /redirect_uri must be/],
    ['no PKCE', { code_challenge_method: '' }, /S256/],
    ['plain PKCE', { code_challenge_method: 'plain' }, /S256/],
    ['a short challenge', { code_challenge: 'abc' }, /43 base64url/],
    ['the implicit flow', { response_type: 'token' }, /response_type must be code/],
  ])('refuses %s on the page itself, never redirecting', async (_case, overrides, message) => {
    const answer = await https('GET', `${authorizeUrl()}?${authorizeParams(pkce().challenge, overrides)}`);
    expect(answer.status).toBe(400);
    expect(answer.headers['location']).toBeUndefined();
    expect(answer.text).toMatch(message);
  });

  it('sends access_denied back when no known user was chosen', async () => {
    const params = authorizeParams(pkce().challenge);
    params.set('user', 'mallory');
    const answer = await https('POST', authorizeUrl(), params.toString(), form);
    expect(answer.status).toBe(303);
    expect(String(answer.headers['location'])).toMatch(/#error=access_denied.*state=route-state/);
  });
});

describe('the authorization code with PKCE', () => {
  it('answers an access token for the API with the user\'s roles, an ID token for the client with the nonce, a refresh token and client_info', async () => {
    const { verifier, challenge } = pkce();
    const answer = await redeem(await codeFor('approver1', challenge), verifier);
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('http://127.0.0.1:7071');
    expect(answer.headers['cache-control']).toBe('no-store');
    const tokens = JSON.parse(answer.text) as Record<string, string>;
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'client_info', 'expires_in', 'ext_expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
    const access = decodeJwt(tokens['access_token']!);
    expect(access).toMatchObject({ aud: provider.audience, iss: provider.issuer, sub: 'approver1', roles: ['Rotation.Read', 'Rotation.Approve'], oid: oidFor(provider.tenantId, 'approver1') });
    expect(decodeJwt(tokens['id_token']!)).toMatchObject({ aud: LOCAL_DASHBOARD_CLIENT_ID, iss: provider.signIn!.authority, nonce: 'nonce-1', sub: 'approver1' });
    expect(JSON.parse(Buffer.from(tokens['client_info']!, 'base64url').toString('utf8'))).toEqual({ uid: access.oid, utid: provider.tenantId });

    const refreshed = await https('POST', `${provider.signIn!.baseUrl}/token`, new URLSearchParams({ grant_type: 'refresh_token', client_id: LOCAL_DASHBOARD_CLIENT_ID, refresh_token: tokens['refresh_token']! }).toString(), form);
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(JSON.parse(refreshed.text).access_token)).toMatchObject({ sub: 'approver1' });
    const reused = await https('POST', `${provider.signIn!.baseUrl}/token`, new URLSearchParams({ grant_type: 'refresh_token', client_id: LOCAL_DASHBOARD_CLIENT_ID, refresh_token: tokens['refresh_token']! }).toString(), form);
    expect(JSON.parse(reused.text)).toMatchObject({ error: 'invalid_grant' });
  });

  it.each([
    ['another verifier', (v: string) => ({ code_verifier: `${v.slice(0, -1)}${v.endsWith('A') ? 'B' : 'A'}` })],
    ['no verifier', () => ({ code_verifier: '' })],
    ['another redirect URI', () => ({ redirect_uri: 'http://127.0.0.1:7071/api/ui/other' })],
    ['another client', () => ({ client_id: '11111111-1111-1111-1111-111111111111' })],
  ])('refuses a code with %s, and the code is spent', async (_case, change) => {
    const { verifier, challenge } = pkce();
    const code = await codeFor('reader', challenge);
    const refused = await redeem(code, verifier, change(verifier));
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({ error: 'invalid_grant' });
    const retried = await redeem(code, verifier);
    expect(JSON.parse(retried.text)).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/already used/) });
  });

  it('redeems a code once', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor('reader', challenge);
    expect((await redeem(code, verifier)).status).toBe(200);
    expect((await redeem(code, verifier)).status).toBe(400);
  });

  it('answers MSAL.js\'s CORS preflight for the token endpoint from a page on this machine only', async () => {
    const ok = await https('OPTIONS', `${provider.signIn!.baseUrl}/token`, undefined, { origin: 'http://127.0.0.1:7071', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-client-sku' });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-headers']).toBe('content-type,x-client-sku');
    const other = await https('OPTIONS', `${provider.signIn!.baseUrl}/token`, undefined, { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(other.status).toBe(405);
  });

  it('keeps the JSON contract on the same endpoint, whatever curl calls its content type', async () => {
    const answer = await https('POST', `${provider.signIn!.baseUrl}/token`, '{"sub":"alice","roles":["Rotation.Read"]}', form);
    expect(answer.status).toBe(200);
    expect(Object.keys(JSON.parse(answer.text)).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
  });
});
