/** The local identity provider's public surface: start it, mint tokens, and tell the app to trust it. */
export {
  LOCAL_API_AUDIENCE,
  LOCAL_TENANT_ID,
  localAuthSettings,
  startIdentityProvider,
  type IdentityProviderOptions,
  type IdentityProviderSignIn,
  type MintRequest,
  type RunningIdentityProvider,
} from './provider.js';
export type { IdentityRequestCounts } from './server.js';
export { LOCAL_DASHBOARD_CLIENT_ID, LOCAL_TEST_USERS, type LocalTestUser } from './sign-in.js';
export { MAX_ROLES, oidFor, SUB_PATTERN, type TokenRequest } from './token-request.js';
