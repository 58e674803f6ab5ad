/**
 * The built-in role definitions the access review meets, with their real ids and
 * permissions as Azure publishes them (built-in roles reference, 2025 revision).
 * Built-in roles are tenant-wide: GET {scope}/providers/Microsoft.Authorization/roleDefinitions/{id}
 * finds them at any scope.
 */

export interface RolePermission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
  condition?: string;
  conditionVersion?: string;
}

export interface RoleDefinitionRecord {
  /** The role's GUID (its name in ARM). */
  id: string;
  roleName: string;
  description: string;
  type: 'BuiltInRole' | 'CustomRole';
  assignableScopes: string[];
  permissions: RolePermission[];
  createdOn: string;
  updatedOn: string;
}

const KEY_VAULT_CONTROL_PLANE_READ = [
  'Microsoft.Authorization/*/read',
  'Microsoft.Insights/alertRules/*',
  'Microsoft.Resources/deployments/*',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
  'Microsoft.Support/*',
  'Microsoft.KeyVault/checkNameAvailability/read',
  'Microsoft.KeyVault/deletedVaults/read',
  'Microsoft.KeyVault/locations/*/read',
  'Microsoft.KeyVault/vaults/*/read',
  'Microsoft.KeyVault/operations/read',
];

function builtIn(id: string, roleName: string, description: string, permission: Partial<RolePermission>, createdOn: string, updatedOn: string): RoleDefinitionRecord {
  return {
    id,
    roleName,
    description,
    type: 'BuiltInRole',
    assignableScopes: ['/'],
    permissions: [{ actions: [], notActions: [], dataActions: [], notDataActions: [], ...permission }],
    createdOn,
    updatedOn,
  };
}

/** The Key Vault data roles Key Vault Data Access Administrator's condition lets its holder assign. */
const KEY_VAULT_DATA_ACCESS_CONDITION_ROLES = [
  '00482a5a-887f-4fb3-b363-3b7fe8e74483',
  'a4417e6f-fecd-4de8-b567-7b0420556985',
  '14b46e9e-c2b7-41b4-b07b-48a6ebf60603',
  'e147488a-f6f5-4113-8e2d-b22465e65bf6',
  '12338af0-0e69-4776-bea7-57ae8d297424',
  '21090545-7ca7-4776-b22c-e363652d74d2',
  'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  '4633458b-17de-408a-b874-0445c86b69e6',
];

export const BUILT_IN_ROLES: readonly RoleDefinitionRecord[] = [
  builtIn('8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'Owner', 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.', { actions: ['*'] }, '2015-02-02T21:55:09.880Z', '2021-11-11T20:13:45.844Z'),
  builtIn(
    'b24988ac-6180-42a0-ab88-20f7382dd24c',
    'Contributor',
    'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.',
    {
      actions: ['*'],
      notActions: [
        'Microsoft.Authorization/*/Delete',
        'Microsoft.Authorization/*/Write',
        'Microsoft.Authorization/elevateAccess/Action',
        'Microsoft.Blueprint/blueprintAssignments/write',
        'Microsoft.Blueprint/blueprintAssignments/delete',
        'Microsoft.Compute/galleries/share/action',
        'Microsoft.Purview/consents/write',
        'Microsoft.Purview/consents/delete',
        'Microsoft.Resources/deploymentStacks/manageDenySetting/action',
        'Microsoft.Subscription/cancel/action',
        'Microsoft.Subscription/enable/action',
      ],
    },
    '2015-02-02T21:55:09.880Z',
    '2024-04-17T20:44:04.564Z',
  ),
  builtIn('acdd72a7-3385-48ef-bd42-f606fba81ae7', 'Reader', 'View all resources, but does not allow you to make any changes.', { actions: ['*/read'] }, '2015-02-02T21:55:09.880Z', '2021-11-11T20:13:47.862Z'),
  builtIn('18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', 'User Access Administrator', 'Lets you manage user access to Azure resources.', { actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'] }, '2015-02-02T21:55:09.880Z', '2021-11-11T20:13:48.598Z'),
  builtIn(
    'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
    'Role Based Access Control Administrator',
    'Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage access using other ways, such as Azure Policy.',
    { actions: ['Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete', '*/read', 'Microsoft.Support/*'] },
    '2022-09-07T02:29:29.615Z',
    '2022-09-07T02:29:29.615Z',
  ),
  builtIn(
    '00482a5a-887f-4fb3-b363-3b7fe8e74483',
    'Key Vault Administrator',
    "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    { actions: [...KEY_VAULT_CONTROL_PLANE_READ], dataActions: ['Microsoft.KeyVault/vaults/*'] },
    '2020-05-19T17:52:46.247Z',
    '2021-11-11T20:14:30.761Z',
  ),
  builtIn(
    'f25e0fa2-a7c8-4377-a976-54943a77a395',
    'Key Vault Contributor',
    'Lets you manage key vaults, but not access to them.',
    {
      actions: ['Microsoft.Authorization/*/read', 'Microsoft.Insights/alertRules/*', 'Microsoft.KeyVault/*', 'Microsoft.Resources/deployments/*', 'Microsoft.Resources/subscriptions/resourceGroups/read', 'Microsoft.Support/*'],
      notActions: ['Microsoft.KeyVault/locations/deletedVaults/purge/action', 'Microsoft.KeyVault/hsmPools/*', 'Microsoft.KeyVault/managedHsms/*'],
    },
    '2016-02-25T17:08:28.518Z',
    '2021-11-11T20:13:36.117Z',
  ),
  builtIn(
    '8b54135c-b56d-4d72-a534-26097cfdc8d8',
    'Key Vault Data Access Administrator',
    'Manage access to Azure Key Vault by adding or removing role assignments for the Key Vault Administrator, Key Vault Certificates Officer, Key Vault Crypto Officer, Key Vault Crypto Service Encryption User, Key Vault Crypto User, Key Vault Reader, Key Vault Secrets Officer, or Key Vault Secrets User roles. Includes an ABAC condition to constrain role assignments.',
    {
      actions: [
        'Microsoft.Authorization/roleAssignments/write',
        'Microsoft.Authorization/roleAssignments/delete',
        'Microsoft.Authorization/*/read',
        'Microsoft.Resources/deployments/*',
        'Microsoft.Resources/subscriptions/resourceGroups/read',
        'Microsoft.Resources/subscriptions/read',
        'Microsoft.Management/managementGroups/read',
        'Microsoft.Support/*',
        'Microsoft.KeyVault/vaults/*/read',
      ],
      condition: `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals{${KEY_VAULT_DATA_ACCESS_CONDITION_ROLES.join(', ')}})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals{${KEY_VAULT_DATA_ACCESS_CONDITION_ROLES.join(', ')}}))`,
      conditionVersion: '2.0',
    },
    '2023-06-20T22:41:17.000Z',
    '2023-12-11T16:01:34.000Z',
  ),
  builtIn(
    'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
    'Key Vault Secrets Officer',
    "Perform any action on the secrets of a key vault, except manage permissions. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    { actions: [...KEY_VAULT_CONTROL_PLANE_READ], dataActions: ['Microsoft.KeyVault/vaults/secrets/*'] },
    '2020-05-19T17:52:49.213Z',
    '2021-11-11T20:14:34.049Z',
  ),
  builtIn(
    '4633458b-17de-408a-b874-0445c86b69e6',
    'Key Vault Secrets User',
    "Read secret contents. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    { dataActions: ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'] },
    '2020-05-19T17:52:49.569Z',
    '2021-11-11T20:14:34.397Z',
  ),
  builtIn(
    '21090545-7ca7-4776-b22c-e363652d74d2',
    'Key Vault Reader',
    "Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such as secret contents or key material. Only works for key vaults that use the 'Azure role-based access control' permission model.",
    { actions: [...KEY_VAULT_CONTROL_PLANE_READ], dataActions: ['Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'] },
    '2020-05-19T17:52:47.000Z',
    '2021-11-11T20:14:31.000Z',
  ),
];
