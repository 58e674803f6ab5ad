/**
 * Where kvrot's access token comes from: locally, the stand-in identity provider, for the user
 * `--as` names with the roles the command needs (or exactly `--roles`); otherwise
 * DefaultAzureCredential for the API's scope `<audience>/.default`. The token is never printed
 * or stored, and is fetched at most once per command.
 */
import { APP_ROLES, isAppRole, type AppRole } from '../../core/auth/caller.js';
import { describeError } from '../../core/errors.js';
import type { ResolvedEnvironment } from '../config.js';
import { CliAuthError, CliUsageError } from '../errors.js';
import { shown } from '../output.js';

export interface AccessTokenOptions {
  environment: ResolvedEnvironment;
  /** `--as`: the local identity provider's user. */
  as?: string | undefined;
  /** `--roles`: exactly these roles instead of the command's. */
  roles?: string | undefined;
  /** The roles the command's API calls need. */
  needed: readonly AppRole[];
  fetch: typeof globalThis.fetch;
  timeoutInMs: number;
}

export type AccessToken = () => Promise<string>;

export function parseRoles(text: string): AppRole[] {
  const roles = text
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  const unknown = roles.filter((role) => !isAppRole(role));
  if (unknown.length > 0) throw new CliUsageError(`--roles: ${shown(unknown.join(', '))} ${unknown.length === 1 ? 'is not an app role' : 'are not app roles'}; the roles are ${APP_ROLES.join(', ')}`);
  return roles as AppRole[];
}

export function accessTokenFor(options: AccessTokenOptions): AccessToken {
  const { environment } = options;
  const roles = options.roles !== undefined ? parseRoles(options.roles) : [...new Set(options.needed)];
  if (!environment.identityProvider) {
    if (options.as !== undefined) throw new CliUsageError(`--as names a user of the local identity provider, and environment ${shown(environment.name)} has none: its tokens come from DefaultAzureCredential`);
    if (options.roles !== undefined) throw new CliUsageError('--roles is for the local identity provider; with DefaultAzureCredential your token carries the app roles assigned to you');
  } else if (options.as === undefined) {
    throw new CliUsageError(`environment ${shown(environment.name)} gets its tokens from the local identity provider: say who you are with --as <user> (or KVROT_AS)`);
  }
  let token: Promise<string> | undefined;
  return () => (token ??= environment.identityProvider ? localToken(options, environment.identityProvider, options.as!, roles) : azureToken(options, environment.audience!));
}

async function localToken(options: AccessTokenOptions, identityProvider: string, sub: string, roles: readonly AppRole[]): Promise<string> {
  let response: Response;
  let body: unknown;
  try {
    response = await options.fetch(new URL('token', identityProvider.endsWith('/') ? identityProvider : `${identityProvider}/`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub, roles }),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutInMs),
    });
    body = await response.json().catch(() => undefined);
  } catch (error) {
    throw new CliAuthError(`could not get a token from the local identity provider ${shown(identityProvider)}: ${shown(describeError(error))} (is npm start running?)`);
  }
  const token = (body as { access_token?: unknown } | undefined)?.access_token;
  if (response.status === 400) {
    const reason = (body as { error_description?: unknown; error?: unknown } | undefined)?.error_description ?? (body as { error?: unknown } | undefined)?.error;
    throw new CliUsageError(`the local identity provider refused --as ${shown(JSON.stringify(sub))}: ${shown(typeof reason === 'string' ? reason : 'invalid request')}`);
  }
  if (response.status !== 200 || typeof token !== 'string') throw new CliAuthError(`the local identity provider ${shown(identityProvider)} answered ${response.status} without a token`);
  return token;
}

async function azureToken(options: AccessTokenOptions, audience: string): Promise<string> {
  // Loaded only when needed: @azure/identity is large, and local runs never use it.
  const { defaultCredentialToken } = await import('../../adapters/identity/default-credential-token.js');
  try {
    return await defaultCredentialToken(audience, { abortSignal: AbortSignal.timeout(Math.max(options.timeoutInMs, 60_000)) });
  } catch (error) {
    throw new CliAuthError(`DefaultAzureCredential could not get a token for ${shown(audience)}/.default: ${shown(describeError(error).slice(0, 400))} (sign in with az login, or set AZURE_CLIENT_ID and its credential)`);
  }
}
