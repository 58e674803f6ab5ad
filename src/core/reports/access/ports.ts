/**
 * What the access review and the vault-settings rules read about a governed vault, through
 * ARM: its properties, its diagnostic settings, the role assignments at and above its scope
 * with their role definitions, PIM's schedule instances (active and eligible), and deny
 * assignments. src/adapters/arm/ implements it with the real clients.
 */

export const PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device', 'Unknown'] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

export interface AccessPolicyEntry {
  tenantId: string;
  objectId: string;
  /** Set for a compound identity (an application acting for a user). */
  applicationId?: string;
  /** Lower-cased permission names, as Key Vault lists them ('get', 'list', 'set', 'purge', 'all'...). */
  permissions: { secrets: string[]; keys: string[]; certificates: string[] };
}

export interface NetworkRules {
  defaultAction: 'Allow' | 'Deny';
  bypass?: string;
  ipRules: string[];
  virtualNetworkRules: string[];
}

/** A vault's settings as ARM answers them; absent fields are undefined (ARM omits them), never guessed. */
export interface VaultProperties {
  resourceId: string;
  name: string;
  /** https://<name>.vault.azure.net/ (locally the emulator's URL). */
  vaultUri: string;
  /** true: Azure RBAC; false or undefined: access policies (ARM's default before api-version 2026-02-01). */
  enableRbacAuthorization?: boolean;
  accessPolicies: AccessPolicyEntry[];
  enableSoftDelete?: boolean;
  softDeleteRetentionInDays?: number;
  enablePurgeProtection?: boolean;
  publicNetworkAccess?: string;
  networkAcls?: NetworkRules;
}

export interface DiagnosticLogSetting {
  category?: string;
  categoryGroup?: string;
  enabled: boolean;
}

export interface DiagnosticSetting {
  name: string;
  logs: DiagnosticLogSetting[];
  /** Where the logs go: at least one must be set for the setting to keep anything. */
  workspaceId?: string;
  storageAccountId?: string;
  eventHubAuthorizationRuleId?: string;
}

export interface RolePermissions {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface RoleDefinition {
  /** The role's GUID, lower-case. */
  id: string;
  roleName: string;
  type: 'BuiltInRole' | 'CustomRole' | string;
  permissions: RolePermissions[];
}

export interface RoleAssignment {
  /** ARM id of the assignment. */
  id: string;
  /** Where it was made: the vault, or a scope above it (resource group, subscription, management group, '/'). */
  scope: string;
  principalId: string;
  principalType: PrincipalType;
  roleDefinition: RoleDefinition;
  condition?: string;
  description?: string;
  createdOn?: Date;
}

/**
 * PIM's record of an active role assignment (a role assignment schedule instance): every
 * active assignment has one, whether PIM activated it or it was assigned directly.
 */
export interface ActiveAssignmentSchedule {
  id: string;
  scope: string;
  principalId: string;
  principalType: PrincipalType;
  /** The role's GUID, lower-case. */
  roleDefinitionId: string;
  /** 'Activated': a PIM activation of an eligible assignment (just in time, time-bound); 'Assigned': a direct assignment. */
  assignmentType: 'Activated' | 'Assigned';
  /** The role assignment this instance is the schedule of (ARM's id), when PIM names it. */
  originRoleAssignmentId?: string;
  startDateTime?: Date;
  /** Absent: permanent. */
  endDateTime?: Date;
}

/** A PIM-eligible role assignment (a role eligibility schedule instance): the principal can activate the role, and holds nothing until it does. */
export interface EligibleAssignment {
  id: string;
  scope: string;
  principalId: string;
  principalType: PrincipalType;
  /** The role's GUID, lower-case. */
  roleDefinitionId: string;
  startDateTime?: Date;
  /** Absent: eligible permanently. */
  endDateTime?: Date;
  /** 'Direct', or 'Group'/'Inherited' when it reaches the principal through a group or a parent scope. */
  memberType?: string;
  condition?: string;
}

export interface DenyPrincipal {
  id: string;
  /** 'User', 'Group', 'ServicePrincipal', or 'SystemDefined' for Everyone (id 00000000-0000-0000-0000-000000000000). */
  type: string;
}

/** A deny assignment at or above the vault: who it denies what, and whom it leaves out. */
export interface DenyAssignment {
  id: string;
  name: string;
  denyAssignmentName?: string;
  description?: string;
  scope: string;
  doNotApplyToChildScopes: boolean;
  isSystemProtected: boolean;
  permissions: RolePermissions[];
  principals: DenyPrincipal[];
  excludePrincipals: DenyPrincipal[];
}

/** Options of every read: a caller that gave up (an HTTP request) cancels what it started. */
export interface ReadVaultOptions {
  abortSignal?: AbortSignal;
}

export interface VaultAccessSource {
  /** The vault's settings; NotFoundError when ARM has no such vault. */
  getVault(resourceId: string, options?: ReadVaultOptions): Promise<VaultProperties>;
  listDiagnosticSettings(resourceId: string, options?: ReadVaultOptions): Promise<DiagnosticSetting[]>;
  /** At and above the vault's scope (ARM's atScope()), each with its role definition. */
  listRoleAssignments(resourceId: string, options?: ReadVaultOptions): AsyncIterable<RoleAssignment>;
  /** A role definition by its GUID, as seen from the vault (built-in or custom); NotFoundError when there is none. */
  getRoleDefinition(resourceId: string, roleDefinitionId: string, options?: ReadVaultOptions): Promise<RoleDefinition>;
  /** PIM's active assignment schedule instances at and above the vault (atScope()). */
  listActiveAssignmentSchedules(resourceId: string, options?: ReadVaultOptions): AsyncIterable<ActiveAssignmentSchedule>;
  /** PIM's eligible assignment schedule instances at and above the vault (atScope()). */
  listEligibleAssignments(resourceId: string, options?: ReadVaultOptions): AsyncIterable<EligibleAssignment>;
  /** Deny assignments at and above the vault (atScope()). */
  listDenyAssignments(resourceId: string, options?: ReadVaultOptions): AsyncIterable<DenyAssignment>;
}
