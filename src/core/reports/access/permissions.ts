/**
 * What a role definition lets its holder do, by Azure RBAC's rules: an action is granted
 * when a permission block's actions (or dataActions) match it and none of that block's
 * notActions (notDataActions) do; '*' matches any run of characters; case does not matter.
 * Conditions (ABAC) are not evaluated: a conditioned grant counts as a grant.
 */
import type { RoleDefinition } from './ports.js';

function matches(pattern: string, action: string): boolean {
  const expression = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${expression}$`, 'i').test(action);
}

export function grantsAction(role: RoleDefinition, action: string): boolean {
  return role.permissions.some((p) => p.actions.some((a) => matches(a, action)) && !p.notActions.some((a) => matches(a, action)));
}

export function grantsDataAction(role: RoleDefinition, action: string): boolean {
  return role.permissions.some((p) => p.dataActions.some((a) => matches(a, action)) && !p.notDataActions.some((a) => matches(a, action)));
}

/** Key Vault's secret data actions that read a value or change a secret. */
export const SECRET_VALUE_OR_WRITE_ACTIONS = [
  'Microsoft.KeyVault/vaults/secrets/getSecret/action',
  'Microsoft.KeyVault/vaults/secrets/setSecret/action',
  'Microsoft.KeyVault/vaults/secrets/delete',
  'Microsoft.KeyVault/vaults/secrets/backup/action',
  'Microsoft.KeyVault/vaults/secrets/restore/action',
  'Microsoft.KeyVault/vaults/secrets/purge/action',
  'Microsoft.KeyVault/vaults/secrets/update/action',
] as const;

/** Every data action of a vault the review considers (secrets, keys, certificates; metadata included). */
const KEY_VAULT_DATA_ACTIONS = [
  ...SECRET_VALUE_OR_WRITE_ACTIONS,
  'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  'Microsoft.KeyVault/vaults/keys/read',
  'Microsoft.KeyVault/vaults/keys/decrypt/action',
  'Microsoft.KeyVault/vaults/keys/sign/action',
  'Microsoft.KeyVault/vaults/keys/write',
  'Microsoft.KeyVault/vaults/certificates/read',
  'Microsoft.KeyVault/vaults/certificates/create/action',
] as const;

export const ROLE_ASSIGNMENT_WRITE = 'Microsoft.Authorization/roleAssignments/write';
export const VAULT_WRITE = 'Microsoft.KeyVault/vaults/write';

/** 'values-or-writes': reads secret values or changes secrets; 'metadata': only lists and reads metadata; undefined: no data access. */
export function keyVaultDataAccess(role: RoleDefinition): 'values-or-writes' | 'metadata' | undefined {
  if (SECRET_VALUE_OR_WRITE_ACTIONS.some((action) => grantsDataAction(role, action))) return 'values-or-writes';
  if (KEY_VAULT_DATA_ACTIONS.some((action) => grantsDataAction(role, action))) return 'metadata';
  return undefined;
}

/** Built-in roles the review calls broad (FACTS.md, "Governance"): they can grant themselves anything, or do anything to the data. */
export const BROAD_BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168': 'Role Based Access Control Administrator',
  '00482a5a-887f-4fb3-b363-3b7fe8e74483': 'Key Vault Administrator',
  '8b54135c-b56d-4d72-a534-26097cfdc8d8': 'Key Vault Data Access Administrator',
};

/** A broad built-in role, or a custom one as wide: '*' on the control plane, role assignments, or every data action of a vault. */
export function isBroad(role: RoleDefinition): boolean {
  if (BROAD_BUILT_IN_ROLES[role.id.toLowerCase()]) return true;
  if (role.type === 'BuiltInRole') return false;
  return role.permissions.some((p) => p.actions.includes('*') || p.dataActions.some((a) => /^Microsoft\.KeyVault\/vaults\/\*$/i.test(a) || a === '*')) || grantsAction(role, ROLE_ASSIGNMENT_WRITE);
}

export const KEY_VAULT_SECRETS_OFFICER = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7';
export const KEY_VAULT_ADMINISTRATOR = '00482a5a-887f-4fb3-b363-3b7fe8e74483';
export const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';

/**
 * What infra/modules/governed-vault.bicep grants the app on each governed vault, and nothing
 * more: Secrets Officer to rotate, Reader for this review. test/core checks it against infra/.
 */
export const APP_VAULT_ROLES: Readonly<Record<string, string>> = {
  [KEY_VAULT_SECRETS_OFFICER]: 'Key Vault Secrets Officer',
  [READER]: 'Reader',
};
