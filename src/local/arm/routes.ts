/**
 * The ARM reads the stand-in serves, each named after the SDK method that sends it (the
 * admin API counts them under these names), and the resource bodies it answers with, in
 * the shapes of the api-versions the real clients send: Microsoft.KeyVault vaults
 * (@azure/arm-keyvault 5: 2026-02-01), Microsoft.Authorization role assignments, role
 * definitions and deny assignments (@azure/arm-authorization 9: 2022-04-01) and PIM's role
 * assignment and role eligibility schedule instances (2020-10-01), Microsoft.Insights diagnostic
 * settings (2021-05-01-preview), Microsoft.Storage storage accounts (@azure/arm-storage 20:
 * 2025-08-01; storage.ts) and Microsoft.Web sites and their slots (@azure/arm-appservice 19:
 * 2025-05-01, and 2022-03-01 for the reference refresh no SDK method sends; sites.ts).
 */
import { ArmError, armErrors } from './arm-errors.js';
import { BUILT_IN_ROLES, type RoleDefinitionRecord } from './built-in-roles.js';
import { key, parseScope, scopeId, subscriptionIdOf, vaultId, type Scope } from './scopes.js';
import type { SeedDiagnosticSetting } from './seed.js';
import type { SiteReferences } from './site-references.js';
import { matchSiteRoute } from './sites.js';
import type { ArmState, StoredDenyAssignment, StoredRoleAssignment, StoredRoleEligibility, StoredVault } from './state.js';
import { matchStorageRoute } from './storage.js';

export const ARM_OPERATIONS = [
  'vaults.get',
  'vaults.listBySubscription',
  'vaults.listByResourceGroup',
  'diagnosticSettings.list',
  'diagnosticSettings.get',
  'roleAssignments.listForScope',
  'roleAssignmentScheduleInstances.listForScope',
  'roleEligibilityScheduleInstances.listForScope',
  'denyAssignments.listForScope',
  'roleDefinitions.get',
  'roleDefinitions.list',
  'storageAccounts.getProperties',
  'storageAccounts.listKeys',
  'storageAccounts.regenerateKey',
  'webApps.get',
  'webApps.getSlot',
  'webApps.listApplicationSettings',
  'webApps.listApplicationSettingsSlot',
  'webApps.listConnectionStrings',
  'webApps.listConnectionStringsSlot',
  'webApps.listAppSettingsKeyVaultReferences',
  'webApps.listAppSettingsKeyVaultReferencesSlot',
  'webApps.getAppSettingKeyVaultReference',
  'webApps.getAppSettingKeyVaultReferenceSlot',
  'webApps.listSiteConnectionStringKeyVaultReferences',
  'webApps.listSiteConnectionStringKeyVaultReferencesSlot',
  'webApps.getSiteConnectionStringKeyVaultReference',
  'webApps.getSiteConnectionStringKeyVaultReferenceSlot',
  /** No SDK method sends it; named as the adapter calls it (POST .../configreferences/appsettings/refresh). */
  'webApps.refreshAppSettingsKeyVaultReferences',
  /** The same POST under a slot: neither an SDK method nor documented by Microsoft. */
  'webApps.refreshAppSettingsKeyVaultReferencesSlot',
] as const;
export type ArmOperation = (typeof ARM_OPERATIONS)[number];

type Family = 'Microsoft.KeyVault/vaults' | 'Microsoft.Authorization' | 'Microsoft.Authorization/roleAssignmentScheduleInstances' | 'Microsoft.Authorization/roleEligibilityScheduleInstances' | 'Microsoft.Insights/diagnosticSettings' | 'Microsoft.Storage/storageAccounts' | 'Microsoft.Web/sites';

export const SUPPORTED_API_VERSIONS: Record<Family, readonly string[]> = {
  'Microsoft.KeyVault/vaults': ['2019-09-01', '2021-10-01', '2022-07-01', '2022-11-01', '2023-02-01', '2023-07-01', '2024-11-01', '2025-05-01', '2026-02-01'],
  'Microsoft.Authorization': ['2015-07-01', '2018-01-01-preview', '2020-04-01-preview', '2022-04-01'],
  'Microsoft.Authorization/roleAssignmentScheduleInstances': ['2020-10-01-preview', '2020-10-01'],
  'Microsoft.Authorization/roleEligibilityScheduleInstances': ['2020-10-01-preview', '2020-10-01'],
  'Microsoft.Insights/diagnosticSettings': ['2017-05-01-preview', '2021-05-01-preview'],
  'Microsoft.Storage/storageAccounts': ['2019-06-01', '2021-09-01', '2022-09-01', '2023-01-01', '2023-05-01', '2024-01-01', '2025-01-01', '2025-06-01', '2025-08-01'],
  'Microsoft.Web/sites': ['2021-03-01', '2022-03-01', '2022-09-01', '2023-01-01', '2023-12-01', '2024-04-01', '2024-11-01', '2025-03-01', '2025-05-01'],
};

export interface ArmRequestContext {
  state: ArmState;
  /** Query parameters, keys decoded; look them up with `param`. */
  query: URLSearchParams;
  /** https://<host as the client sent it>: where nextLinks point. */
  origin: string;
  path: string;
  pageSize: number;
  /** The stand-in's port when it is not 443: written into data-plane endpoints it hands out. */
  port: number | undefined;
  /** The request body as sent (empty for none). */
  body: string;
  /** Resolves sites' and slots' Key Vault references. */
  references: SiteReferences;
  /** ARM's 404 for a subscription or resource group that does not exist. */
  requireGroup(subscriptionId: string, group: string): void;
}

export interface Route {
  operation: ArmOperation;
  family: Family;
  /** GET when absent. */
  method?: 'POST';
  run(context: ArmRequestContext): unknown;
}

/** A query parameter by name, case-insensitively ($skipToken and $skiptoken are both sent). */
export function param(query: URLSearchParams, name: string): string | undefined {
  for (const [k, v] of query) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

const S = '([^/]+)';

function decodedPath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname).replace(/\/+$/, '') || '/';
  } catch {
    return undefined;
  }
}

export function matchRoute(pathname: string): Route | undefined {
  const path = decodedPath(pathname);
  if (path === undefined) return undefined;
  const served = matchStorageRoute(path) ?? matchSiteRoute(path);
  if (served) return served;
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^/subscriptions/${S}/resourceGroups/${S}/providers/Microsoft\\.KeyVault/vaults/${S}$`, 'i').exec(path))) {
    const [, sub, group, name] = m as unknown as [string, string, string, string];
    return { operation: 'vaults.get', family: 'Microsoft.KeyVault/vaults', run: (c) => vaultBody(findVault(c.state, sub, group, name)) };
  }
  if ((m = new RegExp(`^/subscriptions/${S}/providers/Microsoft\\.KeyVault/vaults$`, 'i').exec(path))) {
    const sub = m[1]!;
    return {
      operation: 'vaults.listBySubscription',
      family: 'Microsoft.KeyVault/vaults',
      run: (c) => {
        requireSubscription(c.state, sub);
        return page(c, [...c.state.vaults.values()].filter((v) => v.subscriptionId === sub.toLowerCase()), (v) => key(v.id), vaultBody, topOf(c));
      },
    };
  }
  if ((m = new RegExp(`^/subscriptions/${S}/resourceGroups/${S}/providers/Microsoft\\.KeyVault/vaults$`, 'i').exec(path))) {
    const [, sub, group] = m as unknown as [string, string, string];
    return {
      operation: 'vaults.listByResourceGroup',
      family: 'Microsoft.KeyVault/vaults',
      run: (c) => {
        requireGroup(c.state, sub, group);
        const prefix = key(scopeId({ kind: 'resourceGroup', subscriptionId: sub, resourceGroup: group })) + '/';
        return page(c, [...c.state.vaults.values()].filter((v) => key(v.id).startsWith(prefix)), (v) => key(v.id), vaultBody, topOf(c));
      },
    };
  }
  if ((m = /^(.*)\/providers\/Microsoft\.Insights\/diagnosticSettings(?:\/([^/]+))?$/i.exec(path))) {
    const [, resource, name] = m as unknown as [string, string, string | undefined];
    return {
      operation: name === undefined ? 'diagnosticSettings.list' : 'diagnosticSettings.get',
      family: 'Microsoft.Insights/diagnosticSettings',
      run: (c) => {
        const vault = vaultAt(c.state, resource);
        const settings = [...(c.state.diagnosticSettings.get(key(vault.id))?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
        if (name === undefined) return { value: settings.map((s) => diagnosticSettingBody(vault.id, s)) };
        const setting = settings.find((s) => s.name.toLowerCase() === name.toLowerCase());
        if (!setting) throw new ArmError(404, 'ResourceNotFound', `The diagnostic setting '${name}' doesn't exist.`);
        return diagnosticSettingBody(vault.id, setting);
      },
    };
  }
  if ((m = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments$/i.exec(path))) {
    const scopeText = m[1]!;
    return {
      operation: 'roleAssignments.listForScope',
      family: 'Microsoft.Authorization',
      run: (c) => {
        const scope = existingScope(c.state, scopeText);
        const filter = parseAssignmentFilter(param(c.query, '$filter'));
        const assignments = c.state.assignmentsFor(scope, filter.atScope).filter((a) => filter.principalId === undefined || a.principalId === filter.principalId);
        const context = subscriptionIdOf(scope);
        return page(c, assignments, (a) => a.name, (a) => roleAssignmentBody(a, context));
      },
    };
  }
  if ((m = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignmentScheduleInstances$/i.exec(path))) {
    const scopeText = m[1]!;
    return {
      operation: 'roleAssignmentScheduleInstances.listForScope',
      family: 'Microsoft.Authorization/roleAssignmentScheduleInstances',
      run: (c) => {
        const scope = existingScope(c.state, scopeText);
        const filter = parseAssignmentFilter(param(c.query, '$filter'));
        const assignments = c.state.assignmentsFor(scope, filter.atScope).filter((a) => filter.principalId === undefined || a.principalId === filter.principalId);
        const context = subscriptionIdOf(scope);
        return page(c, assignments, (a) => a.name, (a) => assignmentScheduleInstanceBody(c.state, a, context));
      },
    };
  }
  if ((m = /^(.*)\/providers\/Microsoft\.Authorization\/roleEligibilityScheduleInstances$/i.exec(path))) {
    const scopeText = m[1]!;
    return {
      operation: 'roleEligibilityScheduleInstances.listForScope',
      family: 'Microsoft.Authorization/roleEligibilityScheduleInstances',
      run: (c) => {
        const scope = existingScope(c.state, scopeText);
        const filter = parseAssignmentFilter(param(c.query, '$filter'));
        const eligibilities = c.state.eligibilitiesFor(scope, filter.atScope).filter((e) => filter.principalId === undefined || e.principalId === filter.principalId);
        const context = subscriptionIdOf(scope);
        return page(c, eligibilities, (e) => e.name, (e) => eligibilityScheduleInstanceBody(c.state, e, context));
      },
    };
  }
  if ((m = /^(.*)\/providers\/Microsoft\.Authorization\/denyAssignments$/i.exec(path))) {
    const scopeText = m[1]!;
    return {
      operation: 'denyAssignments.listForScope',
      family: 'Microsoft.Authorization',
      run: (c) => {
        const scope = existingScope(c.state, scopeText);
        const filter = parseDenyFilter(param(c.query, '$filter'));
        const denies = c.state
          .denyAssignmentsFor(scope, filter.atScope)
          .filter((d) => filter.principalId === undefined || d.principals.some((p) => p.id === filter.principalId))
          .filter((d) => filter.name === undefined || d.denyAssignmentName.toLowerCase() === filter.name.toLowerCase());
        return page(c, denies, (d) => d.name, denyAssignmentBody);
      },
    };
  }
  if ((m = /^(.*)\/providers\/Microsoft\.Authorization\/roleDefinitions(?:\/([^/]+))?$/i.exec(path))) {
    const [, scopeText, id] = m as unknown as [string, string, string | undefined];
    return {
      operation: id === undefined ? 'roleDefinitions.list' : 'roleDefinitions.get',
      family: 'Microsoft.Authorization',
      run: (c) => {
        const scope = existingScope(c.state, scopeText);
        const context = subscriptionIdOf(scope);
        if (id !== undefined) {
          const role = c.state.roleDefinition(id);
          if (!role || !assignableAt(c.state, role, scope)) throw armErrors.roleDefinitionNotFound(id);
          return roleDefinitionBody(role, context);
        }
        const filter = param(c.query, '$filter');
        const byName = filter === undefined ? undefined : /^roleName eq '([^']*)'$/i.exec(filter.trim())?.[1];
        if (filter !== undefined && byName === undefined) throw armErrors.invalidFilter(filter);
        const roles = [...BUILT_IN_ROLES, ...c.state.customRoles.values()].filter((role) => assignableAt(c.state, role, scope) && (byName === undefined || role.roleName.toLowerCase() === byName.toLowerCase()));
        return { value: roles.sort((a, b) => a.id.localeCompare(b.id)).map((role) => roleDefinitionBody(role, context)) };
      },
    };
  }
  return undefined;
}


function requireSubscription(state: ArmState, subscriptionId: string): void {
  if (!state.subscription(subscriptionId)) throw armErrors.subscriptionNotFound(subscriptionId);
}

export function requireGroup(state: ArmState, subscriptionId: string, group: string): void {
  requireSubscription(state, subscriptionId);
  if (!state.resourceGroups.has(key(scopeId({ kind: 'resourceGroup', subscriptionId, resourceGroup: group })))) throw armErrors.resourceGroupNotFound(group);
}

function findVault(state: ArmState, subscriptionId: string, group: string, name: string): StoredVault {
  requireGroup(state, subscriptionId, group);
  const vault = state.vaults.get(key(vaultId(subscriptionId, group, name)));
  if (!vault) throw armErrors.resourceNotFound('Microsoft.KeyVault/vaults', name, group);
  return vault;
}

function vaultAt(state: ArmState, resource: string): StoredVault {
  const scope = parseScope(resource);
  if (!scope || scope.kind !== 'resource') throw armErrors.unknownPath(`${resource}/providers/Microsoft.Insights/diagnosticSettings`);
  if (scope.namespace.toLowerCase() !== 'microsoft.keyvault' || scope.type.toLowerCase() !== 'vaults') {
    throw armErrors.resourceNotFound(`${scope.namespace}/${scope.type}`, scope.name, scope.resourceGroup);
  }
  return findVault(state, scope.subscriptionId, scope.resourceGroup, scope.name);
}

/** The scope of an authorization read; a subscription, group or vault that does not exist is ARM's 404. */
function existingScope(state: ArmState, text: string): Scope {
  const scope = parseScope(text);
  if (!scope) throw armErrors.unknownPath(text);
  if (scope.kind === 'subscription') requireSubscription(state, scope.subscriptionId);
  if (scope.kind === 'resourceGroup') requireGroup(state, scope.subscriptionId, scope.resourceGroup);
  if (scope.kind === 'resource') {
    requireGroup(state, scope.subscriptionId, scope.resourceGroup);
    if (scope.namespace.toLowerCase() === 'microsoft.keyvault' && scope.type.toLowerCase() === 'vaults') findVault(state, scope.subscriptionId, scope.resourceGroup, scope.name);
  }
  if (scope.kind === 'managementGroup' && !state.knownManagementGroup(scope.name)) throw new ArmError(404, 'ManagementGroupNotFound', `The management group '${scope.name}' could not be found.`);
  return scope;
}

function assignableAt(state: ArmState, role: RoleDefinitionRecord, scope: Scope): boolean {
  const chain = new Set(state.ancestry(scope).map(key));
  return role.assignableScopes.some((assignable) => chain.has(key(assignable)));
}

interface AssignmentFilter {
  atScope: boolean;
  principalId?: string;
}

/** atScope(), principalId eq '<id>', assignedTo('<id>'), joined with 'and'. */
export function parseAssignmentFilter(filter: string | undefined): AssignmentFilter {
  if (filter === undefined || filter.trim() === '') return { atScope: false };
  const result: AssignmentFilter = { atScope: false };
  for (const term of filter.split(/\s+and\s+/i)) {
    const t = term.trim();
    let m: RegExpExecArray | null;
    if (/^atScope\(\)$/i.test(t)) result.atScope = true;
    // The docs write it with and without quotes (principalId eq '<id>', principalId eq <id>).
    else if ((m = /^principalId\s+eq\s+'?([0-9a-f-]{36})'?$/i.exec(t))) result.principalId = m[1]!.toLowerCase();
    else if ((m = /^assignedTo\('([0-9a-f-]{36})'\)$/i.exec(t))) {
      result.principalId = m[1]!.toLowerCase();
      result.atScope = true;
    } else throw armErrors.invalidFilter(filter);
  }
  return result;
}

interface DenyFilter {
  atScope: boolean;
  principalId?: string;
  name?: string;
}

/** Deny assignments' filters: atScope(), principalId eq '<id>', denyAssignmentName eq '<name>' (gdprExportPrincipalId is not served). */
export function parseDenyFilter(filter: string | undefined): DenyFilter {
  if (filter === undefined || filter.trim() === '') return { atScope: false };
  const t = filter.trim();
  let m: RegExpExecArray | null;
  if (/^atScope\(\)$/i.test(t)) return { atScope: true };
  if ((m = /^principalId\s+eq\s+'?([0-9a-f-]{36})'?$/i.exec(t))) return { atScope: false, principalId: m[1]!.toLowerCase() };
  if ((m = /^denyAssignmentName\s+eq\s+'([^']{1,256})'$/i.exec(t))) return { atScope: true, name: m[1]! };
  throw armErrors.invalidDenyFilter(filter);
}

function topOf(context: ArmRequestContext): number | undefined {
  const raw = param(context.query, '$top');
  if (raw === undefined) return undefined;
  const top = Number(raw);
  if (!/^\d+$/.test(raw) || top < 1 || top > 1000) throw armErrors.invalidTop();
  return top;
}

/**
 * Keyset paging: items sorted by key, a page after the last key the token names, and an
 * absolute nextLink on the host the client called, carrying api-version, $filter and $top.
 */
function page<T>(context: ArmRequestContext, items: T[], keyOf: (item: T) => string, present: (item: T) => unknown, top?: number): { value: unknown[]; nextLink?: string } {
  const size = Math.min(top ?? context.pageSize, context.pageSize);
  const token = param(context.query, '$skipToken');
  let after: string | undefined;
  if (token !== undefined) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
      if (typeof parsed.after !== 'string') throw new Error('no key');
      after = parsed.after;
    } catch {
      throw armErrors.invalidSkipToken();
    }
  }
  const sorted = [...items].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  const rest = after === undefined ? sorted : sorted.filter((item) => keyOf(item).localeCompare(after) > 0);
  const chunk = rest.slice(0, size);
  const body: { value: unknown[]; nextLink?: string } = { value: chunk.map(present) };
  if (rest.length > chunk.length && chunk.length > 0) {
    const next = new URL(`${context.origin}${context.path}`);
    for (const [name, value] of context.query) if (name.toLowerCase() !== '$skiptoken') next.searchParams.append(name, value);
    next.searchParams.set('$skipToken', Buffer.from(JSON.stringify({ after: keyOf(chunk[chunk.length - 1]!) }), 'utf8').toString('base64url'));
    body.nextLink = next.href;
  }
  return body;
}

function definitionIdFor(roleId: string, subscriptionId: string | undefined): string {
  return `${subscriptionId ? `/subscriptions/${subscriptionId}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}

export function vaultBody(vault: StoredVault): unknown {
  return {
    id: vault.id,
    name: vault.name,
    type: 'Microsoft.KeyVault/vaults',
    location: vault.location,
    tags: vault.tags,
    systemData: { createdBy: 'arm-standin', createdByType: 'Application', createdAt: vault.createdAt, lastModifiedBy: 'arm-standin', lastModifiedByType: 'Application', lastModifiedAt: vault.createdAt },
    properties: {
      sku: { family: 'A', name: vault.sku },
      tenantId: vault.tenantId,
      accessPolicies: vault.accessPolicies.map((policy) => ({
        tenantId: policy.tenantId,
        objectId: policy.objectId,
        ...(policy.applicationId ? { applicationId: policy.applicationId } : {}),
        permissions: {
          keys: policy.permissions.keys ?? [],
          secrets: policy.permissions.secrets ?? [],
          certificates: policy.permissions.certificates ?? [],
          ...(policy.permissions.storage ? { storage: policy.permissions.storage } : {}),
        },
      })),
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      ...(vault.enableSoftDelete !== null ? { enableSoftDelete: vault.enableSoftDelete } : {}),
      ...(vault.softDeleteRetentionInDays !== null ? { softDeleteRetentionInDays: vault.softDeleteRetentionInDays } : {}),
      ...(vault.enableRbacAuthorization !== null ? { enableRbacAuthorization: vault.enableRbacAuthorization } : {}),
      ...(vault.enablePurgeProtection !== null ? { enablePurgeProtection: vault.enablePurgeProtection } : {}),
      vaultUri: vault.vaultUri,
      provisioningState: 'Succeeded',
      ...(vault.publicNetworkAccess !== null ? { publicNetworkAccess: vault.publicNetworkAccess } : {}),
      ...(vault.networkAcls
        ? {
            networkAcls: {
              bypass: vault.networkAcls.bypass ?? 'AzureServices',
              defaultAction: vault.networkAcls.defaultAction,
              ipRules: vault.networkAcls.ipRules ?? [],
              virtualNetworkRules: vault.networkAcls.virtualNetworkRules ?? [],
            },
          }
        : {}),
    },
  };
}

export function roleAssignmentBody(assignment: StoredRoleAssignment, contextSubscription: string | undefined): unknown {
  return {
    properties: {
      roleDefinitionId: definitionIdFor(assignment.roleDefinitionId, contextSubscription),
      principalId: assignment.principalId,
      principalType: assignment.principalType,
      scope: assignment.scope,
      condition: assignment.condition ?? null,
      conditionVersion: assignment.condition ? '2.0' : null,
      createdOn: assignment.createdOn,
      updatedOn: assignment.createdOn,
      createdBy: null,
      updatedBy: null,
      delegatedManagedIdentityResourceId: null,
      description: assignment.description ?? null,
    },
    id: `${assignment.scope === '/' ? '' : assignment.scope}/providers/Microsoft.Authorization/roleAssignments/${assignment.name}`,
    type: 'Microsoft.Authorization/roleAssignments',
    name: assignment.name,
  };
}

/** PIM's expandedProperties: what the instance names, with display names the stand-in knows (roles; scopes and principals by id). */
function expandedProperties(state: ArmState, item: { scope: string; roleDefinitionId: string; principalId: string; principalType: string }, contextSubscription: string | undefined): unknown {
  const role = state.roleDefinition(item.roleDefinitionId);
  const scope = parseScope(item.scope);
  return {
    scope: { id: item.scope, displayName: item.scope.slice(item.scope.lastIndexOf('/') + 1) || 'Root', type: scope?.kind === 'resource' ? `${scope.namespace}/${scope.type}` : (scope?.kind ?? 'root').toLowerCase() },
    roleDefinition: { id: definitionIdFor(item.roleDefinitionId, contextSubscription), displayName: role?.roleName ?? item.roleDefinitionId, type: role?.type ?? 'CustomRole' },
    principal: { id: item.principalId, displayName: item.principalId, type: item.principalType },
  };
}

const instanceIdFor = (scope: string, collection: string, name: string): string => `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/${collection}/${name}`;

/** An active assignment's schedule instance: PIM names the assignment it stands for (originRoleAssignmentId) and shares its name. */
export function assignmentScheduleInstanceBody(state: ArmState, assignment: StoredRoleAssignment, contextSubscription: string | undefined): unknown {
  return {
    properties: {
      scope: assignment.scope,
      roleDefinitionId: definitionIdFor(assignment.roleDefinitionId, contextSubscription),
      principalId: assignment.principalId,
      principalType: assignment.principalType,
      roleAssignmentScheduleId: instanceIdFor(assignment.scope, 'roleAssignmentSchedules', assignment.name),
      originRoleAssignmentId: instanceIdFor(assignment.scope, 'roleAssignments', assignment.name),
      status: 'Provisioned',
      startDateTime: assignment.startDateTime ?? assignment.createdOn,
      endDateTime: assignment.endDateTime ?? null,
      linkedRoleEligibilityScheduleId: null,
      linkedRoleEligibilityScheduleInstanceId: null,
      assignmentType: assignment.assignmentType ?? 'Assigned',
      memberType: 'Direct',
      condition: assignment.condition ?? null,
      conditionVersion: assignment.condition ? '2.0' : null,
      createdOn: assignment.createdOn,
      expandedProperties: expandedProperties(state, assignment, contextSubscription),
    },
    name: assignment.name,
    id: instanceIdFor(assignment.scope, 'roleAssignmentScheduleInstances', assignment.name),
    type: 'Microsoft.Authorization/roleAssignmentScheduleInstances',
  };
}

export function eligibilityScheduleInstanceBody(state: ArmState, eligibility: StoredRoleEligibility, contextSubscription: string | undefined): unknown {
  return {
    properties: {
      scope: eligibility.scope,
      roleDefinitionId: definitionIdFor(eligibility.roleDefinitionId, contextSubscription),
      principalId: eligibility.principalId,
      principalType: eligibility.principalType,
      roleEligibilityScheduleId: instanceIdFor(eligibility.scope, 'roleEligibilitySchedules', eligibility.name),
      status: 'Provisioned',
      startDateTime: eligibility.startDateTime ?? eligibility.createdOn,
      endDateTime: eligibility.endDateTime ?? null,
      memberType: eligibility.memberType ?? 'Direct',
      condition: eligibility.condition ?? null,
      conditionVersion: eligibility.condition ? '2.0' : null,
      createdOn: eligibility.createdOn,
      expandedProperties: expandedProperties(state, eligibility, contextSubscription),
    },
    name: eligibility.name,
    id: instanceIdFor(eligibility.scope, 'roleEligibilityScheduleInstances', eligibility.name),
    type: 'Microsoft.Authorization/roleEligibilityScheduleInstances',
  };
}

export function denyAssignmentBody(deny: StoredDenyAssignment): unknown {
  return {
    properties: {
      denyAssignmentName: deny.denyAssignmentName,
      description: deny.description ?? null,
      permissions: deny.permissions.map((p) => ({ actions: p.actions, notActions: p.notActions, dataActions: p.dataActions, notDataActions: p.notDataActions, condition: null, conditionVersion: null })),
      scope: deny.scope,
      doNotApplyToChildScopes: deny.doNotApplyToChildScopes ?? false,
      principals: deny.principals.map((p) => ({ id: p.id, type: p.type })),
      excludePrincipals: (deny.excludePrincipals ?? []).map((p) => ({ id: p.id, type: p.type })),
      isSystemProtected: deny.isSystemProtected ?? true,
      condition: null,
      conditionVersion: null,
      createdOn: deny.createdOn,
      updatedOn: deny.createdOn,
      createdBy: null,
      updatedBy: null,
    },
    id: instanceIdFor(deny.scope, 'denyAssignments', deny.name),
    type: 'Microsoft.Authorization/denyAssignments',
    name: deny.name,
  };
}

export function roleDefinitionBody(role: RoleDefinitionRecord, contextSubscription: string | undefined): unknown {
  return {
    properties: {
      roleName: role.roleName,
      type: role.type,
      description: role.description,
      assignableScopes: role.assignableScopes,
      permissions: role.permissions.map((p) => ({ actions: p.actions, notActions: p.notActions, dataActions: p.dataActions, notDataActions: p.notDataActions, ...(p.condition ? { condition: p.condition, conditionVersion: p.conditionVersion } : {}) })),
      createdOn: role.createdOn,
      updatedOn: role.updatedOn,
      createdBy: null,
      updatedBy: null,
    },
    id: definitionIdFor(role.id, contextSubscription),
    type: 'Microsoft.Authorization/roleDefinitions',
    name: role.id,
  };
}

export function diagnosticSettingBody(resourceId: string, setting: SeedDiagnosticSetting): unknown {
  const retentionPolicy = { enabled: false, days: 0 };
  return {
    id: `${resourceId}/providers/microsoft.insights/diagnosticSettings/${setting.name}`,
    type: 'Microsoft.Insights/diagnosticSettings',
    name: setting.name,
    properties: {
      storageAccountId: setting.storageAccountId ?? null,
      serviceBusRuleId: null,
      workspaceId: setting.workspaceId ?? null,
      eventHubAuthorizationRuleId: setting.eventHubAuthorizationRuleId ?? null,
      eventHubName: setting.eventHubName ?? null,
      metrics: (setting.metrics ?? []).map((metric) => ({ category: metric.category, enabled: metric.enabled, retentionPolicy })),
      logs: (setting.logs ?? []).map((log) => ({ category: log.category ?? null, categoryGroup: log.categoryGroup ?? null, enabled: log.enabled, retentionPolicy })),
      logAnalyticsDestinationType: null,
    },
  };
}
