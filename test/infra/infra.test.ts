import { describe, expect, it } from 'vitest';
import {
  INFRA_CHECKS,
  checkById,
  defaultInfraContext,
  loadInfraSources,
  mutate,
  type InfraContext,
} from './support/infra-checks.js';

const sources = loadInfraSources();
const context = defaultInfraContext();

interface Mutation {
  check: string;
  name: string;
  file: string;
  find: string;
  replace: string;
  /** A violation the check must report on the broken copy. */
  reports: RegExp;
}

const MAIN = 'infra/main.bicep';
const STORAGE = 'infra/modules/storage.bicep';
const APP = 'infra/modules/function-app.bicep';
const VAULT = 'infra/modules/key-vault.bicep';
const GOVERNED = 'infra/modules/governed-vault.bicep';
const EVENTS = 'infra/modules/vault-event-subscription.bicep';
const DEAD_LETTER = 'infra/modules/dead-letter-access.bicep';
const MONITORING = 'infra/modules/monitoring.bicep';
const ALERT = 'infra/modules/failed-rotation-alert.bicep';
const PARAMETERS = 'infra/main.parameters.json';

const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const KEY_VAULT_ADMINISTRATOR = '00482a5a-887f-4fb3-b363-3b7fe8e74483';
const SETTINGS_ANCHOR = '      GOVERNED_VAULT_URLS: governedVaultUrls\n';
const addSetting = (line: string): Pick<Mutation, 'file' | 'find' | 'replace'> => ({ file: APP, find: SETTINGS_ANCHOR, replace: `${SETTINGS_ANCHOR}      ${line}\n` });

const MUTATIONS: Mutation[] = [
  // syntax
  { check: 'syntax', name: 'a resource body loses its brace', file: STORAGE, find: "blobServices@2023-05-01' = {", replace: "blobServices@2023-05-01' =", reports: /storage\.bicep:\d+:\d+ (syntax error|missing)/ },
  { check: 'syntax', name: 'an unclosed parenthesis', file: MAIN, find: 'output AZURE_LOCATION string = location', replace: 'output AZURE_LOCATION string = (location', reports: /main\.bicep:\d+:\d+ (missing|syntax error)/ },

  // scopes
  {
    check: 'scopes',
    name: 'a Contributor assignment at subscription scope in main.bicep',
    file: MAIN,
    find: '// Names and URLs only',
    replace: `resource subscriptionContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, 'app')
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${CONTRIBUTOR}')
    principalId: identity.outputs.principalId
  }
}

// Names and URLs only`,
    reports: /roleAssignments 'subscriptionContributor' is declared at subscription scope/,
  },
  { check: 'scopes', name: 'a module without scope deploys at subscription scope', file: MAIN, find: "  name: 'storage'\n  scope: rg\n", replace: "  name: 'storage'\n", reports: /module 'storage' must be scoped to a resource group/ },
  { check: 'scopes', name: 'a module targets the subscription', file: 'infra/modules/identity.bicep', find: "// The app's one identity", replace: "targetScope = 'subscription'\n// The app's one identity", reports: /identity\.bicep: targetScope 'subscription'/ },
  { check: 'scopes', name: 'a role assignment scoped to subscription()', file: STORAGE, find: '  scope: storage\n', replace: '  scope: subscription()\n', reports: /storage\.bicep: a resource is scoped above its resource group/ },

  // role assignments
  { check: 'role-assignments', name: 'Contributor instead of Queue Data Contributor', file: STORAGE, find: "storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'", replace: `storageQueueDataContributor: '${CONTRIBUTOR}'`, reports: /role Contributor \(b24988ac-[0-9a-f-]+\) is not allowed/ },
  { check: 'role-assignments', name: 'Key Vault Administrator instead of Secrets Officer', file: GOVERNED, find: "var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'", replace: `var keyVaultSecretsOfficer = '${KEY_VAULT_ADMINISTRATOR}'`, reports: /role Key Vault Administrator .* is not allowed/ },
  { check: 'role-assignments', name: 'a role assignment without scope (whole resource group)', file: MONITORING, find: '  scope: appInsights\n', replace: '', reports: /'appMetricsPublisher': no scope/ },
  { check: 'role-assignments', name: 'dead-letter writer on the whole account instead of the container', file: DEAD_LETTER, find: '  scope: deadLetterContainer\n', replace: '  scope: storage\n', reports: /Storage Blob Data Contributor scoped to Microsoft\.Storage\/storageAccounts \(must be .*containers\)/ },
  { check: 'role-assignments', name: 'Secrets Officer on the storage account', file: GOVERNED, find: '  scope: vault\n  properties: {\n    roleDefinitionId', replace: '  scope: systemTopic\n  properties: {\n    roleDefinitionId', reports: /Key Vault Secrets Officer scoped to Microsoft\.EventGrid\/systemTopics/ },
  { check: 'role-assignments', name: 'a fixed (non-guid) assignment name', file: STORAGE, find: 'name: guid(storage.id, appPrincipalId, roles.storageBlobDataOwner)', replace: "name: 'blob-owner'", reports: /'appBlobDataOwner': name must be guid/ },
  { check: 'role-assignments', name: 'the deployer grant loses its condition', file: VAULT, find: '= if (grantDeployerSecretsOfficer && !empty(deployerPrincipalId)) {', replace: '= {', reports: /deployer's role must be conditional on a bool param that defaults to false/ },
  { check: 'role-assignments', name: 'the deployer grant defaults to on', file: VAULT, find: 'param grantDeployerSecretsOfficer bool = false', replace: 'param grantDeployerSecretsOfficer bool = true', reports: /deployer's role must be conditional on a bool param that defaults to false/ },
  { check: 'role-assignments', name: 'a user gets Secrets Officer on an existing vault', file: GOVERNED, find: "principalId: appPrincipalId\n    principalType: 'ServicePrincipal'", replace: "principalId: appPrincipalId\n    principalType: 'User'", reports: /a user may only get Key Vault Secrets Officer on a vault this deployment creates/ },
  { check: 'role-assignments', name: 'the Table Data Contributor assignment disappears', file: STORAGE, find: "storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'", replace: "storageTableDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'", reports: /missing role assignment: Storage Table Data Contributor/ },
  { check: 'role-assignments', name: 'an Owner role id written as a raw resource id', file: STORAGE, find: "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)", replace: "roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635'", reports: /mentions the Owner role/ },

  // storage account
  { check: 'storage-account', name: 'shared keys allowed', file: STORAGE, find: 'allowSharedKeyAccess: false', replace: 'allowSharedKeyAccess: true', reports: /allowSharedKeyAccess is true/ },
  { check: 'storage-account', name: 'TLS 1.0 allowed', file: STORAGE, find: "minimumTlsVersion: 'TLS1_2'", replace: "minimumTlsVersion: 'TLS1_0'", reports: /minimumTlsVersion is 'TLS1_0'/ },
  { check: 'storage-account', name: 'public blob access allowed', file: STORAGE, find: 'allowBlobPublicAccess: false', replace: 'allowBlobPublicAccess: true', reports: /allowBlobPublicAccess is true/ },
  { check: 'storage-account', name: 'plain HTTP allowed', file: STORAGE, find: 'supportsHttpsTrafficOnly: true', replace: 'supportsHttpsTrafficOnly: false', reports: /supportsHttpsTrafficOnly is false/ },

  // storage contents
  { check: 'storage-contents', name: 'a table the app uses is not created', file: MAIN, find: "  'rotationaudit'\n", replace: '', reports: /tableNames lacks 'rotationaudit'/ },
  { check: 'storage-contents', name: 'a table the app does not use is created', file: MAIN, find: "  'rotationpolicies'\n", replace: "  'rotationpolicies'\n  'policies'\n", reports: /tableNames has 'policies', which the app does not use/ },
  { check: 'storage-contents', name: 'the rotation-failures queue is dropped', file: MAIN, find: "'rotation-failures'", replace: "'alerts'", reports: /queueNames lacks 'rotation-failures'/ },
  { check: 'storage-contents', name: 'the dead-letter container is not the one configured', file: STORAGE, find: '  name: deadLetterContainerName\n', replace: "  name: 'dead-letters'\n", reports: /no container is named by param deadLetterContainerName/ },
  { check: 'storage-contents', name: 'tables created from a fixed list', file: STORAGE, find: '[for tableName in tableNames: {', replace: "[for tableName in ['policies']: {", reports: /no .*tables resource loops over param tableNames/ },

  // function app
  { check: 'function-app', name: 'node 20 runtime', file: APP, find: "version: '22'", replace: "version: '20'", reports: /runtime\.version is '20'/ },
  { check: 'function-app', name: 'HTTP allowed', file: APP, find: 'httpsOnly: true', replace: 'httpsOnly: false', reports: /httpsOnly is false/ },
  { check: 'function-app', name: 'FTP allowed', file: APP, find: "ftpsState: 'Disabled'", replace: "ftpsState: 'AllAllowed'", reports: /ftpsState is 'AllAllowed'/ },
  { check: 'function-app', name: 'TLS 1.0 allowed', file: APP, find: "      minTlsVersion: '1.2'", replace: "      minTlsVersion: '1.0'", reports: /minTlsVersion is '1\.0'/ },
  { check: 'function-app', name: 'SCM basic auth publishing allowed', file: APP, find: "name: 'scm'\n    properties: {\n      allow: false", replace: "name: 'scm'\n    properties: {\n      allow: true", reports: /properties\.allow is true/ },
  { check: 'function-app', name: 'FTP publishing policy missing', file: APP, find: "name: 'ftp'", replace: "name: 'ftp-off'", reports: /no basicPublishingCredentialsPolicies 'ftp'/ },
  { check: 'function-app', name: 'Consumption (Y1) instead of Flex', file: APP, find: "tier: 'FlexConsumption'\n    name: 'FC1'", replace: "tier: 'Dynamic'\n    name: 'Y1'", reports: /sku\.name is 'Y1'/ },
  { check: 'function-app', name: 'deployment storage reached with a connection string', file: APP, find: "type: 'UserAssignedIdentity'", replace: "type: 'StorageAccountConnectionString'", reports: /authentication\.type is 'StorageAccountConnectionString'/ },
  { check: 'function-app', name: 'the azd-service-name tag is dropped', file: APP, find: "tags: union(tags, { 'azd-service-name': 'api' })", replace: 'tags: tags', reports: /tags lack 'azd-service-name': 'api'/ },

  // app settings
  { check: 'app-settings', name: 'a setting config.ts reads is missing', file: APP, find: '      ROTATION_MAX_ATTEMPTS: string(rotationMaxAttempts)\n', replace: '', reports: /app setting ROTATION_MAX_ATTEMPTS \(read by src\/config\.ts in Azure\) is missing/ },
  { check: 'app-settings', name: 'an account-key connection string', ...addSetting("AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value}'"), reports: /AzureWebJobsStorage is a local-only setting/ },
  { check: 'app-settings', name: 'a key in a setting value', ...addSetting("ROTATION_SCAN_SCHEDULE_BACKUP: storage.listKeys().keys[0].value"), reports: /ROTATION_SCAN_SCHEDULE_BACKUP carries a key or connection string/ },
  { check: 'app-settings', name: 'a setting the code does not read', ...addSetting("FEATURE_FLAG_X: 'on'"), reports: /FEATURE_FLAG_X is neither read by src\/config\.ts nor in HOST_SETTINGS/ },
  { check: 'app-settings', name: 'a local-only emulator setting', ...addSetting("KEYVAULT_EMULATOR_ADDRESS: '127.0.0.1'"), reports: /KEYVAULT_EMULATOR_ADDRESS is a local-only setting/ },
  { check: 'app-settings', name: 'FUNCTIONS_WORKER_RUNTIME on Flex', ...addSetting("FUNCTIONS_WORKER_RUNTIME: 'node'"), reports: /FUNCTIONS_WORKER_RUNTIME is rejected on Flex Consumption/ },
  { check: 'app-settings', name: 'host storage with a connection-string credential', file: APP, find: "AzureWebJobsStorage__credential: 'managedidentity'", replace: "AzureWebJobsStorage__credential: 'connectionstring'", reports: /AzureWebJobsStorage__credential must be 'managedidentity'/ },
  { check: 'app-settings', name: 'App Insights without Entra ID auth', file: APP, find: "'ClientId=${identityClientId};Authorization=AAD'", replace: "'ClientId=${identityClientId}'", reports: /APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be/ },

  // no secrets
  { check: 'no-secrets', name: 'an output with listKeys()', file: STORAGE, find: 'output deadLetterContainerName string = deadLetterContainer.name\n', replace: 'output deadLetterContainerName string = deadLetterContainer.name\noutput accountKey string = storage.listKeys().keys[0].value\n', reports: /output accountKey exposes a secret/ },
  { check: 'no-secrets', name: 'listKeys() anywhere', file: STORAGE, find: 'output deadLetterContainerName string = deadLetterContainer.name\n', replace: 'output deadLetterContainerName string = deadLetterContainer.name\noutput keyCount int = length(storage.listKeys().keys)\n', reports: /listKeys\(\) reads keys or secrets/ },
  { check: 'no-secrets', name: 'the App Insights connection string as a module output', file: MONITORING, find: 'output applicationInsightsName string = appInsights.name\n', replace: 'output applicationInsightsName string = appInsights.name\noutput connection string = appInsights.properties.ConnectionString\n', reports: /output connection exposes a secret/ },
  { check: 'no-secrets', name: 'a connection-string-named azd output', file: MAIN, find: 'output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId\n', replace: 'output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId\noutput APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsName\n', reports: /output APPLICATIONINSIGHTS_CONNECTION_STRING exposes/ },
  { check: 'no-secrets', name: 'an account-key connection string in a var', file: APP, find: "resource plan 'Microsoft.Web/serverfarms", replace: "var storageConnection = 'DefaultEndpointsProtocol=https;AccountName=${storageAccountName};AccountKey=${storage.listKeys().keys[0].value}'\n\nresource plan 'Microsoft.Web/serverfarms", reports: /looks like a connection string or key/ },

  // key vault
  { check: 'key-vault', name: 'purge protection removed', file: VAULT, find: '    enablePurgeProtection: true\n', replace: '', reports: /enablePurgeProtection is not set/ },
  { check: 'key-vault', name: 'access policies instead of RBAC', file: VAULT, find: 'enableRbacAuthorization: true', replace: 'enableRbacAuthorization: false', reports: /enableRbacAuthorization is false/ },
  { check: 'key-vault', name: 'soft delete 7 days', file: VAULT, find: 'softDeleteRetentionInDays: 90', replace: 'softDeleteRetentionInDays: 7', reports: /softDeleteRetentionInDays is 7/ },
  { check: 'key-vault', name: 'public network access hard-coded', file: VAULT, find: '    publicNetworkAccess: publicNetworkAccess\n', replace: "    publicNetworkAccess: 'Enabled'\n", reports: /publicNetworkAccess must come from a param/ },
  { check: 'key-vault', name: 'an access policy list', file: VAULT, find: '    enableRbacAuthorization: true\n', replace: '    enableRbacAuthorization: true\n    accessPolicies: []\n', reports: /access policies are not allowed/ },

  // governed vaults
  { check: 'governed-vaults', name: 'existing vaults deployed into the app resource group', file: MAIN, find: '  scope: resourceGroup(vault.subscriptionId, vault.resourceGroup)\n  params: {\n    vaultName: vault.name', replace: '  scope: rg\n  params: {\n    vaultName: vault.name', reports: /must be scoped to each vault's own resource group/ },
  { check: 'governed-vaults', name: 'existing vaults left out of the governed list', file: MAIN, find: 'var governedVaults = concat(createdVaults, existingVaultRefs)', replace: 'var governedVaults = createdVaults', reports: /does not include existingVaults/ },
  { check: 'governed-vaults', name: 'GOVERNED_VAULT_URLS built from another list', file: MAIN, find: 'var governedVaultUrls = [for vault in governedVaults:', replace: 'var governedVaultUrls = [for vault in existingVaultRefs:', reports: /governedVaultUrls passed to the function app is not built from 'governedVaults'/ },
  { check: 'governed-vaults', name: 'GOVERNED_VAULT_URLS set to empty', file: APP, find: 'GOVERNED_VAULT_URLS: governedVaultUrls', replace: "GOVERNED_VAULT_URLS: ''", reports: /GOVERNED_VAULT_URLS app setting must be the governedVaultUrls param/ },
  { check: 'governed-vaults', name: 'an empty vault list accepted', file: APP, find: '@minLength(1)\n@description(\'Comma-separated URLs', replace: '@description(\'Comma-separated URLs', reports: /governedVaultUrls needs @minLength\(1\)/ },
  { check: 'governed-vaults', name: 'AuditEvent not collected', file: GOVERNED, find: "category: 'AuditEvent'", replace: "category: 'AzurePolicyEvaluationDetails'", reports: /AuditEvent log category is not enabled/ },
  { check: 'governed-vaults', name: 'AllMetrics off', file: GOVERNED, find: "category: 'AllMetrics'\n        enabled: true", replace: "category: 'AllMetrics'\n        enabled: false", reports: /AllMetrics is not enabled/ },
  { check: 'governed-vaults', name: 'a storage topic type', file: GOVERNED, find: "topicType: 'Microsoft.KeyVault.vaults'", replace: "topicType: 'Microsoft.Storage.StorageAccounts'", reports: /topicType is 'Microsoft\.Storage\.StorageAccounts'/ },
  { check: 'governed-vaults', name: 'system topic outside the vault region', file: GOVERNED, find: 'location: vault.location', replace: 'location: resourceGroup().location', reports: /system topic must be in the vault's location/ },
  { check: 'governed-vaults', name: 'system topic without identity', file: GOVERNED, find: "  identity: {\n    type: 'SystemAssigned'\n  }\n", replace: '', reports: /system topic needs an identity to dead-letter/ },

  // event subscriptions
  { check: 'event-subscriptions', name: 'SecretExpired dropped', file: EVENTS, find: "        'Microsoft.KeyVault.SecretExpired'\n", replace: '', reports: /Microsoft\.KeyVault\.SecretExpired is not delivered/ },
  { check: 'event-subscriptions', name: 'an unrelated event type added', file: EVENTS, find: "        'Microsoft.KeyVault.SecretExpired'\n", replace: "        'Microsoft.KeyVault.SecretExpired'\n        'Microsoft.KeyVault.VaultAccessPolicyChanged'\n", reports: /unexpected event type "Microsoft\.KeyVault\.VaultAccessPolicyChanged"/ },
  { check: 'event-subscriptions', name: 'a webhook destination', file: EVENTS, find: "endpointType: 'AzureFunction'", replace: "endpointType: 'WebHook'", reports: /destination endpointType must be AzureFunction/ },
  { check: 'event-subscriptions', name: 'a function name src/functions does not register', file: EVENTS, find: "/functions/onKeyVaultEvent'", replace: "/functions/onKeyVaultEvents'", reports: /destination must be <function app id>\/functions\/<an Event Grid function/ },
  { check: 'event-subscriptions', name: 'no retry policy', file: EVENTS, find: '    retryPolicy: {\n      maxDeliveryAttempts: maxDeliveryAttempts\n      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes\n    }\n', replace: '', reports: /retryPolicy\.maxDeliveryAttempts is not set/ },
  { check: 'event-subscriptions', name: 'dead-lettering dropped', file: EVENTS, find: 'deadLetterWithResourceIdentity: {', replace: 'deadLetterDisabled: {', reports: /dead-lettering must use the topic's managed identity/ },
  { check: 'event-subscriptions', name: 'key-based dead-lettering', file: EVENTS, find: "    deadLetterWithResourceIdentity: {\n      identity: {\n        type: 'SystemAssigned'\n      }\n      deadLetterDestination: {", replace: '    deadLetterWithResourceIdentity: {\n      deadLetterDestination: {', reports: /dead-lettering must use the topic's managed identity/ },
  { check: 'event-subscriptions', name: 'subscriptions deployed on the first provision', file: MAIN, find: 'if (deployEventSubscriptions) ', replace: '', reports: /must be conditional on deployEventSubscriptions/ },
  { check: 'event-subscriptions', name: 'deployEventSubscriptions defaults to true', file: MAIN, find: 'param deployEventSubscriptions bool = false', replace: 'param deployEventSubscriptions bool = true', reports: /must be conditional on deployEventSubscriptions/ },
  { check: 'event-subscriptions', name: 'subscriptions created before the dead-letter role', file: MAIN, find: '  dependsOn: [\n    deadLetterAccess\n  ]\n', replace: '', reports: /must depend on the dead-letter role assignments/ },
  { check: 'event-subscriptions', name: "the dead-letter role goes to the app, not the topic", file: MAIN, find: 'principalId: governedVault[i].outputs.systemTopicPrincipalId', replace: 'principalId: identity.outputs.principalId', reports: /dead-letter role must go to each system topic's identity/ },
  { check: 'event-subscriptions', name: 'the PowerShell postdeploy hook does not provision', file: 'infra/hooks/postdeploy.ps1', find: 'azd provision --no-prompt', replace: "Write-Host 'skipped'", reports: /postdeploy\.ps1: must set DEPLOY_EVENT_SUBSCRIPTIONS true and run azd provision/ },
  { check: 'event-subscriptions', name: 'postdown does not reset the flag', file: 'infra/hooks/postdown.sh', find: 'azd env set DEPLOY_EVENT_SUBSCRIPTIONS false', replace: 'true', reports: /postdown\.sh: must reset DEPLOY_EVENT_SUBSCRIPTIONS to false/ },

  // monitoring
  { check: 'monitoring', name: 'App Insights local auth on', file: MONITORING, find: 'DisableLocalAuth: true', replace: 'DisableLocalAuth: false', reports: /DisableLocalAuth is false/ },
  { check: 'monitoring', name: 'classic (not workspace-based) App Insights', file: MONITORING, find: '    WorkspaceResourceId: workspace.id\n', replace: '', reports: /must be workspace-based/ },
  { check: 'monitoring', name: 'the alert query looks for another event', file: ALERT, find: '== "rotation.failed"', replace: '== "rotation.started"', reports: /the query does not compare the event field to "rotation\.failed"/ },
  { check: 'monitoring', name: 'the alert query goes back to a substring of the message', file: ALERT, find: '(traces\n', replace: '(traces | where message contains "rotation.failed"\n', reports: /matches "rotation\.failed" inside text/ },
  { check: 'monitoring', name: 'the alert query compares the event with contains', file: ALERT, find: 'tostring(entry.event) == "rotation.failed"', replace: 'tostring(entry.event) contains "rotation.failed"', reports: /matches "rotation\.failed" inside text/ },
  { check: 'monitoring', name: 'the alert query reads the event from the whole message', file: ALERT, find: 'tostring(entry.event) == "rotation.failed"', replace: 'tostring(entry.event) == "rotation.failed" or message has "rotation.failed"', reports: /matches "rotation\.failed" inside text/ },
  { check: 'monitoring', name: 'an older alert API version', file: ALERT, find: 'scheduledQueryRules@2023-03-15-preview', replace: 'scheduledQueryRules@2021-08-01', reports: /API version 2021-08-01/ },
  { check: 'monitoring', name: 'the alert notifies nobody', file: ALERT, find: '      actionGroups: [\n        actionGroup.id\n      ]', replace: '      actionGroups: []', reports: /does not notify the action group/ },
  { check: 'monitoring', name: 'a hard-coded alert email', file: ALERT, find: "param alertEmailAddress string = ''", replace: "param alertEmailAddress string = 'ops@example.com'", reports: /email receiver must come from a param that defaults to ''/ },

  // tags
  { check: 'tags', name: 'storage account without tags', file: STORAGE, find: "  tags: tags\n  kind: 'StorageV2'", replace: "  kind: 'StorageV2'", reports: /storageAccounts 'storage': no tags/ },
  { check: 'tags', name: 'azd-env-name renamed', file: MAIN, find: "'azd-env-name': environmentName", replace: "'env-name': environmentName", reports: /var tags must be \{ 'azd-env-name': environmentName \}/ },
  { check: 'tags', name: 'resource group without tags', file: MAIN, find: '  location: location\n  tags: tags\n}\n\nmodule identity', replace: '  location: location\n}\n\nmodule identity', reports: /the resource group must carry tags/ },

  // outputs
  { check: 'outputs', name: 'a lower-case output', file: MAIN, find: '// Names and URLs only', replace: 'output functionAppName string = functionApp.outputs.name\n// Names and URLs only', reports: /output functionAppName is not UPPER_SNAKE/ },
  { check: 'outputs', name: 'SERVICE_API_NAME missing', file: MAIN, find: 'output SERVICE_API_NAME string', replace: 'output SERVICE_NAME string', reports: /output SERVICE_API_NAME is missing/ },

  // parameters file
  { check: 'parameters-file', name: 'a parameter main.bicep does not declare', file: PARAMETERS, find: '"existingVaults": {', replace: '"vaults": {', reports: /vaults is not a param of infra\/main\.bicep/ },
  { check: 'parameters-file', name: 'a required parameter not provided', file: PARAMETERS, find: '    "location": {\n      "value": "${AZURE_LOCATION}"\n    },\n', replace: '', reports: /required param location .* is not provided/ },
  { check: 'parameters-file', name: 'azd default disagrees with the Bicep default', file: PARAMETERS, find: '${DEPLOY_EVENT_SUBSCRIPTIONS=false}', replace: '${DEPLOY_EVENT_SUBSCRIPTIONS=true}', reports: /deployEventSubscriptions defaults to 'true' but infra\/main\.bicep defaults it to false/ },
  { check: 'parameters-file', name: 'invalid JSON', file: PARAMETERS, find: '"contentVersion": "1.0.0.0",', replace: '"contentVersion": "1.0.0.0"', reports: /is not valid JSON/ },
  { check: 'parameters-file', name: 'principal id not from azd', file: PARAMETERS, find: '${AZURE_PRINCIPAL_ID}', replace: '${PRINCIPAL}', reports: /principalId must be "\$\{AZURE_PRINCIPAL_ID\}"/ },

  // azure.yaml
  { check: 'azure-yaml', name: 'a container app host', file: 'azure.yaml', find: 'host: function', replace: 'host: containerapp', reports: /services\.api\.host is "containerapp"/ },
  { check: 'azure-yaml', name: 'a python service', file: 'azure.yaml', find: 'language: ts', replace: 'language: python', reports: /services\.api\.language is "python"/ },
  { check: 'azure-yaml', name: 'a hook script that does not exist', file: 'azure.yaml', find: 'run: ./infra/hooks/postdeploy.ps1', replace: 'run: ./infra/hooks/post-deploy.ps1', reports: /hooks\.postdeploy\.windows\.run ".*post-deploy\.ps1" is not an existing \.ps1 script/ },
  { check: 'azure-yaml', name: 'tab indentation', file: 'azure.yaml', find: '    language: ts', replace: '\tlanguage: ts', reports: /azure\.yaml line \d+: tabs are not allowed/ },
  { check: 'azure-yaml', name: 'an infra path without main.bicep', file: 'azure.yaml', find: '  path: infra', replace: '  path: deploy', reports: /infra deploy\/main\.bicep does not exist/ },
  { check: 'azure-yaml', name: 'an unknown hook', file: 'azure.yaml', find: '  postdown:', replace: '  afterdown:', reports: /'afterdown' is not an azd hook/ },
  { check: 'azure-yaml', name: 'a project without package.json', file: 'azure.yaml', find: 'project: .', replace: 'project: ./src', reports: /services\.api\.project "\.\/src" has no package\.json/ },
  { check: 'azure-yaml', name: 'a sequence (outside the subset read here)', file: 'azure.yaml', find: 'services:\n  api:', replace: 'services:\n  - api:', reports: /sequences are not supported/ },
];

describe('infra as written', () => {
  it.each(INFRA_CHECKS.map((check) => ({ id: check.id, title: check.title })))('$id: $title', ({ id }) => {
    // Arrange
    const check = checkById(id);

    // Act
    const violations = check.run(sources, context);

    // Assert
    expect(violations).toEqual([]);
  });

  it('checks every .bicep file under infra/', () => {
    // Arrange
    const bicepFiles = Object.keys(sources).filter((path) => path.endsWith('.bicep'));

    // Act
    const modulesDeployed = new Set(bicepFiles.filter((path) => path !== MAIN).map((path) => path.replace('infra/', '')));
    const referenced = [...(sources[MAIN] ?? '').matchAll(/^module \w+ '([^']+)'/gm)].map((m) => m[1]);

    // Assert
    expect(bicepFiles.length).toBeGreaterThanOrEqual(10);
    expect(new Set(referenced)).toEqual(modulesDeployed);
  });
});

describe('each check fails on a deliberately broken copy', () => {
  it('has at least one mutation for every check', () => {
    // Arrange
    const covered = new Set(MUTATIONS.map((m) => m.check));

    // Act
    const uncovered = INFRA_CHECKS.map((c) => c.id).filter((id) => !covered.has(id));

    // Assert
    expect(uncovered).toEqual([]);
  });

  it.each(MUTATIONS)('$check: $name', ({ check, file, find, replace, reports }) => {
    // Arrange
    const broken = mutate(sources, file, find, replace);

    // Act
    const violations = checkById(check).run(broken, context);

    // Assert
    expect(violations.find((v) => reports.test(v)), violations.join('\n') || '(no violations)').toBeDefined();
  });
});

describe('the checks follow the code, not a copy of it', () => {
  it('fails when src/config.ts gains an azure setting infra does not set', () => {
    // Arrange
    const newerCode: InfraContext = { ...context, azureSettings: [...context.azureSettings, 'ROTATION_NEW_SETTING'] };

    // Act
    const violations = checkById('app-settings').run(sources, newerCode);

    // Assert
    expect(violations).toEqual([expect.stringMatching(/app setting ROTATION_NEW_SETTING .* is missing/)]);
  });

  it('fails when a setting infra sets becomes local-only in src/config.ts', () => {
    // Arrange
    const newerCode: InfraContext = {
      ...context,
      azureSettings: context.azureSettings.filter((name) => name !== 'ROTATION_LEASE_SECONDS'),
      localSettings: [...context.localSettings, 'ROTATION_LEASE_SECONDS'],
    };

    // Act
    const violations = checkById('app-settings').run(sources, newerCode);

    // Assert
    expect(violations).toEqual([expect.stringMatching(/ROTATION_LEASE_SECONDS is a local-only setting/)]);
  });

  it('fails when the app uses a table infra does not create', () => {
    // Arrange
    const newerCode: InfraContext = { ...context, tableNames: [...context.tableNames, 'rotationlocks'] };

    // Act
    const violations = checkById('storage-contents').run(sources, newerCode);

    // Assert
    expect(violations).toEqual([expect.stringMatching(/tableNames lacks 'rotationlocks'/)]);
  });

  it('fails when the Event Grid function is renamed in src/functions', () => {
    // Arrange
    const newerCode: InfraContext = { ...context, eventGridFunctions: ['onVaultEvent'] };

    // Act
    const violations = checkById('event-subscriptions').run(sources, newerCode);

    // Assert
    expect(violations).toEqual([expect.stringMatching(/functions\/<an Event Grid function in src\/functions: onVaultEvent>/)]);
  });

  it('reads the settings and tables from the code', () => {
    // Arrange / Act
    const fromCode = defaultInfraContext();

    // Assert
    expect(fromCode.azureSettings).toContain('GOVERNED_VAULT_URLS');
    expect(fromCode.localSettings).toContain('AzureWebJobsStorage');
    expect(fromCode.tableNames.length).toBeGreaterThan(0);
    expect(fromCode.eventGridFunctions).toEqual(['onKeyVaultEvent']);
  });
});

describe('mutate', () => {
  it('refuses a mutation whose text is not in the file, so none can pass vacuously', () => {
    // Arrange / Act / Assert
    expect(() => mutate(sources, STORAGE, 'allowSharedKeyAccess: maybe', 'x')).toThrow(/not found in infra\/modules\/storage\.bicep/);
  });
});
