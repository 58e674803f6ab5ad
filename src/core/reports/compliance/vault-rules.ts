/**
 * The vault-settings compliance rules, the equivalents of Azure Policy's vault built-ins
 * (FACTS.md, "Governance"), over what ARM says about each governed vault. Each is a
 * ComplianceRule; vaultSettingsSection makes them a section of the compliance report.
 */
import { z } from 'zod';
import type { DiagnosticSetting, VaultAccessSource, VaultProperties } from '../access/ports.js';
import { RuleSection, type SubjectSource } from '../findings-report.js';
import type { ComplianceRule, SubjectKind } from '../rule.js';

export interface VaultSubject {
  vault: VaultProperties;
  diagnosticSettings: DiagnosticSetting[];
}

export const vaultSubjects: SubjectKind<VaultSubject> = {
  kind: 'vault',
  describe: ({ vault }) => ({ object: vault.name, vault: vault.name }),
};

export const REQUIRED_SOFT_DELETE_RETENTION_DAYS = 90;

/** A log setting that keeps Key Vault's audit log: the AuditEvent category, or the audit (or allLogs) category group. */
export function keepsAuditLog(setting: DiagnosticSetting): boolean {
  const hasDestination = Boolean(setting.workspaceId || setting.storageAccountId || setting.eventHubAuthorizationRuleId);
  const audit = setting.logs.some((log) => log.enabled && (log.category?.toLowerCase() === 'auditevent' || ['audit', 'alllogs'].includes(log.categoryGroup?.toLowerCase() ?? '')));
  return hasDestination && audit;
}

export const VAULT_RULES: readonly ComplianceRule<VaultSubject>[] = [
  {
    id: 'vault.rbac-permission-model',
    severity: 'medium',
    description: 'The vault uses the Azure RBAC permission model, not access policies.',
    azurePolicyDefinitionId: '12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5',
    check: ({ vault }) =>
      vault.enableRbacAuthorization === true
        ? undefined
        : {
            message: `${vault.name} uses access policies (enableRbacAuthorization is ${vault.enableRbacAuthorization ?? 'not set'}): anyone with vaults/write can grant themselves secrets, and role assignments do not apply to its data.`,
            fix: 'Set enableRbacAuthorization to true after assigning Key Vault roles that match the current access policies.',
          },
  },
  {
    id: 'vault.soft-delete',
    severity: 'high',
    description: 'Soft delete is on, so a deleted secret can be recovered.',
    azurePolicyDefinitionId: '0b60c0b2-2dc2-4e1c-b5c9-abbed971de53',
    check: ({ vault }) =>
      vault.enableSoftDelete === false
        ? { message: `${vault.name} has soft delete off: a deleted secret is gone at once.`, fix: 'Turn soft delete on (it cannot be turned off again).' }
        : undefined,
  },
  {
    id: 'vault.soft-delete-retention',
    severity: 'medium',
    description: `Deleted secrets are kept ${REQUIRED_SOFT_DELETE_RETENTION_DAYS} days before they can be purged.`,
    check: ({ vault }) => {
      if (vault.enableSoftDelete === false) return undefined;
      const days = vault.softDeleteRetentionInDays ?? REQUIRED_SOFT_DELETE_RETENTION_DAYS;
      return days >= REQUIRED_SOFT_DELETE_RETENTION_DAYS
        ? undefined
        : {
            message: `${vault.name} keeps deleted secrets ${days} days, fewer than ${REQUIRED_SOFT_DELETE_RETENTION_DAYS}.`,
            fix: `Retention is fixed when a vault is created: create a vault with softDeleteRetentionInDays ${REQUIRED_SOFT_DELETE_RETENTION_DAYS} and move the secrets.`,
            parameters: { softDeleteRetentionInDays: days, requiredDays: REQUIRED_SOFT_DELETE_RETENTION_DAYS },
          };
    },
  },
  {
    id: 'vault.purge-protection',
    severity: 'high',
    description: 'Purge protection is on, so nobody can destroy a deleted secret before its retention ends.',
    azurePolicyDefinitionId: '0b60c0b2-2dc2-4e1c-b5c9-abbed971de53',
    check: ({ vault }) =>
      vault.enablePurgeProtection === true ? undefined : { message: `${vault.name} has no purge protection: anyone with purge can destroy a deleted secret at once.`, fix: 'Set enablePurgeProtection to true (it cannot be turned off again).' },
  },
  {
    id: 'vault.network-access',
    severity: 'medium',
    description: "Public network access is disabled, or the firewall's default action is Deny.",
    azurePolicyDefinitionId: '405c5871-3e91-4644-8a63-58e19d68ff5b',
    check: ({ vault }) =>
      vault.publicNetworkAccess?.toLowerCase() === 'disabled' || vault.networkAcls?.defaultAction === 'Deny'
        ? undefined
        : {
            message: `${vault.name} accepts connections from any network (publicNetworkAccess ${vault.publicNetworkAccess ?? 'not set'}, firewall default ${vault.networkAcls?.defaultAction ?? 'not set'}).`,
            fix: 'Disable public network access and use a private endpoint, or set the firewall default action to Deny and allow the networks that need it.',
          },
  },
  {
    id: 'vault.audit-diagnostics',
    severity: 'medium',
    description: "A diagnostic setting sends the vault's AuditEvent log (or the audit category group) somewhere.",
    azurePolicyDefinitionId: 'cf820ca0-f99e-4f3e-84fb-66e913812d21',
    check: ({ vault, diagnosticSettings }) =>
      diagnosticSettings.some(keepsAuditLog)
        ? undefined
        : {
            message: `${vault.name} keeps no audit log: ${diagnosticSettings.length === 0 ? 'it has no diagnostic setting' : `none of its ${diagnosticSettings.length} diagnostic settings sends AuditEvent (or the audit category group) to a destination`}.`,
            fix: 'Add a diagnostic setting sending the audit category group (or AuditEvent) to a Log Analytics workspace; infra/modules/governed-vault.bicep does for the vaults it governs.',
          },
  },
];

export interface VaultCursor {
  /** Index of the next vault in GOVERNED_VAULT_RESOURCE_IDS. */
  next: number;
}

/** The governed vaults, read through ARM a few at a time; the list of ids is short (one per governed vault). */
export function vaultSettingsSource(source: VaultAccessSource, resourceIds: readonly string[]): SubjectSource<VaultSubject, VaultCursor> {
  const read = async (id: string): Promise<VaultSubject> => ({ vault: await source.getVault(id), diagnosticSettings: await source.listDiagnosticSettings(id) });
  return {
    cursorSchema: z.strictObject({ next: z.number().int().min(0).max(10_000) }),
    async read(_scope, cursor, limit) {
      const start = cursor?.next ?? 0;
      const ids = resourceIds.slice(start, start + limit);
      const subjects: VaultSubject[] = [];
      for (const id of ids) subjects.push(await read(id));
      const next = start + ids.length;
      return { subjects, ...(next < resourceIds.length && ids.length > 0 ? { next: { next } } : {}) };
    },
    async forEachBatch(_scope, visit) {
      for (const id of resourceIds) visit([await read(id)]);
    },
    // The environment its policies share, if they share one: vaultUri is the vault's URL (locally with the emulator's port).
    environmentOf: ({ vault }, scope) => scope.vaultEnvironment(new URL(vault.vaultUri).origin),
  };
}

/** The vault-settings section of the compliance report: append it to complianceSections' list. */
export function vaultSettingsSection(source: VaultAccessSource, resourceIds: readonly string[]): RuleSection<VaultSubject, VaultCursor> {
  return new RuleSection('vaults', vaultSubjects, VAULT_RULES, vaultSettingsSource(source, resourceIds));
}
