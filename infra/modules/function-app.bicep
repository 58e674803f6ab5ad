// The function app on a Flex Consumption (FC1) plan. Everything it reaches, it reaches with its
// user-assigned identity: host storage, the deployment package, Application Insights, Key Vault.

param name string
param planName string
param location string
param tags object

@description('Resource id of the app\'s user-assigned managed identity.')
param identityId string

@description('Client id of the same identity.')
param identityClientId string

param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string

// Empty would mean "any vault" to the app (src/config.ts): refuse to deploy without a vault.
@minLength(1)
@description('Comma-separated URLs of the vaults this deployment may rotate; at least one.')
param governedVaultUrls string

param rotationScanSchedule string
param rotationLeaseSeconds int
param rotationMaxAttempts int
param rotationMinIntervalSeconds int
param drainCheckIntervalSeconds int
param idempotencyKeysKept int
param idempotencyKeyRetentionHours int

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

// Read here rather than passed in, so the connection string never travels through a module output.
resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  // Exactly the settings src/config.ts reads (scope 'azure') plus host settings from
  // HOST_SETTINGS; test/infra checks both ways. Flex Consumption rejects
  // FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION: the runtime is set above.
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
      AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
      AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
      APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      AZURE_CLIENT_ID: identityClientId
      GOVERNED_VAULT_URLS: governedVaultUrls
      ROTATION_SCAN_SCHEDULE: rotationScanSchedule
      ROTATION_LEASE_SECONDS: string(rotationLeaseSeconds)
      ROTATION_MAX_ATTEMPTS: string(rotationMaxAttempts)
      ROTATION_MIN_INTERVAL_SECONDS: string(rotationMinIntervalSeconds)
      DRAIN_CHECK_INTERVAL_SECONDS: string(drainCheckIntervalSeconds)
      IDEMPOTENCY_KEYS_KEPT: string(idempotencyKeysKept)
      IDEMPOTENCY_KEY_RETENTION_HOURS: string(idempotencyKeyRetentionHours)
    }
  }

  // No FTP or SCM basic-auth publishing: azd deploys with Entra ID.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output id string = functionApp.id
output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
