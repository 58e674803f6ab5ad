/**
 * Sign-in with MSAL.js: the authorization code flow with PKCE, by redirect, against the
 * authority the app's config.json names (Entra ID in Azure, the local identity provider's
 * HTTPS sign-in locally). Tokens stay in session storage; the page never sees a password.
 */
import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from '@azure/msal-browser';
import type { AppRole } from './model/types.js';

export interface DashboardConfig {
  signIn: 'configured' | 'not-configured';
  clientId?: string;
  authority: string;
  protocolMode: 'AAD' | 'OIDC';
  knownAuthorities: string[];
  scopes: string[];
  redirectPath: string;
}

export interface SignedIn {
  name: string;
  oid: string;
  roles: ReadonlySet<AppRole>;
}

export class Auth {
  #msal: PublicClientApplication | undefined;
  #account: AccountInfo | null = null;
  #user: SignedIn | undefined;

  constructor(readonly config: DashboardConfig) {}

  get user(): SignedIn | undefined {
    return this.#user;
  }

  /** Finishes a sign-in coming back from the authority; answers the route the person was on. */
  async start(): Promise<string | undefined> {
    if (this.config.signIn !== 'configured' || !this.config.clientId) return undefined;
    const redirectUri = `${location.origin}${this.config.redirectPath}`;
    this.#msal = new PublicClientApplication({
      auth: { clientId: this.config.clientId, authority: this.config.authority, knownAuthorities: this.config.knownAuthorities, redirectUri, postLogoutRedirectUri: redirectUri },
      cache: { cacheLocation: 'sessionStorage' },
      system: { protocolMode: this.config.protocolMode as never },
    });
    await this.#msal.initialize();
    const result = await this.#msal.handleRedirectPromise();
    this.#account = result?.account ?? this.#msal.getAllAccounts()[0] ?? null;
    if (this.#account) {
      this.#msal.setActiveAccount(this.#account);
      await this.token();
    }
    return result?.state || undefined;
  }

  /** Goes to the authority; comes back to `route`. */
  async signIn(route: string): Promise<void> {
    await this.#msal?.loginRedirect({ scopes: this.config.scopes, state: route, prompt: 'select_account' });
  }

  async signOut(): Promise<void> {
    const account = this.#account;
    this.#account = null;
    this.#user = undefined;
    if (account) await this.#msal?.logoutRedirect({ account });
  }

  /** An access token for the API, renewed silently, or by redirect when the authority insists. */
  async token(): Promise<string> {
    if (!this.#msal || !this.#account) throw new Error('not signed in');
    try {
      const result = await this.#msal.acquireTokenSilent({ scopes: this.config.scopes, account: this.#account });
      this.#user = userOf(result.accessToken, this.#account);
      return result.accessToken;
    } catch (error) {
      if (error instanceof InteractionRequiredAuthError) await this.#msal.acquireTokenRedirect({ scopes: this.config.scopes, account: this.#account, state: location.hash });
      throw error;
    }
  }
}

/**
 * Who the token says this is, for showing and hiding controls only: the API decides every
 * request with the same token's roles, whatever the page shows.
 */
function userOf(accessToken: string, account: AccountInfo): SignedIn {
  let claims: { roles?: unknown; oid?: unknown; name?: unknown } = {};
  try {
    const payload = accessToken.split('.')[1] ?? '';
    claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
  } catch {
    // An opaque token: no controls are shown that need a role.
  }
  const roles = Array.isArray(claims.roles) ? (claims.roles.filter((r) => typeof r === 'string') as AppRole[]) : [];
  const oid = typeof claims.oid === 'string' ? claims.oid : (account.idTokenClaims?.['oid'] as string | undefined) ?? account.localAccountId;
  return { name: account.name || account.username || (typeof claims.name === 'string' ? claims.name : 'signed in'), oid, roles: new Set(roles) };
}

export async function loadConfig(): Promise<DashboardConfig> {
  const response = await fetch(`${location.origin}/api/ui/config.json`, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return (await response.json()) as DashboardConfig;
}
