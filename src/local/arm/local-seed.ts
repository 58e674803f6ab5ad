/**
 * What `npm start` seeds the ARM stand-in with: the emulator's vaults as infra/ would leave
 * them (RBAC, soft delete 90 days, purge protection, firewall default Deny, AuditEvent to a
 * workspace) and the app's identity holding exactly what infra/ grants it on each (Key Vault
 * Secrets Officer and Reader), so the local access review starts clean; an example user
 * PIM-eligible for Key Vault Secrets Officer on the first vault (the model the review asks
 * for: no finding, but it shows in the vault's `eligible`); plus an example
 * storage account and an example web app whose app setting and connection string are
 * versionless Key Vault references to an example secret, with a `staging` deployment slot that
 * holds the same. Seed more through the admin API (docs/arm-standin.md).
 */
import type { RunningArmStandIn } from './options.js';
import type { ArmSeed } from './seed.js';
import { EMULATOR_RESOURCE_GROUP, EMULATOR_SUBSCRIPTION_ID } from '../keyvault-emulator/options.js';

/** The app's principal id on the local stack, unless APP_PRINCIPAL_ID says otherwise. */
export const LOCAL_APP_PRINCIPAL_ID = '00000000-0000-4000-8000-0000000a9901';

/** The example storage account and web app npm start seeds for the storage-key and App Service consumers. */
export const LOCAL_EXAMPLE_STORAGE_ACCOUNT = 'stlocalexample';
export const LOCAL_EXAMPLE_SITE = 'app-local-example';
export const LOCAL_EXAMPLE_SLOT = 'staging';
/** The example user npm start makes PIM-eligible for Key Vault Secrets Officer on the first vault. */
export const LOCAL_EXAMPLE_ELIGIBLE_USER = '00000000-0000-4000-8000-0000000e1001';
/** examples/policies.local.json's first policy's secret, in the first vault. */
const LOCAL_EXAMPLE_SECRET = 'orders-api-key';

const SECRETS_OFFICER = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

export function localArmSeed(vaults: readonly { name: string; url: string; resourceId: string }[], appPrincipalId: string): ArmSeed {
  const workspaceId = `/subscriptions/${EMULATOR_SUBSCRIPTION_ID}/resourceGroups/${EMULATOR_RESOURCE_GROUP}/providers/Microsoft.OperationalInsights/workspaces/log-local`;
  return {
    subscriptions: [{ subscriptionId: EMULATOR_SUBSCRIPTION_ID, displayName: 'Local stand-ins' }],
    vaults: vaults.map((vault) => ({
      subscriptionId: EMULATOR_SUBSCRIPTION_ID,
      resourceGroup: EMULATOR_RESOURCE_GROUP,
      name: vault.name,
      vaultUri: `${vault.url}/`,
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      publicNetworkAccess: 'Enabled',
      networkAcls: { defaultAction: 'Deny', bypass: 'AzureServices' },
    })),
    diagnosticSettings: vaults.map((vault) => ({ resourceId: vault.resourceId, name: 'kv-rotation-audit', workspaceId, logs: [{ category: 'AuditEvent', enabled: true }], metrics: [{ category: 'AllMetrics', enabled: true }] })),
    roleAssignments: vaults.flatMap((vault) => [SECRETS_OFFICER, READER].map((roleDefinitionId) => ({ scope: vault.resourceId, roleDefinitionId, principalId: appPrincipalId, principalType: 'ServicePrincipal' as const }))),
    roleEligibilities: vaults[0] ? [{ scope: vaults[0].resourceId, roleDefinitionId: SECRETS_OFFICER, principalId: LOCAL_EXAMPLE_ELIGIBLE_USER, principalType: 'User' as const }] : [],
    storageAccounts: [{ subscriptionId: EMULATOR_SUBSCRIPTION_ID, resourceGroup: EMULATOR_RESOURCE_GROUP, name: LOCAL_EXAMPLE_STORAGE_ACCOUNT }],
    // Versionless references to an example policy's secret; until the example secret exists they read SecretNotFound.
    sites: vaults[0] ? [exampleSite(`@Microsoft.KeyVault(SecretUri=${vaults[0].url}/secrets/${LOCAL_EXAMPLE_SECRET}/)`)] : [],
  };
}

/** The example web app: the reference in an app setting and a connection string, and a staging slot holding the same (its own app, refreshed on its own). */
function exampleSite(reference: string): NonNullable<ArmSeed['sites']>[number] {
  const config = { appSettings: { ORDERS_API_KEY: reference, WEBSITE_RUN_FROM_PACKAGE: '1' }, connectionStrings: { OrdersApi: { value: reference, type: 'Custom' as const } } };
  return { subscriptionId: EMULATOR_SUBSCRIPTION_ID, resourceGroup: EMULATOR_RESOURCE_GROUP, name: LOCAL_EXAMPLE_SITE, kind: 'app', ...config, slots: [{ name: LOCAL_EXAMPLE_SLOT, ...config }] };
}

/** The app settings that point the app at the stand-in and name the emulator's vaults in ARM (values already in the environment win). */
export function localArmSettings(arm: RunningArmStandIn, vaults: readonly { resourceId: string }[], env: Record<string, string | undefined>): Record<string, string> {
  return {
    ARM_ENDPOINT: arm.baseUrl,
    ARM_CA_CERT_PATH: arm.caCertPath,
    ARM_ADDRESS: arm.host,
    GOVERNED_VAULT_RESOURCE_IDS: env['GOVERNED_VAULT_RESOURCE_IDS'] || vaults.map((vault) => vault.resourceId).join(','),
    APP_PRINCIPAL_ID: env['APP_PRINCIPAL_ID'] || LOCAL_APP_PRINCIPAL_ID,
  };
}
