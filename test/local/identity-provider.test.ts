/**
 * The local identity provider's public contract, over HTTP: scripts and the tests of the app
 * depend on it, so each field the issue names is asserted here exactly.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_API_AUDIENCE,
  LOCAL_TENANT_ID,
  localAuthSettings,
  oidFor,
  startIdentityProvider,
  type RunningIdentityProvider,
} from '../../src/local/identity-provider/index.js';

let provider: RunningIdentityProvider;

beforeAll(async () => {
  provider = await startIdentityProvider();
});

afterAll(async () => {
  await provider.stop();
});

async function postToken(body: string): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${provider.baseUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('where it listens', () => {
  it('serves on loopback, with the issuer, JWKS and token endpoint under its base URL', () => {
    // Assert
    expect(provider.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(provider.tenantId).toBe(LOCAL_TENANT_ID);
    expect(provider.issuer).toBe(`${provider.baseUrl}/${LOCAL_TENANT_ID}/v2.0`);
    expect(provider.jwksUri).toBe(`${provider.baseUrl}/${LOCAL_TENANT_ID}/discovery/v2.0/keys`);
    expect(provider.tokenEndpoint).toBe(`${provider.baseUrl}/token`);
    expect(provider.audience).toBe(LOCAL_API_AUDIENCE);
  });

  it('publishes OpenID discovery for its tenant, as Entra does', async () => {
    // Act
    const configuration = await getJson(`${provider.baseUrl}/${provider.tenantId}/v2.0/.well-known/openid-configuration`);

    // Assert
    expect(configuration).toMatchObject({ issuer: provider.issuer, jwks_uri: provider.jwksUri, token_endpoint: provider.tokenEndpoint });
  });

  it('publishes its RS256 public key with a kid, and nothing private', async () => {
    // Act
    const jwks = await getJson(provider.jwksUri);

    // Assert
    expect(jwks['keys']).toEqual([{ kty: 'RSA', use: 'sig', kid: provider.signingKey().kid, n: expect.any(String), e: 'AQAB', issuer: provider.issuer }]);
  });

  it.each([
    ['another tenant', () => `${provider.baseUrl}/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys`],
    ['an unknown path', () => `${provider.baseUrl}/nothing-here`],
  ])('answers 404 with an OAuth error body for %s', async (_case, url) => {
    // Act
    const response = await fetch(url());

    // Assert
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });

  it('answers 405 to GET /token', async () => {
    // Act
    const response = await fetch(`${provider.baseUrl}/token`);

    // Assert
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

describe('POST /token', () => {
  it('answers {access_token, token_type: "Bearer", expires_in} and nothing else, uncached', async () => {
    // Act
    const { status, headers, json } = await postToken(JSON.stringify({ sub: 'alice', roles: ['Rotation.Read'] }));

    // Assert
    expect(status).toBe(200);
    expect(Object.keys(json).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(json).toEqual({ access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), token_type: 'Bearer', expires_in: provider.tokenLifetimeSeconds });
    expect(headers.get('cache-control')).toBe('no-store');
  });

  it('signs with its published key: RS256, its kid, typ JWT', async () => {
    // Arrange
    const { json } = await postToken(JSON.stringify({ sub: 'alice', roles: ['Rotation.Read'] }));
    const token = json['access_token'] as string;
    const jwks = await getJson(provider.jwksUri);

    // Act
    const verified = await jwtVerify(token, createLocalJWKSet(jwks as never), { algorithms: ['RS256'], issuer: provider.issuer, audience: provider.audience });

    // Assert
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: provider.signingKey().kid, typ: 'JWT' });
    expect(verified.payload.sub).toBe('alice');
  });

  it('carries the requested roles, name and preferred_username equal to sub, a stable oid, and Entra v2 claims', async () => {
    // Arrange
    const before = Math.floor(Date.now() / 1000);

    // Act
    const { json } = await postToken(JSON.stringify({ sub: 'bob@example.test', roles: ['Rotation.Read', 'Rotation.Approve'] }));
    const claims = decodeJwt(json['access_token'] as string);

    // Assert
    expect(claims).toEqual({
      aud: LOCAL_API_AUDIENCE,
      iss: provider.issuer,
      tid: LOCAL_TENANT_ID,
      sub: 'bob@example.test',
      oid: oidFor(LOCAL_TENANT_ID, 'bob@example.test'),
      name: 'bob@example.test',
      preferred_username: 'bob@example.test',
      roles: ['Rotation.Read', 'Rotation.Approve'],
      iat: expect.any(Number),
      nbf: expect.any(Number),
      exp: expect.any(Number),
      ver: '2.0',
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.exp).toBe(claims.iat! + provider.tokenLifetimeSeconds);
  });

  it('gives roles [] when none are asked for', async () => {
    // Act
    const { json } = await postToken(JSON.stringify({ sub: 'carol' }));

    // Assert
    expect(decodeJwt(json['access_token'] as string).roles).toEqual([]);
  });

  it('derives the same oid for the same name on every start, and different oids for different names', async () => {
    // Arrange
    const other = await startIdentityProvider();

    // Act
    const here = decodeJwt(await provider.mintToken({ sub: 'alice' })).oid;
    const there = decodeJwt(await other.mintToken({ sub: 'alice' })).oid;
    const bob = decodeJwt(await provider.mintToken({ sub: 'bob' })).oid;
    await other.stop();

    // Assert
    expect(here).toBe(there);
    expect(here).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bob).not.toBe(here);
  });

  it.each([
    ['not JSON', 'sub=alice', /must be JSON/],
    ['a JSON array', '[]', /JSON object/],
    ['null', 'null', /JSON object/],
    ['no sub', '{"roles":[]}', /"sub" must be 1 to 64 characters/],
    ['an empty sub', '{"sub":""}', /"sub" must be 1 to 64 characters/],
    ['a sub of 65 characters', JSON.stringify({ sub: 'a'.repeat(65) }), /"sub" must be 1 to 64 characters/],
    ['a sub with a space', '{"sub":"alice smith"}', /"sub" must be 1 to 64 characters.*not 'alice smith'/],
    ['a sub with a line feed', '{"sub":"alice\\nforged"}', /not 'alice\\u000aforged'/],
    ['a numeric sub', '{"sub":42}', /"sub" must be/],
    ['roles as a string', '{"sub":"alice","roles":"Rotation.Read"}', /"roles" must be an array of strings/],
    ['a role that is not a string', '{"sub":"alice","roles":[1]}', /each role must be/],
    ['an empty role', '{"sub":"alice","roles":[""]}', /each role must be/],
    ['17 roles', JSON.stringify({ sub: 'alice', roles: Array.from({ length: 17 }, (_, i) => `Role.${i}`) }), /at most 16 roles, not 17/],
    ['an unknown field', '{"sub":"alice","oid":"00000000-0000-0000-0000-000000000000"}', /unknown field 'oid'/],
  ])('answers 400 invalid_request for %s', async (_case, body, description) => {
    // Act
    const { status, json } = await postToken(body);

    // Assert
    expect(status).toBe(400);
    expect(json).toEqual({ error: 'invalid_request', error_description: expect.stringMatching(description) });
  });

  it('accepts 16 roles, unknown ones included (the app ignores those)', async () => {
    // Arrange
    const roles = Array.from({ length: 16 }, (_, i) => `Unknown.Role${i}`);

    // Act
    const { status, json } = await postToken(JSON.stringify({ sub: 'dave', roles }));

    // Assert
    expect(status).toBe(200);
    expect(decodeJwt(json['access_token'] as string).roles).toEqual(roles);
  });

  it('counts the requests it serves, by endpoint', async () => {
    // Arrange
    const before = provider.requestCounts();

    // Act
    await postToken('{"sub":"erin"}');
    await getJson(provider.jwksUri);
    await getJson(provider.jwksUri);

    // Assert
    expect(provider.requestCounts()).toEqual({ ...before, token: before.token + 1, jwks: before.jwks + 2 });
  });
});

describe('mintToken', () => {
  it('checks sub and roles as POST /token does', async () => {
    // Act / Assert
    await expect(provider.mintToken({ sub: 'not allowed' })).rejects.toThrow(/"sub" must be/);
    await expect(provider.mintToken({ sub: 'alice', roles: Array.from({ length: 17 }, () => 'R') })).rejects.toThrow(/at most 16/);
  });

  it('overrides claims, and removes those set to undefined', async () => {
    // Act
    const claims = decodeJwt(await provider.mintToken({ sub: 'alice', aud: 'api://someone-else', exp: 1, oid: undefined }));

    // Assert
    expect(claims.aud).toBe('api://someone-else');
    expect(claims.exp).toBe(1);
    expect(claims).not.toHaveProperty('oid');
    expect(claims.sub).toBe('alice');
  });
});

describe('key rotation', () => {
  it('signs with a new kid and keeps the previous key published', async () => {
    // Arrange
    const rotating = await startIdentityProvider();
    const first = rotating.signingKey().kid;

    // Act
    const second = await rotating.rotateKey();
    const jwks = await getJson(rotating.jwksUri);
    const token = await rotating.mintToken({ sub: 'alice' });
    await rotating.stop();

    // Assert
    expect(second).not.toBe(first);
    expect((jwks['keys'] as { kid: string }[]).map((k) => k.kid)).toEqual([first, second]);
    expect(decodeProtectedHeader(token).kid).toBe(second);
  });
});

describe('options', () => {
  it('takes a tenant and a token lifetime', async () => {
    // Arrange
    const custom = await startIdentityProvider({ tenantId: 'contoso-local', tokenLifetimeSeconds: 120 });

    // Act
    const response = await fetch(custom.tokenEndpoint, { method: 'POST', body: '{"sub":"alice"}' });
    const body = (await response.json()) as { access_token: string; expires_in: number };
    await custom.stop();

    // Assert
    expect(custom.issuer).toBe(`${custom.baseUrl}/contoso-local/v2.0`);
    expect(body.expires_in).toBe(120);
    expect(decodeJwt(body.access_token)).toMatchObject({ tid: 'contoso-local', iss: custom.issuer });
  });

  it.each([
    [{ tenantId: '../etc' }, /tenantId must be/],
    [{ tenantId: '' }, /tenantId must be/],
    [{ tokenLifetimeSeconds: 10 }, /tokenLifetimeSeconds must be/],
  ])('refuses %j', async (options, message) => {
    // Act / Assert
    await expect(startIdentityProvider(options)).rejects.toThrow(message);
  });
});

describe('localAuthSettings', () => {
  it('names the settings that make the app trust this provider', () => {
    // Act
    const settings = localAuthSettings(provider);

    // Assert
    expect(settings).toEqual({
      AUTH_TENANT_ID: provider.tenantId,
      AUTH_AUDIENCES: LOCAL_API_AUDIENCE,
      AUTH_ALLOWED_ISSUERS: provider.issuer,
      AUTH_JWKS_URI: provider.jwksUri,
    });
  });
});

describe('stop', () => {
  it('closes the port, and may be called twice', async () => {
    // Arrange
    const stopping = await startIdentityProvider();

    // Act
    await stopping.stop();
    await stopping.stop();

    // Assert
    await expect(fetch(stopping.jwksUri)).rejects.toThrow();
  });
});
