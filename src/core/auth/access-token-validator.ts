import type { Caller } from './caller.js';

/**
 * Validates a bearer token and says who sent it. Throws UnauthenticatedError (401) for a
 * missing, malformed, expired, not-yet-valid, wrongly signed, wrongly addressed token, or
 * one from an issuer this deployment does not trust. Never trusts a header a caller can set.
 */
export interface AccessTokenValidator {
  validate(bearerToken: string): Promise<Caller>;
}
