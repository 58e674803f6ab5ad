/**
 * Who is calling, as a validated Entra ID access token says, and what they may do.
 * The core never reads a header or a token: the HTTP layer hands it a Caller.
 */

/** The app roles of the API's app registration. Least privilege: each route needs exactly one. */
export const APP_ROLES = ['Rotation.Read', 'Rotation.Operate', 'Policy.Write', 'Rotation.Approve', 'Audit.Read', 'Rotation.BreakGlass'] as const;
export type AppRole = (typeof APP_ROLES)[number];

export interface Caller {
  /** The token's `oid`: the stable identity approvals count and the audit records. */
  oid: string;
  /** `upn`, `preferred_username`, `name` or `appid`, for people reading the audit. */
  displayName: string;
  /** A user signed in, or an application with its own identity (client credentials). */
  kind: 'user' | 'application';
  roles: ReadonlySet<AppRole>;
  tenantId?: string;
  /** Where the request came from, for the audit: set by the HTTP layer, never by the token. */
  origin?: { clientIp?: string; correlationId?: string };
}

export function isAppRole(value: string): value is AppRole {
  return (APP_ROLES as readonly string[]).includes(value);
}
