import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_VAULT_ROLES } from '../../../../src/core/reports/access/permissions.js';
import type { DiagnosticSetting, VaultProperties } from '../../../../src/core/reports/access/ports.js';
import { keepsAuditLog, VAULT_RULES, vaultSubjects } from '../../../../src/core/reports/compliance/vault-rules.js';
import { evaluateRules, type RuleContext } from '../../../../src/core/reports/rule.js';

const context = { now: new Date('2026-12-06T00:00:00Z'), protectedEnvironment: false, parameters: { maxValidityDays: 365, minDaysBeforeExpiry: 30, maxActiveDays: 90, minPasswordLength: 0 } } as RuleContext;
const audit: DiagnosticSetting = { name: 'audit', workspaceId: '/subscriptions/x/workspaces/log', logs: [{ category: 'AuditEvent', enabled: true }] };

function compliant(overrides: Partial<VaultProperties> = {}): VaultProperties {
  return { resourceId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv', name: 'kv', vaultUri: 'https://kv.vault.azure.net/', enableRbacAuthorization: true, accessPolicies: [], enableSoftDelete: true, softDeleteRetentionInDays: 90, enablePurgeProtection: true, publicNetworkAccess: 'Disabled', ...overrides };
}

const rulesBroken = (vault: VaultProperties, diagnosticSettings: DiagnosticSetting[] = [audit]) => evaluateRules(VAULT_RULES, vaultSubjects, { vault, diagnosticSettings }, context).map((f) => f.rule);

describe('vault-settings rules', () => {
  it('find nothing on a compliant vault (public access disabled, or the firewall denying by default)', () => {
    expect(rulesBroken(compliant())).toEqual([]);
    expect(rulesBroken(compliant({ publicNetworkAccess: 'Enabled', networkAcls: { defaultAction: 'Deny', ipRules: [], virtualNetworkRules: [] } }))).toEqual([]);
    // Soft delete on with no retention given is Key Vault's default, 90 days.
    expect(rulesBroken(compliant({ softDeleteRetentionInDays: undefined }))).toEqual([]);
  });

  it.each([
    ['access policies', { enableRbacAuthorization: false }, ['vault.rbac-permission-model']],
    ['the permission model left unset', { enableRbacAuthorization: undefined }, ['vault.rbac-permission-model']],
    ['soft delete off', { enableSoftDelete: false }, ['vault.soft-delete']],
    ['a 30-day retention', { softDeleteRetentionInDays: 30 }, ['vault.soft-delete-retention']],
    ['no purge protection', { enablePurgeProtection: undefined }, ['vault.purge-protection']],
    ['public access with the firewall allowing', { publicNetworkAccess: 'Enabled', networkAcls: { defaultAction: 'Allow' as const, ipRules: [], virtualNetworkRules: [] } }, ['vault.network-access']],
    ['public access unset, no firewall', { publicNetworkAccess: undefined }, ['vault.network-access']],
  ])('%s breaks exactly %j', (_what, overrides, rules) => {
    expect(rulesBroken(compliant(overrides))).toEqual(rules);
  });

  it.each([
    ['no setting', [], false],
    ['AuditEvent enabled to a workspace', [audit], true],
    ['the audit category group to storage', [{ name: 's', storageAccountId: '/x', logs: [{ categoryGroup: 'audit', enabled: true }] }], true],
    ['allLogs to an event hub', [{ name: 'e', eventHubAuthorizationRuleId: '/x', logs: [{ categoryGroup: 'allLogs', enabled: true }] }], true],
    ['AuditEvent disabled', [{ ...audit, logs: [{ category: 'AuditEvent', enabled: false }] }], false],
    ['AuditEvent with no destination', [{ name: 'n', logs: [{ category: 'AuditEvent', enabled: true }] }], false],
    ['another category only', [{ ...audit, logs: [{ category: 'AzurePolicyEvaluationDetails', enabled: true }] }], false],
  ] as const)('audit diagnostics: %s -> kept %s', (_what, settings, kept) => {
    expect(settings.some((s) => keepsAuditLog(s as DiagnosticSetting))).toBe(kept);
    expect(rulesBroken(compliant(), settings as unknown as DiagnosticSetting[]).includes('vault.audit-diagnostics')).toBe(!kept);
  });
});

describe("the app's own roles", () => {
  it("are exactly the roles infra/modules/governed-vault.bicep gives the app on each vault", () => {
    const bicep = readFileSync(new URL('../../../../infra/modules/governed-vault.bicep', import.meta.url), 'utf8');
    const granted = [...bicep.matchAll(/^var \w+ = '([0-9a-f-]{36})'$/gm)].map((m) => m[1]!).sort();
    expect(granted).toEqual(Object.keys(APP_VAULT_ROLES).sort());
  });
});
