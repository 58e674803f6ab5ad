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
]
var appQueueNames = [
  'rotation-failures'
]

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
    rotationScanSchedule: rotationScanSchedule
    rotationLeaseSeconds: rotationLeaseSeconds
    rotationMaxAttempts: rotationMaxAttempts
    rotationMinIntervalSeconds: rotationMinIntervalSeconds
    drainCheckIntervalSeconds: drainCheckIntervalSeconds
    idempotencyKeysKept: idempotencyKeysKept
    idempotencyKeyRetentionHours: idempotencyKeyRetentionHours
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

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
