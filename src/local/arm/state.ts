/**
 * Everything the ARM stand-in holds: subscriptions and their management-group ancestry,
 * resource groups, vaults, diagnostic settings, custom role definitions, role
 * assignments (each with PIM's schedule view), PIM-eligible assignments, deny assignments, storage accounts with their keys, and sites with their app settings, connection
 * strings and deployment slots. A seed is checked whole (shape, then references) before any of it is stored.
 */
import { createHash } from 'node:crypto';
import { REFERENCE_SOURCES, siteId, slotId, valuesOf, type StoredApp, type StoredSite } from './sites.js';
import { newStorageKeys, storageAccountId, type StoredStorageAccount } from './storage.js';
import { BUILT_IN_ROLES, type RoleDefinitionRecord } from './built-in-roles.js';
import { ARM_TENANT_ID, DEFAULT_LOCATION } from './options.js';
import { isBelow, key, parseScope, scopeId, subscriptionIdOf, vaultId, type Scope } from './scopes.js';
import {
  InvalidSeedError,
  parseArmSeed,
  type SeedAccessPolicy,
  type SeedDenyAssignment,
  type SeedDiagnosticSetting,
  type SeedNetworkAcls,
  type SeedProblem,
  type SeedRoleAssignment,
  type SeedRoleEligibility,
  type SeedSite,
  type SeedSlot,
  type SeedSubscription,
} from './seed.js';

export interface StoredSubscription {
  subscriptionId: string;
  displayName: string;
  tenantId: string;
  managementGroups: string[];
}

export interface StoredResourceGroup {
  subscriptionId: string;
  name: string;
  location: string;
}

export interface StoredVault {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tenantId: string;
  sku: 'standard' | 'premium';
  tags: Record<string, string>;
  vaultUri: string;
  enableRbacAuthorization: boolean | null;
  accessPolicies: SeedAccessPolicy[];
  enableSoftDelete: boolean | null;
  softDeleteRetentionInDays: number | null;
  enablePurgeProtection: boolean | null;
  publicNetworkAccess: 'Enabled' | 'Disabled' | null;
  networkAcls: SeedNetworkAcls | null;
  createdAt: string;
}

export interface StoredRoleAssignment extends Omit<SeedRoleAssignment, 'name' | 'createdOn'> {
  name: string;
  /** In ARM's casing. */
  scope: string;
  createdOn: string;
}

export interface StoredRoleEligibility extends Omit<SeedRoleEligibility, 'name'> {
  name: string;
  scope: string;
  createdOn: string;
}

export interface StoredDenyAssignment extends Omit<SeedDenyAssignment, 'name'> {
  name: string;
  scope: string;
  createdOn: string;
}

/** Still in force at `now`: no end, or an end still ahead (PIM removes what has ended). */
export function inForce(item: { endDateTime?: string | undefined }, now: Date): boolean {
  return item.endDateTime === undefined || Date.parse(item.endDateTime) > now.getTime();
}

export interface SeedResult {
  subscriptions: number;
  resourceGroups: number;
  vaults: number;
  diagnosticSettings: number;
  roleDefinitions: number;
  roleAssignments: number;
  roleEligibilities: number;
  denyAssignments: number;
  storageAccounts: number;
  sites: number;
}

/** Bicep's guid(): a name-based GUID, so seeding the same assignment twice names it once. */
export function deterministicGuid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.map((part) => part.toLowerCase()).join('\n')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An app's settings, connection strings and identity from its seed; what it resolved before is kept for values that did not change. */
function configOf(seeded: SeedSite | SeedSlot, before: StoredApp | undefined): Pick<StoredApp, 'identity' | 'appSettings' | 'connectionStrings' | 'references'> {
  const app: Pick<StoredApp, 'identity' | 'appSettings' | 'connectionStrings' | 'references'> = {
    identity: seeded.identity ?? 'SystemAssigned',
    appSettings: new Map(Object.entries(seeded.appSettings ?? {})),
    connectionStrings: new Map(Object.entries(seeded.connectionStrings ?? {}).map(([name, cs]) => [name, { value: cs.value, type: cs.type ?? 'Custom' }])),
    references: { appsettings: new Map(), connectionstrings: new Map() },
  };
  for (const source of REFERENCE_SOURCES) {
    const now = valuesOf(app as StoredApp, source);
    const then = before ? valuesOf(before, source) : new Map<string, string>();
    for (const [name, cached] of before?.references[source] ?? []) if (then.get(name) === now.get(name)) app.references[source].set(name, cached);
  }
  return app;
}

export class ArmState {
  readonly subscriptions = new Map<string, StoredSubscription>();
  readonly resourceGroups = new Map<string, StoredResourceGroup>();
  readonly vaults = new Map<string, StoredVault>();
  /** By vault id, then by setting name (both lower-cased). */
  readonly diagnosticSettings = new Map<string, Map<string, SeedDiagnosticSetting>>();
  readonly customRoles = new Map<string, RoleDefinitionRecord>();
  readonly roleAssignments = new Map<string, StoredRoleAssignment>();
  readonly roleEligibilities = new Map<string, StoredRoleEligibility>();
  readonly denyAssignments = new Map<string, StoredDenyAssignment>();
  readonly storageAccounts = new Map<string, StoredStorageAccount>();
  readonly sites = new Map<string, StoredSite>();

  constructor(readonly now: () => Date = () => new Date()) {}

  reset(): void {
    this.subscriptions.clear();
    this.resourceGroups.clear();
    this.vaults.clear();
    this.diagnosticSettings.clear();
    this.customRoles.clear();
    this.roleAssignments.clear();
    this.roleEligibilities.clear();
    this.denyAssignments.clear();
    this.storageAccounts.clear();
    this.sites.clear();
  }

  roleDefinition(id: string): RoleDefinitionRecord | undefined {
    return BUILT_IN_ROLES.find((role) => role.id === id.toLowerCase()) ?? this.customRoles.get(id.toLowerCase());
  }

  subscription(id: string): StoredSubscription | undefined {
    return this.subscriptions.get(key(id));
  }

  /** A scope and every scope above it, nearest first: what atScope() matches. */
  ancestry(scope: Scope): string[] {
    const chain: string[] = [];
    const subscriptionId = subscriptionIdOf(scope);
    if (scope.kind === 'resource') chain.push(scopeId(scope), scopeId({ kind: 'resourceGroup', subscriptionId: scope.subscriptionId, resourceGroup: scope.resourceGroup }));
    if (scope.kind === 'resourceGroup') chain.push(scopeId(scope));
    if (subscriptionId) {
      chain.push(scopeId({ kind: 'subscription', subscriptionId }));
      for (const name of this.subscription(subscriptionId)?.managementGroups ?? []) chain.push(scopeId({ kind: 'managementGroup', name }));
    }
    if (scope.kind === 'managementGroup') {
      chain.push(scopeId(scope));
      for (const sub of this.subscriptions.values()) {
        const at = sub.managementGroups.findIndex((name) => name.toLowerCase() === scope.name.toLowerCase());
        if (at >= 0) {
          for (const name of sub.managementGroups.slice(at + 1)) chain.push(scopeId({ kind: 'managementGroup', name }));
          break;
        }
      }
    }
    chain.push('/');
    return [...new Set(chain)];
  }

  /** Role assignments in force for a list at `scope`: at and above it (atScope()), or also below it. */
  assignmentsFor(scope: Scope, atScopeOnly: boolean): StoredRoleAssignment[] {
    return this.#listedAt([...this.roleAssignments.values()], scope, atScopeOnly).filter((a) => inForce(a, this.now()));
  }

  /** Eligible assignments in force, listed as assignmentsFor lists role assignments. */
  eligibilitiesFor(scope: Scope, atScopeOnly: boolean): StoredRoleEligibility[] {
    return this.#listedAt([...this.roleEligibilities.values()], scope, atScopeOnly).filter((e) => inForce(e, this.now()));
  }

  denyAssignmentsFor(scope: Scope, atScopeOnly: boolean): StoredDenyAssignment[] {
    return this.#listedAt([...this.denyAssignments.values()], scope, atScopeOnly);
  }

  #listedAt<T extends { scope: string; name: string }>(items: T[], scope: Scope, atScopeOnly: boolean): T[] {
    const above = new Set(this.ancestry(scope).map(key));
    const here = scopeId(scope);
    return items.filter((item) => above.has(key(item.scope)) || (!atScopeOnly && isBelow(item.scope, here))).sort((a, b) => a.name.localeCompare(b.name));
  }

  knownManagementGroup(name: string): boolean {
    return [...this.subscriptions.values()].some((sub) => sub.managementGroups.some((mg) => mg.toLowerCase() === name.toLowerCase()));
  }

  /** Checks everything, then applies everything; throws InvalidSeedError naming each bad field and stores nothing then. */
  apply(input: unknown): SeedResult {
    const seed = parseArmSeed(input);
    const problems: SeedProblem[] = [];
    const now = this.now().toISOString();

    const subscriptions = new Map<string, StoredSubscription>();
    const addSubscription = (sub: SeedSubscription): void => {
      const existing = subscriptions.get(key(sub.subscriptionId)) ?? this.subscription(sub.subscriptionId);
      subscriptions.set(key(sub.subscriptionId), {
        subscriptionId: sub.subscriptionId.toLowerCase(),
        displayName: sub.displayName ?? existing?.displayName ?? `Subscription ${sub.subscriptionId.slice(0, 8)}`,
        tenantId: sub.tenantId ?? existing?.tenantId ?? ARM_TENANT_ID,
        managementGroups: sub.managementGroups ?? existing?.managementGroups ?? [],
      });
    };
    for (const sub of seed.subscriptions ?? []) addSubscription(sub);
    const ensureSubscription = (subscriptionId: string): void => {
      if (!subscriptions.has(key(subscriptionId)) && !this.subscription(subscriptionId)) addSubscription({ subscriptionId });
    };

    const groups = new Map<string, StoredResourceGroup>();
    const ensureGroup = (subscriptionId: string, name: string, location?: string): void => {
      ensureSubscription(subscriptionId);
      const id = key(scopeId({ kind: 'resourceGroup', subscriptionId, resourceGroup: name }));
      const existing = groups.get(id) ?? this.resourceGroups.get(id);
      groups.set(id, { subscriptionId: subscriptionId.toLowerCase(), name: existing?.name ?? name, location: location ?? existing?.location ?? DEFAULT_LOCATION });
    };
    for (const group of seed.resourceGroups ?? []) ensureGroup(group.subscriptionId, group.name, group.location);

    const vaults = new Map<string, StoredVault>();
    for (const vault of seed.vaults ?? []) {
      ensureGroup(vault.subscriptionId, vault.resourceGroup);
      const id = vaultId(vault.subscriptionId.toLowerCase(), vault.resourceGroup, vault.name.toLowerCase());
      const tenantId = vault.tenantId ?? subscriptions.get(key(vault.subscriptionId))?.tenantId ?? this.subscription(vault.subscriptionId)?.tenantId ?? ARM_TENANT_ID;
      vaults.set(key(id), {
        id,
        subscriptionId: vault.subscriptionId.toLowerCase(),
        resourceGroup: vault.resourceGroup,
        name: vault.name.toLowerCase(),
        location: vault.location ?? DEFAULT_LOCATION,
        tenantId,
        sku: vault.sku ?? 'standard',
        tags: vault.tags ?? {},
        vaultUri: vault.vaultUri ? `${new URL(vault.vaultUri).origin}/` : `https://${vault.name.toLowerCase()}.vault.azure.net/`,
        enableRbacAuthorization: vault.enableRbacAuthorization === undefined ? true : vault.enableRbacAuthorization,
        accessPolicies: (vault.accessPolicies ?? []).map((policy) => ({ ...policy, tenantId: policy.tenantId ?? tenantId })),
        enableSoftDelete: vault.enableSoftDelete === undefined ? true : vault.enableSoftDelete,
        softDeleteRetentionInDays: vault.softDeleteRetentionInDays === undefined ? 90 : vault.softDeleteRetentionInDays,
        enablePurgeProtection: vault.enablePurgeProtection ?? null,
        publicNetworkAccess: vault.publicNetworkAccess === undefined ? 'Enabled' : vault.publicNetworkAccess,
        networkAcls: vault.networkAcls ?? null,
        createdAt: this.vaults.get(key(id))?.createdAt ?? now,
      });
    }
    const vaultExists = (id: string): boolean => vaults.has(key(id)) || this.vaults.has(key(id));
    const subscriptionExists = (id: string): boolean => subscriptions.has(key(id)) || this.subscription(id) !== undefined;
    const managementGroupExists = (name: string): boolean =>
      this.knownManagementGroup(name) || [...subscriptions.values()].some((sub) => sub.managementGroups.some((mg) => mg.toLowerCase() === name.toLowerCase()));
    const scopeProblem = (text: string): string | undefined => {
      const scope = parseScope(text);
      if (!scope) return 'is not an ARM scope (/, a management group, a subscription, a resource group or a resource id)';
      const subscriptionId = subscriptionIdOf(scope);
      if (subscriptionId && !subscriptionExists(subscriptionId)) return `subscription '${subscriptionId}' is not seeded`;
      if (scope.kind === 'managementGroup' && !managementGroupExists(scope.name)) return `management group '${scope.name}' is in no seeded subscription's managementGroups`;
      if (scope.kind === 'resource' && scope.namespace.toLowerCase() === 'microsoft.keyvault' && scope.type.toLowerCase() === 'vaults' && !vaultExists(scopeId(scope))) return 'no vault with this id is seeded';
      return undefined;
    };

    const customRoles = new Map<string, RoleDefinitionRecord>();
    (seed.roleDefinitions ?? []).forEach((role, index) => {
      if (BUILT_IN_ROLES.some((builtIn) => builtIn.id === role.id.toLowerCase())) problems.push({ path: `roleDefinitions[${index}].id`, message: 'is a built-in role id' });
      role.assignableScopes.forEach((scope, at) => {
        const problem = scopeProblem(scope);
        if (problem) problems.push({ path: `roleDefinitions[${index}].assignableScopes[${at}]`, message: problem });
      });
      customRoles.set(role.id.toLowerCase(), {
        id: role.id.toLowerCase(),
        roleName: role.roleName,
        description: role.description ?? '',
        type: 'CustomRole',
        assignableScopes: role.assignableScopes.map((scope) => scopeId(parseScope(scope) ?? { kind: 'root' })),
        permissions: role.permissions,
        createdOn: now,
        updatedOn: now,
      });
    });

    const diagnostics: Array<[string, SeedDiagnosticSetting]> = [];
    (seed.diagnosticSettings ?? []).forEach((setting, index) => {
      const scope = parseScope(setting.resourceId);
      if (!scope || scope.kind !== 'resource' || !vaultExists(scopeId(scope))) problems.push({ path: `diagnosticSettings[${index}].resourceId`, message: 'is not the id of a seeded vault' });
      else diagnostics.push([key(scopeId(scope)), setting]);
    });

    const assignments: StoredRoleAssignment[] = [];
    (seed.roleAssignments ?? []).forEach((assignment, index) => {
      const problem = scopeProblem(assignment.scope);
      if (problem) problems.push({ path: `roleAssignments[${index}].scope`, message: problem });
      if (!this.roleDefinition(assignment.roleDefinitionId) && !customRoles.has(assignment.roleDefinitionId.toLowerCase())) {
        problems.push({ path: `roleAssignments[${index}].roleDefinitionId`, message: 'is neither a built-in role nor a seeded custom role' });
      }
      if (problem) return;
      const scope = scopeId(parseScope(assignment.scope)!);
      assignments.push({
        ...assignment,
        scope,
        roleDefinitionId: assignment.roleDefinitionId.toLowerCase(),
        principalId: assignment.principalId.toLowerCase(),
        name: (assignment.name ?? deterministicGuid(scope, assignment.principalId, assignment.roleDefinitionId)).toLowerCase(),
        createdOn: assignment.createdOn ?? now,
      });
    });

    const eligibilities: StoredRoleEligibility[] = [];
    (seed.roleEligibilities ?? []).forEach((eligibility, index) => {
      const problem = scopeProblem(eligibility.scope);
      if (problem) problems.push({ path: `roleEligibilities[${index}].scope`, message: problem });
      if (!this.roleDefinition(eligibility.roleDefinitionId) && !customRoles.has(eligibility.roleDefinitionId.toLowerCase())) {
        problems.push({ path: `roleEligibilities[${index}].roleDefinitionId`, message: 'is neither a built-in role nor a seeded custom role' });
      }
      if (problem) return;
      const scope = scopeId(parseScope(eligibility.scope)!);
      eligibilities.push({
        ...eligibility,
        scope,
        roleDefinitionId: eligibility.roleDefinitionId.toLowerCase(),
        principalId: eligibility.principalId.toLowerCase(),
        name: (eligibility.name ?? deterministicGuid('eligibility', scope, eligibility.principalId, eligibility.roleDefinitionId)).toLowerCase(),
        createdOn: now,
      });
    });

    const denies: StoredDenyAssignment[] = [];
    (seed.denyAssignments ?? []).forEach((deny, index) => {
      const problem = scopeProblem(deny.scope);
      if (problem) {
        problems.push({ path: `denyAssignments[${index}].scope`, message: problem });
        return;
      }
      const scope = scopeId(parseScope(deny.scope)!);
      const lowerIds = (list: SeedDenyAssignment['principals']) => list.map((p) => ({ ...p, id: p.id.toLowerCase() }));
      denies.push({
        ...deny,
        scope,
        principals: lowerIds(deny.principals),
        ...(deny.excludePrincipals ? { excludePrincipals: lowerIds(deny.excludePrincipals) } : {}),
        name: (deny.name ?? deterministicGuid('deny', scope, deny.denyAssignmentName)).toLowerCase(),
        createdOn: now,
      });
    });

    // Seeding an account again keeps its keys, as a redeployment does; a new account gets fresh ones.
    const storageAccounts = new Map<string, StoredStorageAccount>();
    for (const account of seed.storageAccounts ?? []) {
      ensureGroup(account.subscriptionId, account.resourceGroup);
      const id = storageAccountId(account.subscriptionId.toLowerCase(), account.resourceGroup, account.name);
      const existing = this.storageAccounts.get(key(id));
      // Account names are global: one name, one account, whatever its group or subscription.
      const taken = [...storageAccounts.values(), ...this.storageAccounts.values()].find((other) => other.name === account.name && key(other.id) !== key(id));
      if (taken) problems.push({ path: `storageAccounts[${seed.storageAccounts!.indexOf(account)}].name`, message: `is taken by ${taken.id}: storage account names are global` });
      storageAccounts.set(key(id), {
        id,
        subscriptionId: account.subscriptionId.toLowerCase(),
        resourceGroup: account.resourceGroup,
        name: account.name,
        location: account.location ?? DEFAULT_LOCATION,
        kind: account.kind ?? 'StorageV2',
        sku: account.sku ?? 'Standard_LRS',
        tags: account.tags ?? {},
        keys: existing?.keys ?? newStorageKeys(now),
        createdAt: existing?.createdAt ?? now,
      });
    }

    // A site or slot seeded again keeps what it resolved for values that did not change.
    const sites = new Map<string, StoredSite>();
    for (const site of seed.sites ?? []) {
      ensureGroup(site.subscriptionId, site.resourceGroup);
      const subscriptionId = site.subscriptionId.toLowerCase();
      const name = site.name.toLowerCase();
      const id = siteId(subscriptionId, site.resourceGroup, name);
      const existing = this.sites.get(key(id));
      const tenantId = subscriptions.get(key(site.subscriptionId))?.tenantId ?? this.subscription(site.subscriptionId)?.tenantId ?? ARM_TENANT_ID;
      const common = { subscriptionId, resourceGroup: site.resourceGroup, name, kind: site.kind ?? 'app', location: site.location ?? DEFAULT_LOCATION, tenantId };
      const slots = new Map<string, StoredApp>();
      for (const slot of site.slots ?? []) {
        const slotName = slot.name.toLowerCase();
        const id = slotId(subscriptionId, site.resourceGroup, name, slotName);
        const before = existing?.slots.get(slotName);
        slots.set(slotName, { ...common, id, slot: slotName, ...configOf(slot, before), principalId: before?.principalId ?? deterministicGuid('site-identity', id), createdAt: before?.createdAt ?? now });
      }
      sites.set(key(id), { ...common, id, ...configOf(site, existing), principalId: existing?.principalId ?? deterministicGuid('site-identity', id), slots, createdAt: existing?.createdAt ?? now });
    }

    if (problems.length > 0) throw new InvalidSeedError(problems);

    for (const [id, sub] of subscriptions) this.subscriptions.set(id, sub);
    for (const [id, group] of groups) this.resourceGroups.set(id, group);
    for (const [id, vault] of vaults) this.vaults.set(id, vault);
    for (const [id, role] of customRoles) this.customRoles.set(id, role);
    for (const [vault, setting] of diagnostics) {
      const settings = this.diagnosticSettings.get(vault) ?? new Map<string, SeedDiagnosticSetting>();
      settings.set(setting.name.toLowerCase(), setting);
      this.diagnosticSettings.set(vault, settings);
    }
    for (const assignment of assignments) this.roleAssignments.set(assignment.name, assignment);
    for (const eligibility of eligibilities) this.roleEligibilities.set(eligibility.name, eligibility);
    for (const deny of denies) this.denyAssignments.set(deny.name, deny);
    for (const [id, account] of storageAccounts) this.storageAccounts.set(id, account);
    for (const [id, site] of sites) this.sites.set(id, site);
    return {
      subscriptions: subscriptions.size,
      resourceGroups: groups.size,
      vaults: vaults.size,
      diagnosticSettings: diagnostics.length,
      roleDefinitions: customRoles.size,
      roleAssignments: assignments.length,
      roleEligibilities: eligibilities.length,
      denyAssignments: denies.length,
      storageAccounts: storageAccounts.size,
      sites: sites.size,
    };
  }
}
