// Everything one governed vault needs, deployed into the vault's own resource group (which may
// not be the app's): the app's Secrets Officer and Reader roles on this vault only, the Event
// Grid system topic for its events, and its audit log sent to the workspace.

param vaultName string

@description('Principal id of the app\'s managed identity.')
param appPrincipalId string

@description('Name of the vault\'s Event Grid system topic. A vault can have only one: reuse its name if it exists.')
param systemTopicName string

param logAnalyticsWorkspaceId string
param tags object

var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
var reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

// Secrets Officer, not Administrator: the app sets and reads secrets; it never changes the
// vault's access, keys or certificates.
resource appSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Reader on this vault only, for the access review: the vault's settings, its diagnostic
// settings, the role assignments at and above it, PIM's schedule instances (active and
// eligible) and deny assignments, all covered by Reader's */read (management-plane reads, no secret data).
resource appReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, reader)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', reader)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The system identity is what dead-letters undeliverable events into the app's storage.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: systemTopicName
  location: vault.location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: vault.id
    topicType: 'Microsoft.KeyVault.vaults'
  }
}

resource auditLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'kv-rotation-audit'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output vaultUri string = vault.properties.vaultUri
output systemTopicName string = systemTopic.name
output systemTopicPrincipalId string = systemTopic.identity.principalId
