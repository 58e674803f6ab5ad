// The app's own storage account: Functions host state, the deployment package, Event Grid
// dead letters, the write-once audit archive, the app's tables and queues. Reached only with
// Entra ID (no shared keys).

param name string
param location string
param tags object

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Blob container Event Grid writes undeliverable Key Vault events to.')
param deadLetterContainerName string

@description('Blob container that keeps a write-once (WORM) copy of every audit record (AUDIT_ARCHIVE_CONTAINER).')
param auditArchiveContainerName string

@description('Days each archived record can be read but not changed or deleted.')
@minValue(1)
@maxValue(146000)
param auditRetentionDays int

@description('True once the retention policy has been locked by hand; a locked policy only accepts longer periods, through its own API.')
param auditRetentionPolicyLocked bool

@description('Tables the app reads and writes; created here so the app never needs to.')
param tableNames string[]

@description('Queues the app sends to and its queue trigger takes from, with the trigger\'s poison queue; created here so the app never needs to.')
param queueNames string[]

@description('Principal id of the app\'s managed identity.')
param appPrincipalId string

var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The audit archive. A container-level time-based retention policy: for auditRetentionDays after
// a blob is written it can be read but not overwritten or deleted, by anyone (the app and the
// subscription's owners included) while the policy stands; nor can the container or the account
// be deleted while they hold such a blob, so `azd down` fails until the records age out
// (docs/auth.md). The policy lives in the management plane: the app's data roles cannot change or
// remove it. Versioning and soft delete matter for version-level WORM, not for this policy, so
// the account has neither.
resource auditArchiveContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: auditArchiveContainerName
  properties: {
    publicAccess: 'None'
  }

  // Left Unlocked on purpose. An unlocked policy already refuses every overwrite and delete, but
  // someone with management rights on the account can shorten or remove it; a locked one can only
  // be lengthened (five times at most), never removed, and the account cannot be deleted until the
  // last record ages out. Locking is irreversible and a compliance decision, so it is a manual
  // step once the archive has been tried: `az storage container immutability-policy lock`, then
  // `azd env set AUDIT_RETENTION_POLICY_LOCKED true` so this template stops writing the policy.
  resource auditRetention 'immutabilityPolicies' = if (!auditRetentionPolicyLocked) {
    name: 'default'
    properties: {
      immutabilityPeriodSinceCreationInDays: auditRetentionDays
      // No appends of any kind under retention: the app writes each record as its own block blob,
      // created once (src/adapters/blobs/blob-audit-archive.ts), which a retention policy allows
      // without either switch. Allowing appends would only let a data-rights holder grow an
      // append blob there after the fact.
      allowProtectedAppendWrites: false
      allowProtectedAppendWritesAll: false
    }
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for tableName in tableNames: {
  parent: tableService
  name: tableName
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queueName in queueNames: {
  parent: queueService
  name: queueName
}]

// The Functions host needs Blob Data Owner (leases, host keys, deployment package) on its
// AzureWebJobsStorage account; queues and tables are the app's own data. Scoped to this
// account only, never the resource group. Blob Data Owner also lets the app create blobs in the
// audit archive, so that container needs no role of its own: a container-scoped grant would add
// nothing, and nothing here is widened for it. Data roles cannot touch the retention policy.
resource appBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The rotation queue's whole round trip runs as the app's identity: the scan adds messages, the
// host's queue trigger (AzureWebJobsStorage__queueServiceUri) reads, hides, deletes and moves
// failed ones to the poison queue (which it would create were it missing), the health check reads
// the poison queue's count, and target-based scaling reads the queue's length. Queue Data
// Contributor is the one built-in role with all of those; it covers no blob or table, and it is
// scoped to this account, where the only queues are the two of main.bicep's appQueueNames.
resource appQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output deploymentContainerName string = deploymentContainer.name
output deadLetterContainerName string = deadLetterContainer.name
output auditArchiveContainerName string = auditArchiveContainer.name
