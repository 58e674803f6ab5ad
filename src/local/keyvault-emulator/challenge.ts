/**
 * Key Vault's bearer challenge. A request without `Authorization: Bearer <token>` is
 * answered 401 with the tenant and resource to get a token for, and changes nothing:
 * the SDK sends its first request of every client bodiless to provoke exactly this.
 * Tokens are accepted without validation.
 */
import { EMULATOR_TENANT_ID } from './options.js';

export const CHALLENGE_RESOURCE = 'https://vault.azure.net';

export const WWW_AUTHENTICATE = `Bearer authorization="https://login.microsoftonline.com/${EMULATOR_TENANT_ID}", resource="${CHALLENGE_RESOURCE}"`;

const BEARER = /^Bearer +\S+$/i;

export function isAuthorized(authorization: string | undefined): boolean {
  return authorization !== undefined && BEARER.test(authorization.trim());
}
