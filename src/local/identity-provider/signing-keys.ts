/**
 * The stand-in's RS256 signing keys: generated at start, never written anywhere. Rotating adds
 * a key and signs with it while the previous ones stay published, as Entra overlaps its keys.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const { kty, n, e } = await exportJWK(publicKey);
  // The thumbprint (RFC 7638): a kid that names the key itself, so a new key always has a new kid.
  const kid = await calculateJwkThumbprint({ kty, n, e } as JWK);
  return { kid, privateKey, publicKey, publicJwk: { kty, n, e, kid, use: 'sig' } };
}

export class SigningKeys {
  readonly #keys: SigningKey[];

  private constructor(first: SigningKey) {
    this.#keys = [first];
  }

  static async create(): Promise<SigningKeys> {
    return new SigningKeys(await generateSigningKey());
  }

  /** The key new tokens are signed with. */
  get current(): SigningKey {
    return this.#keys[this.#keys.length - 1]!;
  }

  async rotate(): Promise<SigningKey> {
    this.#keys.push(await generateSigningKey());
    return this.current;
  }

  /** The JWKS document: every published key, as Entra's keys endpoint lists them (no `alg`, `use: sig`, the issuer). */
  jwks(issuer: string): { keys: JWK[] } {
    return { keys: this.#keys.map((key) => ({ ...key.publicJwk, issuer })) };
  }
}
