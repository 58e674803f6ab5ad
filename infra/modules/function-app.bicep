// The function app on a Flex Consumption (FC1) plan. Everything it reaches, it reaches with its
// user-assigned identity: host storage (the audit archive included), the deployment package,
// Application Insights, Key Vault.

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

@description('Comma-separated ARM resource ids of the same vaults, for the access review (GOVERNED_VAULT_RESOURCE_IDS).')
param governedVaultResourceIds string

@description('Principal (object) id of the app\'s identity, which the access review marks as the app\'s own (APP_PRINCIPAL_ID).')
param appPrincipalId string

param rotationScanSchedule string
param rotationLeaseSeconds int
param rotationMaxAttempts int
param rotationMinIntervalSeconds int
param drainCheckIntervalSeconds int
param idempotencyKeysKept int
param idempotencyKeyRetentionHours int

@description('Directory (tenant) id whose access tokens the API accepts.')
param authTenantId string

@minLength(1)
@description('Comma-separated: the API app registration\'s app ID URI and/or client id.')
param authAudiences string

@description('Comma-separated exact issuers; empty leaves the app\'s default (the tenant\'s v1 and v2 issuers).')
param authAllowedIssuers string

@description('Client id the dashboard signs in with; its authority is the tenant\'s Entra ID sign-in.')
param dashboardClientId string

param governanceProtectedEnvironments string
param governanceRequiredApprovals int
param governanceApprovalTtl string

@description('The audit archive container (immutable) in the host storage account.')
param auditArchiveContainerName string

@description('Storage queue the scan fans due rotations out to (ROTATION_QUEUE_NAME); its poison queue is <name>-poison.')
param rotationQueueName string

@description('Key Vault\'s per-vault limits (KEYVAULT_CREATES_PER_10_SECONDS, KEYVAULT_OPERATIONS_PER_10_SECONDS) that each instance paces its calls below.')
param keyVaultCreatesPer10Seconds int
param keyVaultOperationsPer10Seconds int

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('The rotation events topic\'s publish URL (ROTATION_EVENTS_TOPIC_ENDPOINT).')
param rotationEventsTopicEndpoint string

@description('The CloudEvents source of the app\'s events (ROTATION_EVENTS_SOURCE).')
param rotationEventsSource string

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
      // Due rotations arrive through the rotation queue. Each instance runs at most host.json's
      // extensions.queues batchSize + newBatchThreshold (32 + 16) of them at once: a rotation mostly
      // waits (two Key Vault calls, a dozen Table calls), so 48 in flight keep about four vaults at
      // the 28.5 creates/s each vault's rate governor allows. Target-based scaling adds an instance
      // for every batchSize queued messages (fewer, busier instances: fewer governors per vault), up to
      // maximumInstanceCount; instances sharing a vault split it through Key Vault's 429s (each
      // governor halves on one, adds back 5% a second), and the governor's floor (1%) keeps 40
      // instances within one vault's limit. Failed messages come back after 30 s (visibilityTimeout),
      // five times, before the host moves them to the poison queue (maxDequeueCount); an idle
      // instance polls the queue at most every 2 s (maxPollingInterval), so a scan's messages start
      // within seconds. docs/local-host.md has the same, for the local host that reads host.json too.
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
  // AUTH_JWKS_URI is left out: the app derives the tenant's key set from AUTH_TENANT_ID, and only
  // the local identity provider needs another. An empty AUTH_ALLOWED_ISSUERS reads as unset.
  // The reports' COMPLIANCE_*, COST_* and REPORTS_* settings are left to the app's documented
  // defaults (docs/reports.md); add one here to change it. FUNCTIONS_INSTANCE_MEMORY_MB follows
  // the instance size above, so the cost report prices the memory the app really has.
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
      GOVERNED_VAULT_RESOURCE_IDS: governedVaultResourceIds
      APP_PRINCIPAL_ID: appPrincipalId
      ROTATION_SCAN_SCHEDULE: rotationScanSchedule
      ROTATION_LEASE_SECONDS: string(rotationLeaseSeconds)
      ROTATION_MAX_ATTEMPTS: string(rotationMaxAttempts)
      ROTATION_MIN_INTERVAL_SECONDS: string(rotationMinIntervalSeconds)
      DRAIN_CHECK_INTERVAL_SECONDS: string(drainCheckIntervalSeconds)
      IDEMPOTENCY_KEYS_KEPT: string(idempotencyKeysKept)
      IDEMPOTENCY_KEY_RETENTION_HOURS: string(idempotencyKeyRetentionHours)
      AUTH_TENANT_ID: authTenantId
      AUTH_AUDIENCES: authAudiences
      AUTH_ALLOWED_ISSUERS: authAllowedIssuers
      DASHBOARD_CLIENT_ID: dashboardClientId
      DASHBOARD_AUTHORITY: '${environment().authentication.loginEndpoint}${authTenantId}'
      GOVERNANCE_PROTECTED_ENVIRONMENTS: governanceProtectedEnvironments
      GOVERNANCE_REQUIRED_APPROVALS: string(governanceRequiredApprovals)
      GOVERNANCE_APPROVAL_TTL: governanceApprovalTtl
      AUDIT_ARCHIVE_CONTAINER: auditArchiveContainerName
      ROTATION_QUEUE_NAME: rotationQueueName
      KEYVAULT_CREATES_PER_10_SECONDS: string(keyVaultCreatesPer10Seconds)
      KEYVAULT_OPERATIONS_PER_10_SECONDS: string(keyVaultOperationsPer10Seconds)
      FUNCTIONS_INSTANCE_MEMORY_MB: string(instanceMemoryMB)
      WEBHOOK_TIMEOUT_SECONDS: '10'
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false'
      ROTATION_EVENTS_TOPIC_ENDPOINT: rotationEventsTopicEndpoint
      ROTATION_EVENTS_SOURCE: rotationEventsSource
      // How long a new Entra client secret is given to work before an entra-app-secret rotation fails (4-18 s reported).
      ENTRA_SECRET_PROPAGATION_SECONDS: '30'
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
