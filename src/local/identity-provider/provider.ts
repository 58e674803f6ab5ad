/**
 * Starts the local identity provider: an HTTP server on loopback that plays Entra ID for one
 * tenant (issuer, JWKS, and a token endpoint for named test users with chosen roles), with a
 * key pair generated at start. The app trusts it through localAuthSettings. With `signIn`, the
 * same surface is also served over HTTPS for browsers (MSAL.js refuses an authority that is not
 * https), where the dashboard signs in interactively (sign-in.ts).
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { EMULATOR_TENANT_ID } from '../keyvault-emulator/options.js';
import type { LocalCertificateAuthority } from '../keyvault-emulator/certificates.js';
import { createIdentityRequestListener, type IdentityRequestCounts, type IdentitySite } from './server.js';
import { LOCAL_DASHBOARD_CLIENT_ID, SignInGrants, type LocalTestUser } from './sign-in.js';
import { SigningKeys } from './signing-keys.js';
import { accessTokenClaims, parseTokenRequest, type TokenRequest } from './token-request.js';

/** The app ID URI the local API is addressed by. */
export const LOCAL_API_AUDIENCE = 'api://kv-rotation-local';
/** The Key Vault emulator's tenant: one local directory for the vaults and the people. */
export const LOCAL_TENANT_ID = EMULATOR_TENANT_ID;
/** Entra's default access token lifetime is 60-90 minutes. */
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
const HOST = '127.0.0.1';
const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$/;

export interface IdentityProviderOptions {
  /** Default 0: a free port. Always on 127.0.0.1. */
  port?: number;
  /** A GUID, or a local name of letters, digits, dots and hyphens. Default LOCAL_TENANT_ID. */
  tenantId?: string;
  /** Default 3600, 60 to 86400. */
  tokenLifetimeSeconds?: number;
  /** Also serve sign-in over HTTPS with a certificate from this CA (on `port`, default 0: a free port). */
  signIn?: { certificateAuthority: LocalCertificateAuthority; port?: number };
}

/** The HTTPS side browsers sign in through: MSAL.js's authority, and the client id it must use. */
export interface IdentityProviderSignIn {
  /** https://127.0.0.1:<port> */
  baseUrl: string;
  /** `<baseUrl>/<tenant>/v2.0`: MSAL.js's authority (protocol mode OIDC) and its ID tokens' issuer. */
  authority: string;
  clientId: string;
  /** The CA whose certificate the listener presents. */
  caCertPem: string;
}

/**
 * What mintToken signs: `sub` and `roles` as POST /token takes them (and checked the same way),
 * then any claim to override. An override set to undefined removes the claim.
 */
export interface MintRequest extends TokenRequest {
  [claim: string]: unknown;
}

export interface RunningIdentityProvider {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  tenantId: string;
  /** `<baseUrl>/<tenant>/v2.0`, Entra's v2 form. */
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
  audience: string;
  tokenLifetimeSeconds: number;
  /** Present when started with `signIn`. */
  signIn?: IdentityProviderSignIn;
  /** A token exactly as POST /token answers it, with any claims overridden. */
  mintToken(request: MintRequest): Promise<string>;
  /** The claims mintToken would sign, for helpers that sign them another way (hostile-tokens.ts). */
  claimsFor(request: MintRequest): JWTPayload;
  /** The key new tokens are signed with. */
  signingKey(): { kid: string; publicKey: CryptoKey };
  /** Signs with a new key (a new kid) from now on; earlier keys stay in the JWKS. Returns the new kid. */
  rotateKey(): Promise<string>;
  /** Requests served since start, by endpoint: how tests see the app's JWKS caching. */
  requestCounts(): IdentityRequestCounts;
  stop(): Promise<void>;
}

function tokenLifetime(seconds: number | undefined): number {
  const chosen = seconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(chosen) || chosen < 60 || chosen > 86_400) throw new RangeError(`tokenLifetimeSeconds must be a whole number from 60 to 86400, got ${chosen}`);
  return chosen;
}

function listen(server: Server | HttpsServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startIdentityProvider(options: IdentityProviderOptions = {}): Promise<RunningIdentityProvider> {
  const tenantId = options.tenantId ?? LOCAL_TENANT_ID;
  if (!TENANT_PATTERN.test(tenantId)) throw new Error('tenantId must be a GUID or a name of letters, digits, dots and hyphens (at most 64)');
  const tokenLifetimeSeconds = tokenLifetime(options.tokenLifetimeSeconds);
  const keys = await SigningKeys.create();
  const counts: IdentityRequestCounts = { openidConfiguration: 0, jwks: 0, token: 0, authorize: 0 };

  const server = createServer();
  const port = await listen(server, options.port ?? 0);
  const baseUrl = `http://${HOST}:${port}`;
  const issuer = `${baseUrl}/${tenantId}/v2.0`;
  const jwksUri = `${baseUrl}/${tenantId}/discovery/v2.0/keys`;
  const tokenEndpoint = `${baseUrl}/token`;

  const claimsFor = ({ sub, roles, ...overrides }: MintRequest): JWTPayload => {
    const request = parseTokenRequest({ sub, ...(roles !== undefined ? { roles } : {}) });
    const claims: Record<string, unknown> = accessTokenClaims(request, {
      issuer,
      audience: LOCAL_API_AUDIENCE,
      tenantId,
      lifetimeSeconds: tokenLifetimeSeconds,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    for (const [claim, value] of Object.entries(overrides)) {
      if (value === undefined) delete claims[claim];
      else claims[claim] = value;
    }
    return claims;
  };
  const mintToken = async (request: MintRequest): Promise<string> => {
    const key = keys.current;
    return new SignJWT(claimsFor(request)).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  };

  const signIn = { clientId: LOCAL_DASHBOARD_CLIENT_ID, grants: new SignInGrants() };
  const site = (siteBase: string, siteIssuer: string): IdentitySite => ({
    tenantId,
    issuer: siteIssuer,
    baseUrl: siteBase,
    jwksUri: `${siteBase}/${tenantId}/discovery/v2.0/keys`,
    tokenEndpoint: `${siteBase}/token`,
    tokenLifetimeSeconds,
    // Every listener publishes the same keys; the issuer they name is the access tokens', which the app checks.
    jwks: () => keys.jwks(issuer),
    mint: mintToken,
    mintIdToken: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: keys.current.kid, typ: 'JWT' }).sign(keys.current.privateKey),
    claimsOf: (user: LocalTestUser) => claimsFor({ sub: user.sub, roles: user.roles }),
    signIn,
    counts,
  });
  server.on('request', createIdentityRequestListener(site(baseUrl, issuer)));

  const servers: (Server | HttpsServer)[] = [server];
  let secure: IdentityProviderSignIn | undefined;
  if (options.signIn) {
    const certificate = await options.signIn.certificateAuthority.issue([], [HOST]);
    // The chain includes the CA, so a browser told to trust the CA by its key (tests) finds it.
    const httpsServer = createHttpsServer({ key: certificate.serverKeyPem, cert: `${certificate.serverCertPem.trim()}\n${options.signIn.certificateAuthority.caCertPem.trim()}\n` });
    servers.push(httpsServer);
    try {
      const securePort = await listen(httpsServer, options.signIn.port ?? 0);
      const secureBase = `https://${HOST}:${securePort}`;
      // ID tokens name the listener they came from, as MSAL.js checks discovery's issuer against its authority.
      const authority = `${secureBase}/${tenantId}/v2.0`;
      httpsServer.on('request', createIdentityRequestListener(site(secureBase, authority)));
      secure = { baseUrl: secureBase, authority, clientId: signIn.clientId, caCertPem: options.signIn.certificateAuthority.caCertPem };
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
  }

  let stopped: Promise<void> | undefined;
  return {
    baseUrl,
    tenantId,
    issuer,
    jwksUri,
    tokenEndpoint,
    audience: LOCAL_API_AUDIENCE,
    tokenLifetimeSeconds,
    ...(secure ? { signIn: secure } : {}),
    mintToken,
    claimsFor,
    signingKey: () => ({ kid: keys.current.kid, publicKey: keys.current.publicKey }),
    rotateKey: async () => (await keys.rotate()).kid,
    requestCounts: () => ({ ...counts }),
    stop: () => {
      stopped ??= Promise.all(
        servers.map(
          (each) =>
            new Promise<void>((resolve) => {
              each.closeAllConnections();
              each.close(() => resolve());
            }),
        ),
      ).then(() => undefined);
      return stopped;
    },
  };
}

/** The app settings that make the app trust this provider, as `npm start` and the tests set them. */
export function localAuthSettings(provider: Pick<RunningIdentityProvider, 'tenantId' | 'audience' | 'issuer' | 'jwksUri'>): Record<string, string> {
  return {
    AUTH_TENANT_ID: provider.tenantId,
    AUTH_AUDIENCES: provider.audience,
    AUTH_ALLOWED_ISSUERS: provider.issuer,
    AUTH_JWKS_URI: provider.jwksUri,
  };
}
