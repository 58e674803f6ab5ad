// Entry point for `azd up`. Subscription scope, as azd templates are, so the deployment creates
// (and `azd down` removes) its own resource group. This file declares nothing but that group:
// every other resource and every role assignment lives in a module scoped to a resource group,
// and each role assignment to one resource. Nothing is granted at subscription scope.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; also makes resource names unique.')
param environmentName string

@minLength(1)
@description('Region of the resource group and the app (must offer Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the user running azd (AZURE_PRINCIPAL_ID). Used only if grantDeployerSecretsOfficer is true.')
param principalId string = ''

@description('Name of the resource group to create; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Create a Key Vault in the app\'s resource group and govern it.')
param createKeyVault bool = true

@description('Name of the vault created when createKeyVault is true; default kv-<token>.')
param keyVaultName string = ''

@allowed([
  'Enabled'
  'Disabled'
])
param keyVaultPublicNetworkAccess string = 'Enabled'

@description('Give the deploying user Key Vault Secrets Officer on the created vault (never on existing vaults).')
param grantDeployerSecretsOfficer bool = false

@description('A vault that already exists, possibly in another resource group or subscription.')
type existingVault = {
  @description('Vault name (the host name before .vault.azure.net).')
  name: string

  @description('Resource group of the vault.')
  resourceGroup: string

  @description('Subscription of the vault; default: the deployment\'s subscription.')
  subscriptionId: string?

  @description('Name of the vault\'s Event Grid system topic; give the existing topic\'s name if it has one.')
  systemTopicName: string?
}

@description('Existing Key Vaults to govern.')
param existingVaults existingVault[] = []

@description('Resource ids of the web apps and function apps app-service consumers refresh (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Web/sites/<name>): the app gets Website Contributor on each site only.')
param appServiceSiteIds string[] = []

@description('Resource ids of the storage accounts storage-account-key consumers rotate the keys of (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>): the app gets Storage Account Key Operator Service Role on each account only.')
param storageKeyAccountIds string[] = []

@description('Create the Event Grid subscriptions. False on the first provision: the function they target must be deployed first (see infra/hooks/postdeploy).')
param deployEventSubscriptions bool = false

@minValue(1)
@maxValue(30)
param eventMaxDeliveryAttempts int = 30

@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

@description('Email notified when a rotation fails; empty for none.')
param alertEmailAddress string = ''

@description('Optional https endpoint (it must answer Event Grid\'s validation handshake) subscribed to RotationFailed and RotationParked on the rotation events topic; empty for none. See docs/rotation-events.md.')
param rotationEventsFailureWebhookUrl string = ''

@description('NCRONTAB schedule of the due-policy scan (ROTATION_SCAN_SCHEDULE).')
param rotationScanSchedule string = '0 */5 * * * *'

@minValue(1)
param rotationLeaseSeconds int = 300

@minValue(1)
param rotationMaxAttempts int = 5

@description('No timer or event rotates a policy again within this many seconds (ROTATION_MIN_INTERVAL_SECONDS).')
@minValue(1)
param rotationMinIntervalSeconds int = 3600

@description('How often a rotation waiting for an old credential to drain is checked again (DRAIN_CHECK_INTERVAL_SECONDS).')
@minValue(1)
param drainCheckIntervalSeconds int = 60

@description('Idempotency keys remembered per policy (IDEMPOTENCY_KEYS_KEPT).')
@minValue(1)
param idempotencyKeysKept int = 50

@description('Hours an idempotency key is remembered (IDEMPOTENCY_KEY_RETENTION_HOURS); Event Grid retries for up to 24.')
@minValue(1)
param idempotencyKeyRetentionHours int = 24

@description('Directory (tenant) id whose access tokens the API accepts (AUTH_TENANT_ID).')
param authTenantId string = tenant().tenantId

// No default: an app without an audience refuses to start, so the deployment refuses first.
@minLength(1)
@description('Comma-separated audiences the API accepts (AUTH_AUDIENCES): its app ID URI and/or client id. The preprovision hook infra/hooks/app-registration sets AUTH_AUDIENCES.')
param authAudiences string

@description('Comma-separated exact token issuers (AUTH_ALLOWED_ISSUERS); empty: the app accepts the tenant\'s v1 and v2 issuers.')
param authAllowedIssuers string = ''

@description('Client id the dashboard (/api/ui/) signs people in with (DASHBOARD_CLIENT_ID): the API\'s registration, AUTH_CLIENT_ID, with the SPA redirect URI https://<app>/api/ui/ (docs/auth.md). Empty: the dashboard says sign-in is not configured.')
param dashboardClientId string = ''

@description('Policy environments whose changes wait for approvals (GOVERNANCE_PROTECTED_ENVIRONMENTS); \'none\' protects none.')
param governanceProtectedEnvironments string = 'staging,production'

@description('Distinct approvers, never the requester, a protected change needs (GOVERNANCE_REQUIRED_APPROVALS).')
@minValue(1)
@maxValue(10)
param governanceRequiredApprovals int = 2

@description('How long a change request waits for its approvals (GOVERNANCE_APPROVAL_TTL): ISO 8601 or shorthand, 5 minutes to 30 days.')
param governanceApprovalTtl string = '24h'

@description('Days each record in the audit archive container can be read but not changed or deleted.')
@minValue(1)
@maxValue(146000)
param auditRetentionDays int = 365

@description('True once the audit archive\'s retention policy has been locked by hand: the template then leaves the locked policy alone (see infra/modules/storage.bicep).')
param auditRetentionPolicyLocked bool = false

@description('Key Vault\'s per-vault limit on secret creates in 10 seconds (KEYVAULT_CREATES_PER_10_SECONDS): the service\'s 300 unless Microsoft has raised it for the subscription.')
@minValue(1)
param keyVaultCreatesPer10Seconds int = 300

@description('Key Vault\'s per-vault limit on all other operations in 10 seconds (KEYVAULT_OPERATIONS_PER_10_SECONDS).')
@minValue(1)
param keyVaultOperationsPer10Seconds int = 4000

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var rgName = !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
var functionAppName = 'func-${resourceToken}'
var createdKeyVaultName = !empty(keyVaultName) ? keyVaultName : 'kv-${resourceToken}'

// The tables src/adapters/tables/index.ts uses with its default prefix (tableNames()).
var appTableNames = [
  'rotationpolicies'
  'rotationstates'
  'rotationschedule'
  'rotationaudit'
  'rotationchanges'
  'rotationsmoketests'
]
// The rotation queue (ROTATION_QUEUE_NAME): the scan sends each due policy there and
// rotateDuePolicy takes them on whichever instance Flex Consumption scales out to. And its poison
// queue, where the Functions host moves a message after host.json's maxDequeueCount (5) failed
// deliveries; alert-rotation-poison fires on the app's rotation.poison line and GET /api/health
// counts what is in it. Both are made here, so neither the app nor the host creates a queue.
var appQueueNames = [
  'rotation-due'
  'rotation-due-poison'
]
// The app's default for ROTATION_QUEUE_NAME; set explicitly all the same.
var rotationQueueName = 'rotation-due'
// The app's default for AUDIT_ARCHIVE_CONTAINER; set explicitly all the same.
var auditArchiveContainerName = 'audit-archive'

var createdVaults = createKeyVault ? [
  {
    name: createdKeyVaultName
    resourceGroup: rgName
    subscriptionId: subscription().subscriptionId
    systemTopicName: 'evgt-${createdKeyVaultName}'
  }
] : []
var existingVaultRefs = [for vault in existingVaults: {
  name: vault.name
  resourceGroup: vault.resourceGroup
  subscriptionId: vault.?subscriptionId ?? subscription().subscriptionId
  systemTopicName: vault.?systemTopicName ?? 'evgt-${vault.name}'
}]
var governedVaults = concat(createdVaults, existingVaultRefs)
var governedVaultUrls = [for vault in governedVaults: 'https://${vault.name}${environment().suffixes.keyvaultDns}']
var governedVaultResourceIds = [for vault in governedVaults: '/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}']

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: rgName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
    deadLetterContainerName: 'eventgrid-deadletter'
    auditArchiveContainerName: auditArchiveContainerName
    auditRetentionDays: auditRetentionDays
    auditRetentionPolicyLocked: auditRetentionPolicyLocked
    tableNames: appTableNames
    queueNames: appQueueNames
    appPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'modules/key-vault.bicep' = if (createKeyVault) {
  name: 'key-vault'
  scope: rg
  params: {
    name: createdKeyVaultName
    location: location
    tags: tags
    publicNetworkAccess: keyVaultPublicNetworkAccess
    grantDeployerSecretsOfficer: grantDeployerSecretsOfficer
    deployerPrincipalId: principalId
  }
}

// Deployed into each vault's own resource group, so vaults elsewhere are governed in place.
module governedVault 'modules/governed-vault.bicep' = [for vault in governedVaults: {
  name: 'governed-vault-${vault.name}'
  scope: resourceGroup(vault.subscriptionId, vault.resourceGroup)
  params: {
    vaultName: vault.name
    appPrincipalId: identity.outputs.principalId
    systemTopicName: vault.systemTopicName
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    tags: tags
  }
  dependsOn: [
    keyVault
  ]
}]

module deadLetterAccess 'modules/dead-letter-access.bicep' = [for (vault, i) in governedVaults: {
  name: 'dead-letter-access-${vault.name}'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    deadLetterContainerName: storage.outputs.deadLetterContainerName
    principalId: governedVault[i].outputs.systemTopicPrincipalId
  }
}]

// Rotation events (CloudEvents 1.0) for subscribers to route to Teams, e-mail or PagerDuty; the app may only publish.
module rotationEventsTopic 'modules/rotation-events-topic.bicep' = {
  name: 'rotation-events-topic'
  scope: rg
  params: {
    name: 'evgt-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    failureWebhookUrl: rotationEventsFailureWebhookUrl
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    governedVaultUrls: join(governedVaultUrls, ',')
    governedVaultResourceIds: join(governedVaultResourceIds, ',')
    appPrincipalId: identity.outputs.principalId
    rotationScanSchedule: rotationScanSchedule
    rotationLeaseSeconds: rotationLeaseSeconds
    rotationMaxAttempts: rotationMaxAttempts
    rotationMinIntervalSeconds: rotationMinIntervalSeconds
    drainCheckIntervalSeconds: drainCheckIntervalSeconds
    idempotencyKeysKept: idempotencyKeysKept
    idempotencyKeyRetentionHours: idempotencyKeyRetentionHours
    authTenantId: authTenantId
    authAudiences: authAudiences
    authAllowedIssuers: authAllowedIssuers
    dashboardClientId: dashboardClientId
    governanceProtectedEnvironments: governanceProtectedEnvironments
    governanceRequiredApprovals: governanceRequiredApprovals
    governanceApprovalTtl: governanceApprovalTtl
    auditArchiveContainerName: storage.outputs.auditArchiveContainerName
    rotationQueueName: rotationQueueName
    keyVaultCreatesPer10Seconds: keyVaultCreatesPer10Seconds
    keyVaultOperationsPer10Seconds: keyVaultOperationsPer10Seconds
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    rotationEventsTopicEndpoint: rotationEventsTopic.outputs.endpoint
    rotationEventsSource: '/kvrot/${functionAppName}'
  }
}

// One grant per listed site, deployed into the site's own resource group, so the app can refresh its
// Key Vault references after a rotation (the app-service consumer) and do nothing on any other site.
module appServiceAccess 'modules/app-service-access.bicep' = [for siteId in appServiceSiteIds: {
  name: 'app-service-access-${uniqueString(siteId)}'
  scope: resourceGroup(split(siteId, '/')[2], split(siteId, '/')[4])
  params: {
    siteName: split(siteId, '/')[8]
    appPrincipalId: identity.outputs.principalId
  }
}]

// One grant per listed account, deployed into the account's own resource group, so the app can list and
// regenerate its keys (the storage-account-key consumer) and touch no other account's.
module storageKeyAccess 'modules/storage-account-key-access.bicep' = [for accountId in storageKeyAccountIds: {
  name: 'storage-key-access-${uniqueString(accountId)}'
  scope: resourceGroup(split(accountId, '/')[2], split(accountId, '/')[4])
  params: {
    storageAccountName: split(accountId, '/')[8]
    appPrincipalId: identity.outputs.principalId
  }
}]

module vaultEvents 'modules/vault-event-subscription.bicep' = [for (vault, i) in governedVaults: if (deployEventSubscriptions) {
  name: 'vault-events-${vault.name}'
  scope: resourceGroup(vault.subscriptionId, vault.resourceGroup)
  params: {
    systemTopicName: governedVault[i].outputs.systemTopicName
    functionAppId: functionApp.outputs.id
    deadLetterStorageAccountId: storage.outputs.id
    deadLetterContainerName: storage.outputs.deadLetterContainerName
    maxDeliveryAttempts: eventMaxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
  }
  dependsOn: [
    deadLetterAccess
  ]
}]

module failedRotationAlert 'modules/failed-rotation-alert.bicep' = {
  name: 'failed-rotation-alert'
  scope: rg
  params: {
    name: 'alert-rotation-failed-${resourceToken}'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    alertEmailAddress: alertEmailAddress
    actionGroupName: 'ag-${resourceToken}'
  }
}

module rotationPoisonAlert 'modules/rotation-poison-alert.bicep' = {
  name: 'rotation-poison-alert'
  scope: rg
  params: {
    name: 'alert-rotation-poison-${resourceToken}'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    actionGroupId: failedRotationAlert.outputs.actionGroupId
  }
}

module breakGlassAlert 'modules/break-glass-alert.bicep' = {
  name: 'break-glass-alert'
  scope: rg
  params: {
    name: 'alert-break-glass-${resourceToken}'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    actionGroupId: failedRotationAlert.outputs.actionGroupId
  }
}

// Names and URLs only: no key, connection string or secret is ever an output.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = createKeyVault ? createdKeyVaultName : ''
output GOVERNED_VAULT_URLS string = join(governedVaultUrls, ',')
output AZURE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = monitoring.outputs.workspaceName
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
