/**
 * VaultAccessSource over ARM with the real clients: vaults.get (@azure/arm-keyvault),
 * roleAssignments.listForScope with atScope() and roleDefinitions.get, PIM's
 * roleAssignmentScheduleInstances and roleEligibilityScheduleInstances (api-version 2020-10-01)
 * and denyAssignments (2022-04-01), each listForScope with atScope() (@azure/arm-authorization 9),
 * and diagnostic settings through the generic ServiceClient. Reader on the vault covers all of
 * them (its '*\/read' matches Microsoft.Authorization/roleAssignmentScheduleInstances/read,
 * roleEligibilityScheduleInstances/read and denyAssignments/read).
 * Errors are rebuilt from status and code alone (a RestError keeps the request it failed on):
 * 404 is NotFoundError, 401/403 and other refusals are permanent, 429, 5xx and network
 * failures transient.
 */
import { createPipelineRequest, isRestError, RestError } from '@azure/core-rest-pipeline';
import { NotFoundError, PermanentDependencyError, TransientDependencyError } from '../../core/errors.js';
import type {
  AccessPolicyEntry,
  ActiveAssignmentSchedule,
  DenyAssignment,
  DenyPrincipal,
  EligibleAssignment,
  DiagnosticSetting,
  PrincipalType,
  ReadVaultOptions,
  RoleAssignment,
  RoleDefinition,
  VaultAccessSource,
  VaultProperties,
} from '../../core/reports/access/ports.js';
import { PRINCIPAL_TYPES } from '../../core/reports/access/ports.js';
import type { ArmClients } from './arm-clients.js';

export const DIAGNOSTIC_SETTINGS_API_VERSION = '2021-05-01-preview';

const VAULT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.KeyVault\/vaults\/([^/]+)$/i;

function partsOf(resourceId: string): { subscriptionId: string; resourceGroup: string; name: string } {
  const match = VAULT_ID.exec(resourceId);
  if (!match) throw new PermanentDependencyError(`'${resourceId.slice(0, 300)}' is not a Key Vault resource id`);
  return { subscriptionId: match[1]!, resourceGroup: match[2]!, name: match[3]! };
}

/** The scope argument of arm-authorization's operations is written into the path as is: no leading slash. */
function scopeArgument(resourceId: string): string {
  return resourceId.replace(/^\/+/, '');
}

export function armError(error: unknown, what: string): Error {
  if (!isRestError(error)) {
    if (error instanceof Error && error.name === 'AbortError') return error;
    return new TransientDependencyError(`ARM ${what} failed: ${error instanceof Error ? error.message.slice(0, 300) : 'unknown error'}`);
  }
  const status = error.statusCode;
  const message = `ARM ${what} answered ${status ?? 'no status'}${error.code ? ` ${error.code}` : ''}`;
  if (status === 404) return new NotFoundError(message);
  if (status === undefined || status === 408 || status === 429 || status >= 500) return new TransientDependencyError(message);
  return new PermanentDependencyError(message);
}

function principalType(value: string | undefined): PrincipalType {
  return (PRINCIPAL_TYPES as readonly string[]).includes(value ?? '') ? (value as PrincipalType) : 'Unknown';
}

const lower = (values: readonly string[] | undefined): string[] => (values ?? []).map((v) => String(v).toLowerCase());

/** A role definition id as ARM writes it (/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/<guid>) to its GUID. */
const roleGuid = (roleDefinitionId: string): string => roleDefinitionId.slice(roleDefinitionId.lastIndexOf('/') + 1).toLowerCase();

interface ScheduleInstanceLike {
  id?: string;
  scope?: string;
  principalId?: string;
  principalType?: string;
  roleDefinitionId?: string;
  startDateTime?: Date;
  endDateTime?: Date;
}

/** What PIM's active and eligible schedule instances have in common; undefined for one missing what names it. */
function scheduleInstanceFields(instance: ScheduleInstanceLike) {
  if (!instance.id || !instance.roleDefinitionId || !instance.principalId || !instance.scope) return undefined;
  return {
    id: instance.id,
    scope: instance.scope,
    principalId: instance.principalId.toLowerCase(),
    principalType: principalType(instance.principalType),
    roleDefinitionId: roleGuid(instance.roleDefinitionId),
    ...(instance.startDateTime ? { startDateTime: instance.startDateTime } : {}),
    ...(instance.endDateTime ? { endDateTime: instance.endDateTime } : {}),
  };
}

function rethrow(error: unknown, what: string): never {
  if (error instanceof NotFoundError || error instanceof PermanentDependencyError || error instanceof TransientDependencyError) throw error;
  throw armError(error, what);
}

const abortOf = (options: ReadVaultOptions) => (options.abortSignal ? { abortSignal: options.abortSignal } : {});

export class ArmVaultAccessSource implements VaultAccessSource {
  constructor(private readonly clients: ArmClients) {}

  async getVault(resourceId: string, options: ReadVaultOptions = {}): Promise<VaultProperties> {
    const { subscriptionId, resourceGroup, name } = partsOf(resourceId);
    let vault;
    try {
      vault = await this.clients.keyVault(subscriptionId).vaults.get(resourceGroup, name, { ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
    } catch (error) {
      throw armError(error, `vault ${name}`);
    }
    const p = vault.properties;
    const acls = p.networkAcls;
    return {
      resourceId: vault.id ?? resourceId,
      name: (vault.name ?? name).toLowerCase(),
      vaultUri: p.vaultUri ?? `https://${name.toLowerCase()}.vault.azure.net/`,
      ...(p.enableRbacAuthorization !== undefined ? { enableRbacAuthorization: p.enableRbacAuthorization } : {}),
      accessPolicies: (p.accessPolicies ?? []).map(
        (entry): AccessPolicyEntry => ({
          tenantId: entry.tenantId,
          objectId: entry.objectId,
          ...(entry.applicationId ? { applicationId: entry.applicationId } : {}),
          permissions: { secrets: lower(entry.permissions.secrets), keys: lower(entry.permissions.keys), certificates: lower(entry.permissions.certificates) },
        }),
      ),
      ...(p.enableSoftDelete !== undefined ? { enableSoftDelete: p.enableSoftDelete } : {}),
      ...(p.softDeleteRetentionInDays !== undefined ? { softDeleteRetentionInDays: p.softDeleteRetentionInDays } : {}),
      ...(p.enablePurgeProtection !== undefined ? { enablePurgeProtection: p.enablePurgeProtection } : {}),
      ...(p.publicNetworkAccess !== undefined ? { publicNetworkAccess: p.publicNetworkAccess } : {}),
      ...(acls
        ? {
            networkAcls: {
              // ARM's default when a rule set omits it.
              defaultAction: acls.defaultAction === 'Deny' ? 'Deny' : 'Allow',
              ...(acls.bypass ? { bypass: acls.bypass } : {}),
              ipRules: (acls.ipRules ?? []).map((rule) => rule.value),
              virtualNetworkRules: (acls.virtualNetworkRules ?? []).map((rule) => rule.id),
            },
          }
        : {}),
    };
  }

  async listDiagnosticSettings(resourceId: string, options: ReadVaultOptions = {}): Promise<DiagnosticSetting[]> {
    partsOf(resourceId);
    const url = `${this.clients.endpoint}${resourceId}/providers/Microsoft.Insights/diagnosticSettings?api-version=${DIAGNOSTIC_SETTINGS_API_VERSION}`;
    let status: number;
    let text: string | undefined;
    try {
      const response = await this.clients.service.sendRequest(createPipelineRequest({ url, method: 'GET', ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) }));
      status = response.status;
      text = response.bodyAsText ?? undefined;
    } catch (error) {
      throw armError(error, 'diagnostic settings');
    }
    let body: { value?: unknown; error?: { code?: unknown } } | undefined;
    try {
      body = text ? (JSON.parse(text) as typeof body) : undefined;
    } catch {
      body = undefined;
    }
    if (status < 200 || status >= 300) {
      const code = typeof body?.error?.code === 'string' ? body.error.code : undefined;
      throw armError(new RestError('ARM refused', { statusCode: status, ...(code ? { code } : {}) }), 'diagnostic settings');
    }
    if (!Array.isArray(body?.value)) throw new TransientDependencyError('ARM diagnostic settings answered without a value list');
    return (body.value as Array<{ name?: string; properties?: Record<string, unknown> }>).map((setting) => {
      const properties = setting.properties ?? {};
      const text = (key: string): string | undefined => (typeof properties[key] === 'string' && properties[key] ? (properties[key] as string) : undefined);
      const logs = Array.isArray(properties['logs']) ? (properties['logs'] as Array<Record<string, unknown>>) : [];
      const workspaceId = text('workspaceId');
      const storageAccountId = text('storageAccountId');
      const eventHubAuthorizationRuleId = text('eventHubAuthorizationRuleId');
      return {
        name: String(setting.name ?? ''),
        logs: logs.map((log) => ({
          ...(typeof log['category'] === 'string' ? { category: log['category'] } : {}),
          ...(typeof log['categoryGroup'] === 'string' ? { categoryGroup: log['categoryGroup'] } : {}),
          enabled: log['enabled'] === true,
        })),
        ...(workspaceId ? { workspaceId } : {}),
        ...(storageAccountId ? { storageAccountId } : {}),
        ...(eventHubAuthorizationRuleId ? { eventHubAuthorizationRuleId } : {}),
      };
    });
  }

  async *listRoleAssignments(resourceId: string, options: ReadVaultOptions = {}): AsyncIterable<RoleAssignment> {
    const { subscriptionId } = partsOf(resourceId);
    const client = this.clients.authorization(subscriptionId);
    const scope = scopeArgument(resourceId);
    const definitions = new Map<string, Promise<RoleDefinition>>();
    const definition = (roleDefinitionId: string): Promise<RoleDefinition> => {
      const id = roleGuid(roleDefinitionId);
      let pending = definitions.get(id);
      if (!pending) {
        pending = this.getRoleDefinition(resourceId, id, options);
        definitions.set(id, pending);
      }
      return pending;
    };
    try {
      for await (const assignment of client.roleAssignments.listForScope(scope, { filter: 'atScope()', ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) })) {
        if (!assignment.id || !assignment.roleDefinitionId || !assignment.principalId) continue;
        yield {
          id: assignment.id,
          scope: assignment.scope ?? '',
          principalId: assignment.principalId.toLowerCase(),
          principalType: principalType(assignment.principalType),
          roleDefinition: await definition(assignment.roleDefinitionId),
          ...(assignment.condition ? { condition: assignment.condition } : {}),
          ...(assignment.description ? { description: assignment.description } : {}),
          ...(assignment.createdOn ? { createdOn: assignment.createdOn } : {}),
        };
      }
    } catch (error) {
      rethrow(error, 'role assignments');
    }
  }

  async getRoleDefinition(resourceId: string, roleDefinitionId: string, options: ReadVaultOptions = {}): Promise<RoleDefinition> {
    const { subscriptionId } = partsOf(resourceId);
    const id = roleGuid(roleDefinitionId);
    let role;
    try {
      role = await this.clients.authorization(subscriptionId).roleDefinitions.get(scopeArgument(resourceId), id, abortOf(options));
    } catch (error) {
      throw armError(error, `role definition ${id}`);
    }
    return {
      id,
      roleName: role.roleName ?? id,
      type: role.roleType ?? 'CustomRole',
      permissions: (role.permissions ?? []).map((p) => ({ actions: p.actions ?? [], notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] })),
    };
  }

  async *listActiveAssignmentSchedules(resourceId: string, options: ReadVaultOptions = {}): AsyncIterable<ActiveAssignmentSchedule> {
    const { subscriptionId } = partsOf(resourceId);
    const client = this.clients.authorization(subscriptionId);
    try {
      for await (const instance of client.roleAssignmentScheduleInstances.listForScope(scopeArgument(resourceId), { filter: 'atScope()', ...abortOf(options) })) {
        const common = scheduleInstanceFields(instance);
        if (!common) continue;
        // ARM's enum is open (KnownAssignmentType); anything but Activated is taken as a direct assignment, which the review judges the stricter way.
        yield {
          ...common,
          assignmentType: instance.assignmentType === 'Activated' ? 'Activated' : 'Assigned',
          ...(instance.originRoleAssignmentId ? { originRoleAssignmentId: instance.originRoleAssignmentId } : {}),
        };
      }
    } catch (error) {
      rethrow(error, 'role assignment schedule instances');
    }
  }

  async *listEligibleAssignments(resourceId: string, options: ReadVaultOptions = {}): AsyncIterable<EligibleAssignment> {
    const { subscriptionId } = partsOf(resourceId);
    const client = this.clients.authorization(subscriptionId);
    try {
      for await (const instance of client.roleEligibilityScheduleInstances.listForScope(scopeArgument(resourceId), { filter: 'atScope()', ...abortOf(options) })) {
        const common = scheduleInstanceFields(instance);
        if (!common) continue;
        yield {
          ...common,
          ...(instance.memberType ? { memberType: instance.memberType } : {}),
          ...(instance.condition ? { condition: instance.condition } : {}),
        };
      }
    } catch (error) {
      rethrow(error, 'role eligibility schedule instances');
    }
  }

  async *listDenyAssignments(resourceId: string, options: ReadVaultOptions = {}): AsyncIterable<DenyAssignment> {
    const { subscriptionId } = partsOf(resourceId);
    const client = this.clients.authorization(subscriptionId);
    const principals = (list: Array<{ id?: string; type?: string }> | undefined): DenyPrincipal[] => (list ?? []).filter((p) => p.id).map((p) => ({ id: p.id!.toLowerCase(), type: p.type ?? 'Unknown' }));
    try {
      for await (const deny of client.denyAssignments.listForScope(scopeArgument(resourceId), { filter: 'atScope()', ...abortOf(options) })) {
        if (!deny.id || !deny.scope) continue;
        yield {
          id: deny.id,
          name: deny.name ?? deny.id.slice(deny.id.lastIndexOf('/') + 1),
          ...(deny.denyAssignmentName ? { denyAssignmentName: deny.denyAssignmentName } : {}),
          ...(deny.description ? { description: deny.description } : {}),
          scope: deny.scope,
          doNotApplyToChildScopes: deny.doNotApplyToChildScopes === true,
          isSystemProtected: deny.isSystemProtected === true,
          permissions: (deny.permissions ?? []).map((p) => ({ actions: p.actions ?? [], notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] })),
          principals: principals(deny.principals),
          excludePrincipals: principals(deny.excludePrincipals),
        };
      }
    } catch (error) {
      rethrow(error, 'deny assignments');
    }
  }
}
