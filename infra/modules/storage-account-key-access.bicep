// What the storage-account-key consumer needs on one storage account a policy rotates the keys of,
// deployed into the account's own resource group: the app's identity may list the account's keys
// (POST .../listKeys, to tell which key the vault holds) and regenerate them (POST .../regenerateKey),
// on this account only.
//
// Storage Account Key Operator Service Role grants exactly listKeys and regenerateKey
// (Microsoft.Storage/storageAccounts/listkeys/action and regeneratekey/action). Reading the account's
// blob endpoint, which the consumer asks of ARM once to prove a new key, is part of listing keys.

param storageAccountName string

@description('Principal id of the app\'s managed identity.')
param appPrincipalId string

var storageAccountKeyOperator = '81a9662b-bebf-436f-a333-f67b29880f12'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appKeyOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, storageAccountKeyOperator)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageAccountKeyOperator)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}
