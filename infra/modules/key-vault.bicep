// A Key Vault created by this deployment and governed like any other: RBAC only (no access
// policies), soft delete 90 days, purge protection on.

param name string
param location string
param tags object

@allowed([
  'Enabled'
  'Disabled'
])
@description('Disabled needs a private endpoint and VNet integration, which this template does not create.')
param publicNetworkAccess string

@description('Give the deploying user Key Vault Secrets Officer on this vault, to create test secrets.')
param grantDeployerSecretsOfficer bool = false

@description('Object id of the deploying user (AZURE_PRINCIPAL_ID).')
param deployerPrincipalId string = ''

var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
      bypass: 'AzureServices'
    }
  }
}

resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantDeployerSecretsOfficer && !empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: 'User'
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
