/**
 * Validates Entra ID access tokens in the app with jose: RS256 only, signed by a key of the
 * tenant's JWKS (cached; fetched again for an unknown kid once jose's cooldown has passed),
 * addressed to this API, from an allowed issuer of this tenant, within its lifetime.
 * Every refusal is an UnauthenticatedError with a fixed reason; none quotes the token.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwksCache,
  jwtVerify,
  type CompactJWSHeaderParameters,
  type CryptoKey,
  type ExportedJWKSCache,
  type FetchImplementation,
  type FlattenedJWSInput,
  type JWTPayload,
  type RemoteJWKSet,
} from 'jose';
import type { AccessTokenValidator } from '../../core/auth/access-token-validator.js';
import { isAppRole, type AppRole, type Caller } from '../../core/auth/caller.js';
import { TransientDependencyError, UnauthenticatedError } from '../../core/errors.js';
import { boundText } from '../../core/untrusted-text.js';

/** Far above an Entra token with many roles; the 20 MB header never reaches a parser. */
export const MAX_TOKEN_CHARS = 16 * 1024;

/** The reasons a token is refused: the whole vocabulary of UnauthenticatedError's message here. */
export const TOKEN_REFUSALS = {
  header: 'missing or malformed Authorization header',
  malformed: 'malformed token',
  tooLarge: 'token too large',
  algorithm: 'unsupported algorithm',
  signature: 'bad signature',
  unknownKey: 'signed by an unknown key',
  expired: 'token expired',
  notYetValid: 'token not yet valid',
  issuedInFuture: 'token issued in the future',
  audience: 'wrong audience',
  issuer: 'wrong issuer',
  tenant: 'wrong tenant',
  missingClaim: 'a required claim is missing',
  badClaim: 'a claim is malformed',
  oid: 'oid is not a GUID',
} as const;

export interface EntraTokenValidatorOptions {
  /** The directory (tenant) id every token's `tid` must equal. */
  tenantId: string;
  /** The API's app ID URI and/or client id: a token's `aud` must be one of them. */
  audiences: readonly string[];
  /** Exact `iss` values accepted: `https://sts.windows.net/{tid}/` (v1) and/or `https://login.microsoftonline.com/{tid}/v2.0` (v2). */
  issuers: readonly string[];
  /** https, or http on loopback for the local identity provider. */
  jwksUri: string;
  /** Skew allowed on exp, nbf and iat. Default 300 (Entra's guidance), 0 to 600. */
  clockToleranceSeconds?: number;
  /** Default 5000 (jose's), 100 to 30000. */
  jwksTimeoutInMs?: number;
  /** After a fetch, how long an unknown kid is refused without fetching again. Default 30000 (jose's), 0 to 3600000. */
  jwksCooldownInMs?: number;
  /** Keys are fetched again, in the request path, once this old. Default 600000 (jose's), 60000 to 86400000. */
  jwksCacheMaxAgeInMs?: number;
  fetch?: FetchImplementation;
}

/** When a refresh fails, keys fetched within this time still verify, so a JWKS outage is not an API outage. Entra advises checking keys daily. */
const STALE_JWKS_MAX_AGE_IN_MS = 24 * 3_600_000;
/** Entra's access tokens live 60-90 minutes, and continuous access evaluation's up to 28 hours; older is not a token Entra issued. */
const MAX_TOKEN_AGE_SECONDS = 30 * 3600;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Compact JWS: three base64url segments, the last empty for `alg: none`, which is then refused by name. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** RFC 6750 b64token after the scheme; the scheme is case-insensitive. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The token of an `Authorization: Bearer <token>` header, or UnauthenticatedError. */
export function parseBearer(headerValue: string | null | undefined): string {
  // The scheme, spaces and a bounded token: checked before any regex reads a 20 MB header.
  if (typeof headerValue !== 'string' || headerValue.length > MAX_TOKEN_CHARS + 16) throw new UnauthenticatedError(TOKEN_REFUSALS.header);
  const token = BEARER.exec(headerValue)?.[1];
  if (token === undefined || token.length > MAX_TOKEN_CHARS) throw new UnauthenticatedError(TOKEN_REFUSALS.header);
  return token;
}

const LOOPBACK_HOSTNAMES = new Set(['localhost', '[::1]']);

function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function jwksUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('EntraTokenValidator: jwksUri is not a URL');
  }
  if (url.username || url.password) throw new Error('EntraTokenValidator: jwksUri must not carry credentials');
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHostname(url.hostname))) return url;
  throw new Error(`EntraTokenValidator: jwksUri must be https (http only on loopback), not ${url.protocol}//${url.host}`);
}

function bounded(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen < min || chosen > max) throw new RangeError(`EntraTokenValidator: ${name} must be from ${min} to ${max}, got ${chosen}`);
  return chosen;
}

function nonEmpty(name: string, values: readonly string[]): string[] {
  const kept = values.map((v) => v.trim()).filter(Boolean);
  if (kept.length === 0) throw new Error(`EntraTokenValidator: ${name} must name at least one value`);
  return kept;
}

/** Raised by the key resolver when the JWKS cannot be fetched: a 503, not the caller's fault. */
class JwksUnavailable extends Error {}

/** Errors of the remote key set that say something about the token, not about fetching the keys. */
function isKeySelectionError(error: unknown): boolean {
  return error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported;
}

function refusalFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return TOKEN_REFUSALS.expired;
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return TOKEN_REFUSALS.missingClaim;
    if (error.reason !== 'check_failed') return TOKEN_REFUSALS.badClaim;
    switch (error.claim) {
      case 'nbf':
        return TOKEN_REFUSALS.notYetValid;
      case 'iat':
        return TOKEN_REFUSALS.issuedInFuture;
      case 'aud':
        return TOKEN_REFUSALS.audience;
      case 'iss':
        return TOKEN_REFUSALS.issuer;
      default:
        return TOKEN_REFUSALS.badClaim;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return TOKEN_REFUSALS.algorithm;
  if (error instanceof errors.JWSSignatureVerificationFailed) return TOKEN_REFUSALS.signature;
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return TOKEN_REFUSALS.unknownKey;
  return TOKEN_REFUSALS.malformed;
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export class EntraTokenValidator implements AccessTokenValidator {
  readonly #tenantId: string;
  readonly #audiences: string[];
  readonly #issuers: string[];
  readonly #clockToleranceSeconds: number;
  readonly #remoteKeys: RemoteJWKSet;
  /** jose writes each successful fetch here (`uat`, `jwks`): the stale keys a failed refresh falls back to. */
  readonly #fetched: Partial<ExportedJWKSCache> = {};
  #stale: { uat: number; keys: ReturnType<typeof createLocalJWKSet> } | undefined;

  constructor(options: EntraTokenValidatorOptions) {
    this.#tenantId = options.tenantId.trim();
    if (!this.#tenantId) throw new Error('EntraTokenValidator: tenantId is required');
    this.#audiences = nonEmpty('audiences', options.audiences);
    this.#issuers = nonEmpty('issuers', options.issuers);
    this.#clockToleranceSeconds = bounded('clockToleranceSeconds', options.clockToleranceSeconds, 300, 0, 600);
    this.#remoteKeys = createRemoteJWKSet(jwksUrl(options.jwksUri), {
      timeoutDuration: Math.round(bounded('jwksTimeoutInMs', options.jwksTimeoutInMs, 5000, 100, 30_000)),
      cooldownDuration: bounded('jwksCooldownInMs', options.jwksCooldownInMs, 30_000, 0, 3_600_000),
      cacheMaxAge: bounded('jwksCacheMaxAgeInMs', options.jwksCacheMaxAgeInMs, 600_000, 60_000, 86_400_000),
      [jwksCache]: this.#fetched as ExportedJWKSCache,
      ...(options.fetch ? { [customFetch]: options.fetch } : {}),
    });
  }

  async validate(bearerToken: string): Promise<Caller> {
    if (typeof bearerToken !== 'string') throw new UnauthenticatedError(TOKEN_REFUSALS.malformed);
    if (bearerToken.length > MAX_TOKEN_CHARS) throw new UnauthenticatedError(TOKEN_REFUSALS.tooLarge);
    if (!COMPACT_JWS.test(bearerToken)) throw new UnauthenticatedError(TOKEN_REFUSALS.malformed);

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(bearerToken, (header, token) => this.#key(header, token), {
        algorithms: ['RS256'],
        issuer: this.#issuers,
        audience: this.#audiences,
        requiredClaims: ['exp', 'iat', 'oid', 'tid'],
        clockTolerance: this.#clockToleranceSeconds,
        maxTokenAge: MAX_TOKEN_AGE_SECONDS,
      }));
    } catch (error) {
      if (error instanceof JwksUnavailable) {
        throw new TransientDependencyError("the identity provider's signing keys (JWKS) could not be fetched; retry shortly", { cause: error.cause });
      }
      // jose's errors carry the claims set (`payload`): not kept as a cause, so no log prints a caller's claims.
      throw new UnauthenticatedError(refusalFor(error));
    }
    return this.#caller(payload);
  }

  async #key(header: CompactJWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    try {
      return await this.#remoteKeys(header, token);
    } catch (error) {
      if (isKeySelectionError(error)) throw error;
      const stale = this.#staleKeys();
      if (stale) {
        // A key we no longer can confirm is refused as unavailable, not as unknown: retrying after the outage may succeed.
        const key = await stale(header, token).catch(() => undefined);
        if (key) return key;
      }
      throw new JwksUnavailable('JWKS unavailable', { cause: error });
    }
  }

  #staleKeys(): ReturnType<typeof createLocalJWKSet> | undefined {
    const { uat, jwks } = this.#fetched;
    if (uat === undefined || jwks === undefined || Date.now() - uat > STALE_JWKS_MAX_AGE_IN_MS) return undefined;
    if (this.#stale?.uat !== uat) this.#stale = { uat, keys: createLocalJWKSet(jwks) };
    return this.#stale.keys;
  }

  #caller(payload: JWTPayload): Caller {
    const tid = stringClaim(payload, 'tid');
    if (!tid || tid.toLowerCase() !== this.#tenantId.toLowerCase()) throw new UnauthenticatedError(TOKEN_REFUSALS.tenant);
    const oid = stringClaim(payload, 'oid');
    if (!oid || !GUID.test(oid)) throw new UnauthenticatedError(TOKEN_REFUSALS.oid);

    const signInName = stringClaim(payload, 'upn') ?? stringClaim(payload, 'preferred_username');
    const displayName = signInName ?? stringClaim(payload, 'name') ?? stringClaim(payload, 'appid') ?? stringClaim(payload, 'azp') ?? oid;
    // Client credentials: Entra marks them with idtyp=app when asked to; otherwise they have no scope and no sign-in name.
    const application = payload['idtyp'] === 'app' || (payload['scp'] === undefined && signInName === undefined);
    const granted = Array.isArray(payload['roles']) ? payload['roles'] : [];
    const roles = new Set<AppRole>(granted.filter((role): role is AppRole => typeof role === 'string' && isAppRole(role)));

    return {
      oid: oid.toLowerCase(),
      // Names are set by people (a display name can hold anything): escaped and bounded before any audit reads them.
      displayName: boundText(displayName, 256),
      kind: application ? 'application' : 'user',
      roles,
      tenantId: tid.toLowerCase(),
    };
  }
}
