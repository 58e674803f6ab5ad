/**
 * Tokens for tests, from the local identity provider: signed by its key, and accepted by the
 * app exactly as Entra's are in Azure. Suites that are not about authorization call the API
 * as one person holding every app role; the authorization suites mint their own.
 */
import { APP_ROLES, type AppRole } from '../../src/core/auth/caller.js';
import type { RunningIdentityProvider } from '../../src/local/identity-provider/index.js';

/** The person the suites act as when authorization is not what they test. */
export const TEST_ADMIN = 'test-admin';

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

export function allRolesToken(provider: RunningIdentityProvider, sub = TEST_ADMIN): Promise<string> {
  return provider.mintToken({ sub, roles: [...APP_ROLES] });
}

export function tokenFor(provider: RunningIdentityProvider, sub: string, roles: readonly AppRole[]): Promise<string> {
  return provider.mintToken({ sub, roles });
}

/**
 * The request's headers with `authorization: Bearer <token>` unless the caller set that header
 * itself; an empty value sends none (an anonymous request).
 */
export function withDefaultToken(headers: Record<string, string> | undefined, token: string): Record<string, string> {
  const given = Object.keys(headers ?? {}).find((name) => name.toLowerCase() === 'authorization');
  if (given === undefined) return { ...headers, authorization: bearer(token) };
  if (headers![given] !== '') return { ...headers };
  const { [given]: _dropped, ...rest } = headers!;
  return rest;
}
