/**
 * What `POST /token` accepts (`{"sub", "roles"}`, nothing else) and the claims of the token it
 * answers: Entra's v2 access token for a signed-in user, reduced to what the app reads.
 */
import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { quote } from '../../core/untrusted-text.js';

export const SUB_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
export const MAX_ROLES = 16;
/** An Entra app role value: printable, no spaces, at most 120 characters. */
const ROLE_PATTERN = /^[\x21-\x7e]{1,120}$/;
const FIELDS = new Set(['sub', 'roles']);

export interface TokenRequest {
  sub: string;
  roles?: readonly string[];
}

export class TokenRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

/** The request as given, or TokenRequestError saying what is wrong with it. */
export function parseTokenRequest(body: unknown): { sub: string; roles: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new TokenRequestError('the body must be a JSON object: {"sub": "<name>", "roles": ["Rotation.Read", ...]}');
  const unknown = Object.keys(body).filter((field) => !FIELDS.has(field));
  if (unknown.length > 0) throw new TokenRequestError(`unknown field ${quote(unknown[0]!)}; only "sub" and "roles" are accepted`);

  const { sub, roles = [] } = body as { sub?: unknown; roles?: unknown };
  if (typeof sub !== 'string' || !SUB_PATTERN.test(sub)) {
    throw new TokenRequestError(`"sub" must be 1 to 64 characters of A-Z a-z 0-9 . _ @ -${typeof sub === 'string' ? `, not ${quote(sub)}` : ''}`);
  }
  if (!Array.isArray(roles)) throw new TokenRequestError('"roles" must be an array of strings');
  if (roles.length > MAX_ROLES) throw new TokenRequestError(`"roles" may hold at most ${MAX_ROLES} roles, not ${roles.length}`);
  for (const role of roles) {
    if (typeof role !== 'string' || !ROLE_PATTERN.test(role)) {
      throw new TokenRequestError(`each role must be 1 to 120 printable characters without spaces${typeof role === 'string' ? `, not ${quote(role)}` : ''}`);
    }
  }
  return { sub, roles: roles as string[] };
}

/**
 * A stable object id for a name: the same tenant and sub give the same oid on every start.
 * The first 16 bytes of SHA-256, marked as an RFC 9562 version 8 (custom) UUID.
 */
export function oidFor(tenantId: string, sub: string): string {
  const bytes = createHash('sha256').update(`${tenantId.toLowerCase()}\n${sub}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface TokenContext {
  issuer: string;
  audience: string;
  tenantId: string;
  lifetimeSeconds: number;
  nowSeconds: number;
}

export function accessTokenClaims(request: { sub: string; roles: readonly string[] }, context: TokenContext): JWTPayload {
  return {
    aud: context.audience,
    iss: context.issuer,
    iat: context.nowSeconds,
    nbf: context.nowSeconds,
    exp: context.nowSeconds + context.lifetimeSeconds,
    name: request.sub,
    oid: oidFor(context.tenantId, request.sub),
    preferred_username: request.sub,
    roles: [...request.roles],
    sub: request.sub,
    tid: context.tenantId,
    ver: '2.0',
  };
}
