/**
 * What a test seeds the ARM stand-in with: subscriptions (with their management-group
 * ancestry), resource groups, Key Vault vaults with their settings, diagnostic settings,
 * custom role definitions, role assignments (with PIM's view of each: assigned or activated,
 * start and end), PIM-eligible assignments, deny assignments, storage accounts and App Service
 * sites (with their connection strings and deployment slots). One JSON document, validated whole before
 * anything is stored: a refusal names the field, and a seed is applied all or nothing.
 */
import { z } from 'zod';
import { vaultNameProblem } from '../keyvault-emulator/options.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ARM's rule for resource group names: 1-90 of letters, digits, _ - . ( ), not ending in a period. */
const RESOURCE_GROUP = /^[-\w._()]{0,89}[-\w_()]$/u;
const MANAGEMENT_GROUP = /^[A-Za-z0-9][A-Za-z0-9_.()-]{0,89}$/;

const guid = z.string().regex(GUID, 'must be a GUID');
const text = (max: number) => z.string().min(1).max(max);

/** Key Vault's access-policy permissions for secrets (the others are kept as given, lower-cased). */
export const SECRET_PERMISSIONS = ['all', 'get', 'list', 'set', 'delete', 'backup', 'restore', 'recover', 'purge'] as const;

const permissionList = z.array(text(64)).max(32);

const accessPolicy = z.strictObject({
  tenantId: guid.optional(),
  objectId: guid,
  applicationId: guid.optional(),
  permissions: z.strictObject({
    // Key Vault takes them in any case and keeps the casing given (the portal writes 'Get', 'List').
    secrets: z
      .array(z.string().refine((value) => (SECRET_PERMISSIONS as readonly string[]).includes(value.toLowerCase()), { message: `is not a secret permission (${SECRET_PERMISSIONS.join(', ')})` }))
      .max(16)
      .optional(),
    keys: permissionList.optional(),
    certificates: permissionList.optional(),
    storage: permissionList.optional(),
  }),
});

const networkAcls = z.strictObject({
  defaultAction: z.enum(['Allow', 'Deny']),
  bypass: z.enum(['AzureServices', 'None']).optional(),
  ipRules: z.array(z.strictObject({ value: text(64) })).max(100).optional(),
  virtualNetworkRules: z.array(z.strictObject({ id: text(512), ignoreMissingVnetServiceEndpoint: z.boolean().optional() })).max(100).optional(),
});

const subscription = z.strictObject({
  subscriptionId: guid,
  displayName: text(64).optional(),
  tenantId: guid.optional(),
  /** Nearest first: the subscription's parent management group, then its parent, up to the root's child. */
  managementGroups: z.array(z.string().regex(MANAGEMENT_GROUP, 'is not a management group name')).max(6).optional(),
});

const resourceGroup = z.strictObject({
  subscriptionId: guid,
  name: z.string().regex(RESOURCE_GROUP, 'is not a resource group name (1-90 letters, digits, _ - . ( ), not ending in a period)'),
  location: text(64).optional(),
});

const vault = z.strictObject({
  subscriptionId: guid,
  resourceGroup: z.string().regex(RESOURCE_GROUP, 'is not a resource group name'),
  name: z.string().superRefine((name, context) => {
    const problem = vaultNameProblem(name);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  }),
  location: text(64).optional(),
  tenantId: guid.optional(),
  sku: z.enum(['standard', 'premium']).optional(),
  tags: z.record(z.string().max(512), z.string().max(256)).optional(),
  /** Default https://<name>.vault.azure.net/; locally the emulator's URL, port included. */
  vaultUri: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
  enableRbacAuthorization: z.boolean().nullable().optional(),
  accessPolicies: z.array(accessPolicy).max(1024).optional(),
  enableSoftDelete: z.boolean().nullable().optional(),
  softDeleteRetentionInDays: z.number().int().min(7).max(90).nullable().optional(),
  enablePurgeProtection: z.boolean().nullable().optional(),
  publicNetworkAccess: z.enum(['Enabled', 'Disabled']).nullable().optional(),
  networkAcls: networkAcls.nullable().optional(),
});

const logSetting = z
  .strictObject({ category: text(128).optional(), categoryGroup: text(128).optional(), enabled: z.boolean() })
  .refine((log) => (log.category === undefined) !== (log.categoryGroup === undefined), { message: 'give exactly one of category or categoryGroup' });

const diagnosticSetting = z.strictObject({
  resourceId: text(1024),
  name: z.string().regex(/^[^*#&+:<>?/%\\]{1,260}$/, 'is not a diagnostic setting name'),
  workspaceId: text(1024).optional(),
  storageAccountId: text(1024).optional(),
  eventHubAuthorizationRuleId: text(1024).optional(),
  eventHubName: text(256).optional(),
  logs: z.array(logSetting).max(64).optional(),
  metrics: z.array(z.strictObject({ category: text(128), enabled: z.boolean() })).max(64).optional(),
});

const permission = z.strictObject({
  actions: z.array(text(256)).max(256).default([]),
  notActions: z.array(text(256)).max(256).default([]),
  dataActions: z.array(text(256)).max(256).default([]),
  notDataActions: z.array(text(256)).max(256).default([]),
});

const roleDefinition = z.strictObject({
  id: guid,
  roleName: text(128),
  description: z.string().max(1024).optional(),
  assignableScopes: z.array(text(1024)).min(1).max(64),
  permissions: z.array(permission).min(1).max(8),
});

/** Storage's rule for account names: 3-24 lower-case letters and digits. */
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;
/** App Service's rule for site names: 2-60 letters, digits and hyphens, not starting or ending with a hyphen. */
const SITE = /^[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]$/;
/** App setting names as App Service takes them on Windows and Linux. */
const APP_SETTING = /^[A-Za-z0-9_.:-]{1,256}$/;

export const STORAGE_KINDS = ['StorageV2', 'Storage', 'BlobStorage', 'BlockBlobStorage', 'FileStorage'] as const;
export const STORAGE_SKUS = ['Standard_LRS', 'Standard_GRS', 'Standard_RAGRS', 'Standard_ZRS', 'Premium_LRS', 'Premium_ZRS', 'Standard_GZRS', 'Standard_RAGZRS'] as const;

const storageAccount = z.strictObject({
  subscriptionId: guid,
  resourceGroup: z.string().regex(RESOURCE_GROUP, 'is not a resource group name'),
  name: z.string().regex(STORAGE_ACCOUNT, 'is not a storage account name (3-24 lower-case letters and digits)'),
  location: text(64).optional(),
  kind: z.enum(STORAGE_KINDS).optional(),
  sku: z.enum(STORAGE_SKUS).optional(),
  tags: z.record(z.string().max(512), z.string().max(256)).optional(),
});

/** Which identity a site resolves its Key Vault references with; 'None' leaves every reference MSINotEnabled. */
export const SITE_IDENTITIES = ['SystemAssigned', 'UserAssigned', 'None'] as const;

/** Connection string types as App Service takes them (ConnectionStringType). */
export const CONNECTION_STRING_TYPES = ['MySql', 'SQLServer', 'SQLAzure', 'Custom', 'NotificationHub', 'ServiceBus', 'EventHub', 'ApiHub', 'DocDb', 'RedisCache', 'PostgreSQL'] as const;
/** Deployment slots per site: App Service's most (Premium and Isolated plans). */
export const MAX_SLOTS = 20;

const settingName = z.string().regex(APP_SETTING, 'is not an app setting name').refine((name) => name !== '__proto__', { message: 'is not an app setting name' });

/** Values as App Service holds them; a Key Vault reference is `@Microsoft.KeyVault(SecretUri=...)` or `@Microsoft.KeyVault(VaultName=...;SecretName=...)`. */
const appSettings = z
  .record(settingName, z.string().max(10_240))
  .refine((settings) => Object.keys(settings).length <= 500, { message: 'at most 500 app settings' });

/** By name: the value (a Key Vault reference works here too) and its type, Custom by default. */
const connectionStrings = z
  .record(
    z.string().regex(APP_SETTING, 'is not a connection string name').refine((name) => name !== '__proto__', { message: 'is not a connection string name' }),
    z.strictObject({ value: z.string().max(10_240), type: z.enum(CONNECTION_STRING_TYPES).optional() }),
  )
  .refine((strings) => Object.keys(strings).length <= 100, { message: 'at most 100 connection strings' });

/** A deployment slot: an app of its own under the site, with its own identity, settings and connection strings. */
const slot = z.strictObject({
  name: z.string().regex(SITE, 'is not a slot name (2-60 letters, digits and hyphens, not starting or ending with a hyphen)'),
  identity: z.enum(SITE_IDENTITIES).optional(),
  appSettings: appSettings.optional(),
  connectionStrings: connectionStrings.optional(),
});

const site = z.strictObject({
  subscriptionId: guid,
  resourceGroup: z.string().regex(RESOURCE_GROUP, 'is not a resource group name'),
  name: z.string().regex(SITE, 'is not a site name (2-60 letters, digits and hyphens, not starting or ending with a hyphen)'),
  kind: z.enum(['app', 'app,linux', 'functionapp', 'functionapp,linux']).optional(),
  location: text(64).optional(),
  identity: z.enum(SITE_IDENTITIES).optional(),
  appSettings: appSettings.optional(),
  connectionStrings: connectionStrings.optional(),
  /** A site seeded again has these slots only; a slot keeps what it resolved for values that did not change. */
  slots: z
    .array(slot)
    .max(MAX_SLOTS, `at most ${MAX_SLOTS} slots`)
    .superRefine((slots, ctx) => {
      const seen = new Set<string>();
      slots.forEach((s, index) => {
        if (seen.has(s.name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: 'names the same slot twice' });
        seen.add(s.name.toLowerCase());
      });
    })
    .optional(),
});

export const PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'] as const;

/** How PIM lists an active assignment: assigned directly, or activated from an eligible one. */
export const ASSIGNMENT_TYPES = ['Assigned', 'Activated'] as const;
/** How an eligible assignment reaches its principal. */
export const MEMBER_TYPES = ['Direct', 'Group', 'Inherited'] as const;
/** Principal types a deny assignment names; SystemDefined is Everyone. */
export const DENY_PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal', 'SystemDefined'] as const;
/** Entra's Everyone in a deny assignment. */
export const EVERYONE_PRINCIPAL_ID = '00000000-0000-0000-0000-000000000000';

/** An end, when given, after the start. */
function endAfterStart(value: { startDateTime?: string | undefined; endDateTime?: string | undefined }, ctx: z.RefinementCtx): void {
  if (value.startDateTime !== undefined && value.endDateTime !== undefined && Date.parse(value.endDateTime) <= Date.parse(value.startDateTime)) {
    ctx.addIssue({ code: 'custom', path: ['endDateTime'], message: 'must be after startDateTime' });
  }
}

const roleAssignment = z
  .strictObject({
    /** The assignment's GUID; a deterministic one from scope, principal and role when absent. */
    name: guid.optional(),
    scope: text(1024),
    /** A role's GUID: a built-in one, or a custom role seeded here. */
    roleDefinitionId: guid,
    principalId: guid,
    principalType: z.enum(PRINCIPAL_TYPES),
    description: z.string().max(1024).optional(),
    condition: z.string().max(8192).optional(),
    createdOn: z.iso.datetime().optional(),
    /** PIM's view (its role assignment schedule instance): 'Assigned' (default) or 'Activated'. */
    assignmentType: z.enum(ASSIGNMENT_TYPES).optional(),
    /** Default createdOn. */
    startDateTime: z.iso.datetime().optional(),
    /** Absent: permanent. Past it, the assignment and its instance are no longer listed, as PIM removes them. */
    endDateTime: z.iso.datetime().optional(),
  })
  .superRefine((value, ctx) => {
    if (value.assignmentType === 'Activated' && value.endDateTime === undefined) ctx.addIssue({ code: 'custom', path: ['endDateTime'], message: 'is required for an Activated assignment (PIM activations are time-bound)' });
    endAfterStart(value, ctx);
  });

/** A PIM-eligible assignment (its role eligibility schedule instance). */
const roleEligibility = z
  .strictObject({
    /** Its GUID; a deterministic one from scope, principal and role when absent. */
    name: guid.optional(),
    scope: text(1024),
    roleDefinitionId: guid,
    principalId: guid,
    principalType: z.enum(PRINCIPAL_TYPES),
    memberType: z.enum(MEMBER_TYPES).optional(),
    condition: z.string().max(8192).optional(),
    startDateTime: z.iso.datetime().optional(),
    /** Absent: eligible permanently. Past it, the eligibility is no longer listed. */
    endDateTime: z.iso.datetime().optional(),
  })
  .superRefine(endAfterStart);

const denyPrincipal = z
  .strictObject({ id: guid, type: z.enum(DENY_PRINCIPAL_TYPES) })
  .refine((p) => (p.type === 'SystemDefined') === (p.id === EVERYONE_PRINCIPAL_ID), { message: `SystemDefined is Everyone, whose id is ${EVERYONE_PRINCIPAL_ID}, and that id is only ever SystemDefined` });

const denyAssignment = z.strictObject({
  /** Its GUID; a deterministic one from scope and denyAssignmentName when absent. */
  name: guid.optional(),
  scope: text(1024),
  denyAssignmentName: text(256),
  description: z.string().max(1024).optional(),
  permissions: z.array(permission).min(1).max(8),
  principals: z.array(denyPrincipal).min(1).max(100),
  excludePrincipals: z.array(denyPrincipal).max(100).optional(),
  doNotApplyToChildScopes: z.boolean().optional(),
  isSystemProtected: z.boolean().optional(),
});

export const armSeedSchema = z.strictObject({
  subscriptions: z.array(subscription).max(100).optional(),
  resourceGroups: z.array(resourceGroup).max(1000).optional(),
  vaults: z.array(vault).max(1000).optional(),
  diagnosticSettings: z.array(diagnosticSetting).max(1000).optional(),
  roleDefinitions: z.array(roleDefinition).max(1000).optional(),
  roleAssignments: z.array(roleAssignment).max(10_000).optional(),
  roleEligibilities: z.array(roleEligibility).max(10_000).optional(),
  denyAssignments: z.array(denyAssignment).max(1000).optional(),
  storageAccounts: z.array(storageAccount).max(1000).optional(),
  sites: z.array(site).max(1000).optional(),
});

export type ArmSeed = z.input<typeof armSeedSchema>;
export type ParsedArmSeed = z.output<typeof armSeedSchema>;
export type SeedVault = z.output<typeof vault>;
export type SeedAccessPolicy = z.output<typeof accessPolicy>;
export type SeedNetworkAcls = z.output<typeof networkAcls>;
export type SeedDiagnosticSetting = z.output<typeof diagnosticSetting>;
export type SeedRoleAssignment = z.output<typeof roleAssignment>;
export type SeedRoleEligibility = z.output<typeof roleEligibility>;
export type SeedDenyAssignment = z.output<typeof denyAssignment>;
export type SeedRoleDefinition = z.output<typeof roleDefinition>;
export type SeedSubscription = z.output<typeof subscription>;
export type SeedStorageAccount = z.output<typeof storageAccount>;
export type SeedSite = z.output<typeof site>;
export type SeedSlot = z.output<typeof slot>;

export interface SeedProblem {
  /** The field, e.g. `vaults[2].softDeleteRetentionInDays`. */
  path: string;
  message: string;
}

export class InvalidSeedError extends Error {
  constructor(readonly problems: SeedProblem[]) {
    super(`the seed is invalid: ${problems.map((p) => `${p.path || '(body)'}: ${p.message}`).slice(0, 5).join('; ')}`);
    this.name = 'InvalidSeedError';
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/** Shape and value checks; references between entries are checked by the state that applies it. */
export function parseArmSeed(input: unknown): ParsedArmSeed {
  const parsed = armSeedSchema.safeParse(input);
  if (!parsed.success) throw new InvalidSeedError(parsed.error.issues.slice(0, 50).map((issue) => ({ path: pathText(issue.path), message: issue.message })));
  return parsed.data;
}
