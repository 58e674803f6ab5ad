/**
 * Tokens an attacker could send, for the tests that prove the app refuses them: the claims of
 * a genuine token, signed the wrong way. Nothing outside the tests uses these.
 */
import { createHmac } from 'node:crypto';
import { base64url, exportSPKI, SignJWT, type JWTPayload } from 'jose';
import type { MintRequest, RunningIdentityProvider } from './provider.js';
import { generateSigningKey, type SigningKey } from './signing-keys.js';

type Provider = Pick<RunningIdentityProvider, 'claimsFor' | 'signingKey' | 'mintToken'>;

let foreignKey: Promise<SigningKey> | undefined;

function segment(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

/**
 * Signed by a key the provider never published. `kid: 'same'` (default) claims the provider's
 * current kid, so only the signature gives it away; `'unknown'` uses the foreign key's own kid,
 * which sends a validator to fetch the JWKS again; any other string is used as given.
 */
export async function mintWithForeignKey(provider: Provider, request: MintRequest, options: { kid?: 'same' | 'unknown' | (string & {}) } = {}): Promise<string> {
  foreignKey ??= generateSigningKey();
  const key = await foreignKey;
  const choice = options.kid ?? 'same';
  const kid = choice === 'same' ? provider.signingKey().kid : choice === 'unknown' ? key.kid : choice;
  return new SignJWT(provider.claimsFor(request)).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key.privateKey);
}

/** `alg: none` with an empty signature, built by hand since no library should produce it. */
export function unsignedToken(provider: Provider, request: MintRequest): string {
  return `${segment({ alg: 'none', typ: 'JWT' })}.${segment(provider.claimsFor(request))}.`;
}

/**
 * HS256 keyed with the provider's public key (its SPKI PEM): the algorithm confusion attack on a
 * validator that lets the token choose how its key is used.
 */
export async function hmacWithPublicKey(provider: Provider, request: MintRequest): Promise<string> {
  const { kid, publicKey } = provider.signingKey();
  const signingInput = `${segment({ alg: 'HS256', kid, typ: 'JWT' })}.${segment(provider.claimsFor(request))}`;
  const signature = createHmac('sha256', await exportSPKI(publicKey)).update(signingInput).digest();
  return `${signingInput}.${base64url.encode(signature)}`;
}

/** A genuine token with one claim padded to `claimBytes` characters: only its size is wrong. */
export function oversizedToken(provider: Provider, request: MintRequest, claimBytes = 20 * 1024): Promise<string> {
  return provider.mintToken({ ...request, padding: 'x'.repeat(claimBytes) });
}

/** A genuine token whose claims are then changed (roles raised, say) with its signature kept. */
export function withTamperedClaims(token: string, changes: JWTPayload): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload ?? ''))) as JWTPayload;
  return `${header}.${segment({ ...claims, ...changes })}.${signature}`;
}
