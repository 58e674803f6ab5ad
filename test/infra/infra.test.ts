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
const BREAK_GLASS = 'infra/modules/break-glass-alert.bicep';
const POISON = 'infra/modules/rotation-poison-alert.bicep';
const ROLES_FILE = 'infra/app-roles.json';
const SCOPES_FILE = 'infra/app-api-scopes.json';
const API_FILE = 'infra/app-api.json';
const HOOK_SH = 'infra/hooks/app-registration.sh';
const HOOK_PS1 = 'infra/hooks/app-registration.ps1';
const APP_SERVICE = 'infra/modules/app-service-access.bicep';
const STORAGE_KEYS = 'infra/modules/storage-account-key-access.bicep';
const EVENTS_TOPIC = 'infra/modules/rotation-events-topic.bicep';

const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const KEY_VAULT_ADMINISTRATOR = '00482a5a-887f-4fb3-b363-3b7fe8e74483';
const SETTINGS_ANCHOR = '      GOVERNED_VAULT_URLS: governedVaultUrls\n';
const BLOB_DATA_CONTRIBUTOR = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe';
/** The app identity given Storage Blob Data Contributor on a resource of storage.bicep. */
const appBlobContributorOn = (scope: string): Pick<Mutation, 'file' | 'find' | 'replace'> => ({
  file: STORAGE,
  find: 'output id string = storage.id\n',
  replace: `resource appBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(${scope}.id, appPrincipalId, '${BLOB_DATA_CONTRIBUTOR}')
  scope: ${scope}
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${BLOB_DATA_CONTRIBUTOR}')
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output id string = storage.id
`,
});
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
  { check: 'role-assignments', name: 'the app gets Blob Data Contributor on the whole account', ...appBlobContributorOn('storage'), reports: /'appBlobContributor': Storage Blob Data Contributor scoped to Microsoft\.Storage\/storageAccounts \(must be .*containers\)/ },
  { check: 'role-assignments', name: 'a fixed (non-guid) assignment name', file: STORAGE, find: 'name: guid(storage.id, appPrincipalId, roles.storageBlobDataOwner)', replace: "name: 'blob-owner'", reports: /'appBlobDataOwner': name must be guid/ },
  { check: 'role-assignments', name: 'the deployer grant loses its condition', file: VAULT, find: '= if (grantDeployerSecretsOfficer && !empty(deployerPrincipalId)) {', replace: '= {', reports: /deployer's role must be conditional on a bool param that defaults to false/ },
  { check: 'role-assignments', name: 'the deployer grant defaults to on', file: VAULT, find: 'param grantDeployerSecretsOfficer bool = false', replace: 'param grantDeployerSecretsOfficer bool = true', reports: /deployer's role must be conditional on a bool param that defaults to false/ },
  { check: 'role-assignments', name: "the access review's Reader on the vault's system topic instead of the vault", file: GOVERNED, find: '  name: guid(vault.id, appPrincipalId, reader)\n  scope: vault\n', replace: '  name: guid(vault.id, appPrincipalId, reader)\n  scope: systemTopic\n', reports: /Reader scoped to Microsoft\.EventGrid\/systemTopics \(must be Microsoft\.KeyVault\/vaults\)/ },
  { check: 'role-assignments', name: "the access review's Reader is gone", file: GOVERNED, find: "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', reader)", replace: "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)", reports: /missing role assignment: Reader for the app/ },
  { check: 'role-assignments', name: 'a user gets Secrets Officer on an existing vault', file: GOVERNED, find: "principalId: appPrincipalId\n    principalType: 'ServicePrincipal'", replace: "principalId: appPrincipalId\n    principalType: 'User'", reports: /a user may only get Key Vault Secrets Officer on a vault this deployment creates/ },
  { check: 'role-assignments', name: 'the Table Data Contributor assignment disappears', file: STORAGE, find: "storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'", replace: "storageTableDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'", reports: /missing role assignment: Storage Table Data Contributor/ },
  { check: 'role-assignments', name: 'an Owner role id written as a raw resource id', file: STORAGE, find: "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)", replace: "roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635'", reports: /mentions the Owner role/ },

  // app-service consumers
  { check: 'role-assignments', name: 'Contributor instead of Website Contributor on a site', file: APP_SERVICE, find: "var websiteContributor = 'de139f84-1756-47ae-9be6-808fbbe84772'", replace: `var websiteContributor = '${CONTRIBUTOR}'`, reports: /role Contributor \(b24988ac-[0-9a-f-]+\) is not allowed/ },
  { check: 'role-assignments', name: 'Website Contributor on the whole resource group', file: APP_SERVICE, find: '  scope: site\n', replace: '', reports: /'appReferenceRefresher': no scope/ },
  { check: 'rotation-events', name: 'the topic takes access keys', file: EVENTS_TOPIC, find: 'disableLocalAuth: true', replace: 'disableLocalAuth: false', reports: /properties\.disableLocalAuth is false, must be true/ },
  { check: 'rotation-events', name: 'the topic in the Event Grid schema', file: EVENTS_TOPIC, find: "inputSchema: 'CloudEventSchemaV1_0'", replace: "inputSchema: 'EventGridSchema'", reports: /properties\.inputSchema is "EventGridSchema"/ },
  { check: 'rotation-events', name: 'TLS 1.0 allowed on the topic', file: EVENTS_TOPIC, find: "minimumTlsVersionAllowed: '1.2'", replace: "minimumTlsVersionAllowed: '1.0'", reports: /minimumTlsVersionAllowed is "1\.0"/ },
  { check: 'role-assignments', name: 'EventGrid Data Sender on the resource group instead of the topic', file: EVENTS_TOPIC, find: '  scope: topic\n', replace: '', reports: /'appRotationEventsSender': no scope/ },
  { check: 'rotation-events', name: 'EventGrid Data Sender to another principal', file: EVENTS_TOPIC, find: '    principalId: appPrincipalId\n', replace: "    principalId: '00000000-0000-0000-0000-000000000000'\n", reports: /EventGrid Data Sender must go to appPrincipalId/ },
  { check: 'rotation-events', name: 'the app is not told the topic', file: MAIN, find: '    rotationEventsTopicEndpoint: rotationEventsTopic.outputs.endpoint\n', replace: "    rotationEventsTopicEndpoint: ''\n", reports: /rotationEventsTopicEndpoint must be rotationEventsTopic\.outputs\.endpoint/ },
  { check: 'app-service-access', name: 'a second grant on the site', file: APP_SERVICE, find: "var websiteContributor = 'de139f84-1756-47ae-9be6-808fbbe84772'", replace: "var websiteContributor = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'", reports: /the only grant must be Website Contributor on the site/ },
  { check: 'app-service-access', name: 'Website Contributor to another principal', file: APP_SERVICE, find: '    principalId: appPrincipalId\n', replace: "    principalId: '00000000-0000-0000-0000-000000000000'\n", reports: /Website Contributor must go to appPrincipalId/ },
  { check: 'app-service-access', name: 'sites granted from a fixed list', file: MAIN, find: '[for siteId in appServiceSiteIds: {', replace: "[for siteId in ['/subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/sites/app']: {", reports: /must be deployed once per site of a string\[\] param that defaults to \[\]/ },
  { check: 'app-service-access', name: 'a site granted by default', file: MAIN, find: 'param appServiceSiteIds string[] = []', replace: "param appServiceSiteIds string[] = ['/subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/sites/app']", reports: /must be deployed once per site of a string\[\] param that defaults to \[\]/ },
  { check: 'app-service-access', name: "the grant deployed in the app's resource group instead of the site's", file: MAIN, find: "  scope: resourceGroup(split(siteId, '/')[2], split(siteId, '/')[4])\n", replace: '  scope: rg\n', reports: /must be scoped to each site's own resource group/ },
  { check: 'app-service-access', name: 'the grant given to the deployer', file: MAIN, find: "    siteName: split(siteId, '/')[8]\n    appPrincipalId: identity.outputs.principalId\n", replace: "    siteName: split(siteId, '/')[8]\n    appPrincipalId: principalId\n", reports: /appPrincipalId must be the app identity's/ },

  // storage-account-key consumers
  { check: 'role-assignments', name: 'Storage Account Key Operator on the whole resource group', file: STORAGE_KEYS, find: '  scope: account\n', replace: '', reports: /'appKeyOperator': no scope/ },
  { check: 'role-assignments', name: 'Contributor instead of Storage Account Key Operator on an account', file: STORAGE_KEYS, find: "var storageAccountKeyOperator = '81a9662b-bebf-436f-a333-f67b29880f12'", replace: `var storageAccountKeyOperator = '${CONTRIBUTOR}'`, reports: /role Contributor \(b24988ac-[0-9a-f-]+\) is not allowed/ },
  { check: 'storage-key-access', name: 'another role on the account', file: STORAGE_KEYS, find: "var storageAccountKeyOperator = '81a9662b-bebf-436f-a333-f67b29880f12'", replace: "var storageAccountKeyOperator = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'", reports: /the only grant must be Storage Account Key Operator Service Role on the account \(account\)/ },
  { check: 'storage-key-access', name: 'the key operator role to another principal', file: STORAGE_KEYS, find: '    principalId: appPrincipalId\n', replace: "    principalId: '00000000-0000-0000-0000-000000000000'\n", reports: /Storage Account Key Operator Service Role must go to appPrincipalId/ },
  { check: 'storage-key-access', name: 'accounts granted from a fixed list', file: MAIN, find: '[for accountId in storageKeyAccountIds: {', replace: "[for accountId in ['/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stdata']: {", reports: /must be deployed once per account of a string\[\] param that defaults to \[\]/ },
  { check: 'storage-key-access', name: 'an account granted by default', file: MAIN, find: 'param storageKeyAccountIds string[] = []', replace: "param storageKeyAccountIds string[] = ['/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stdata']", reports: /must be deployed once per account of a string\[\] param that defaults to \[\]/ },
  { check: 'storage-key-access', name: "the grant deployed in the app's resource group instead of the account's", file: MAIN, find: "  scope: resourceGroup(split(accountId, '/')[2], split(accountId, '/')[4])\n", replace: '  scope: rg\n', reports: /must be scoped to each account's own resource group/ },
  { check: 'storage-key-access', name: 'the grant given to the deployer', file: MAIN, find: "    storageAccountName: split(accountId, '/')[8]\n    appPrincipalId: identity.outputs.principalId\n", replace: "    storageAccountName: split(accountId, '/')[8]\n    appPrincipalId: principalId\n", reports: /storage-account-key-access\.bicep's appPrincipalId must be the app identity's/ },
  { check: 'storage-key-access', name: "the app's own storage account given the key operator role", file: STORAGE, find: "storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'", replace: "storageTableDataContributor: '81a9662b-bebf-436f-a333-f67b29880f12'", reports: /Storage Account Key Operator Service Role is granted only by modules\/storage-account-key-access\.bicep/ },

  // storage account
  { check: 'storage-account', name: 'shared keys allowed', file: STORAGE, find: 'allowSharedKeyAccess: false', replace: 'allowSharedKeyAccess: true', reports: /allowSharedKeyAccess is true/ },
  { check: 'storage-account', name: 'TLS 1.0 allowed', file: STORAGE, find: "minimumTlsVersion: 'TLS1_2'", replace: "minimumTlsVersion: 'TLS1_0'", reports: /minimumTlsVersion is 'TLS1_0'/ },
  { check: 'storage-account', name: 'public blob access allowed', file: STORAGE, find: 'allowBlobPublicAccess: false', replace: 'allowBlobPublicAccess: true', reports: /allowBlobPublicAccess is true/ },
  { check: 'storage-account', name: 'plain HTTP allowed', file: STORAGE, find: 'supportsHttpsTrafficOnly: true', replace: 'supportsHttpsTrafficOnly: false', reports: /supportsHttpsTrafficOnly is false/ },

  // storage contents
  { check: 'storage-contents', name: 'a table the app uses is not created', file: MAIN, find: "  'rotationaudit'\n", replace: '', reports: /tableNames lacks 'rotationaudit'/ },
  { check: 'storage-contents', name: 'a table the app does not use is created', file: MAIN, find: "  'rotationpolicies'\n", replace: "  'rotationpolicies'\n  'policies'\n", reports: /tableNames has 'policies', which the app does not use/ },
  { check: 'storage-contents', name: 'the poison queue is not created', file: MAIN, find: "  'rotation-due-poison'\n", replace: '', reports: /queueNames lacks 'rotation-due-poison'/ },
  { check: 'storage-contents', name: 'a queue the app does not use is created', file: MAIN, find: "  'rotation-due-poison'\n", replace: "  'rotation-due-poison'\n  'rotation-failures'\n", reports: /queueNames has 'rotation-failures', which the app does not use/ },
  { check: 'storage-contents', name: 'the app setting names a queue that is not created', file: MAIN, find: "var rotationQueueName = 'rotation-due'", replace: "var rotationQueueName = 'rotations'", reports: /ROTATION_QUEUE_NAME 'rotations' and its 'rotations-poison' must both be in queueNames/ },
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

  { check: 'app-settings', name: 'AUTH_JWKS_URI pinned in Azure', ...addSetting("AUTH_JWKS_URI: 'https://login.microsoftonline.com/common/discovery/v2.0/keys'"), reports: /AUTH_JWKS_URI is left to the app's default in Azure/ },
  { check: 'app-settings', name: 'AUTH_AUDIENCES not set', file: APP, find: '      AUTH_AUDIENCES: authAudiences\n', replace: '', reports: /app setting AUTH_AUDIENCES \(read by src\/config\.ts in Azure\) is missing/ },

  // auth settings
  { check: 'auth-settings', name: 'a tenant id written into the app settings', file: APP, find: 'AUTH_TENANT_ID: authTenantId', replace: "AUTH_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47'", reports: /AUTH_TENANT_ID must be a param of infra\/modules\/function-app\.bicep/ },
  { check: 'auth-settings', name: 'main.bicep passes a fixed tenant', file: MAIN, find: '    authTenantId: authTenantId\n', replace: "    authTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47'\n", reports: /AUTH_TENANT_ID must come from a param of infra\/main\.bicep/ },
  { check: 'auth-settings', name: 'the tenant defaults to something else', file: MAIN, find: 'param authTenantId string = tenant().tenantId', replace: 'param authTenantId string = subscription().tenantId', reports: /param authTenantId \(AUTH_TENANT_ID\) must default to tenant\(\)\.tenantId/ },
  { check: 'auth-settings', name: 'the audiences get a default', file: MAIN, find: 'param authAudiences string\n', replace: "param authAudiences string = 'api://kv-rotation'\n", reports: /param authAudiences \(AUTH_AUDIENCES\) must have no default/ },
  { check: 'auth-settings', name: 'empty audiences accepted', file: MAIN, find: "@minLength(1)\n@description('Comma-separated audiences", replace: "@description('Comma-separated audiences", reports: /param authAudiences \(AUTH_AUDIENCES\) needs @minLength\(1\)/ },
  { check: 'auth-settings', name: 'the audiences read from another azd variable', file: PARAMETERS, find: '"value": "${AUTH_AUDIENCES}"', replace: '"value": "${AUTH_AUDIENCE}"', reports: /authAudiences must be "\$\{AUTH_AUDIENCES\}"/ },
  { check: 'auth-settings', name: 'the PowerShell hook does not set AUTH_AUDIENCES', file: HOOK_PS1, find: 'azd env set AUTH_AUDIENCES $audiences', replace: 'Write-Host $audiences', reports: /app-registration\.ps1: must set AUTH_AUDIENCES/ },
  { check: 'auth-settings', name: 'the issuers pinned by default', file: MAIN, find: "param authAllowedIssuers string = ''", replace: "param authAllowedIssuers string = 'https://sts.windows.net/common/'", reports: /param authAllowedIssuers \(AUTH_ALLOWED_ISSUERS\) must default to ''/ },

  // governance settings
  { check: 'governance-settings', name: 'fewer protected environments than the app', file: MAIN, find: "param governanceProtectedEnvironments string = 'staging,production'", replace: "param governanceProtectedEnvironments string = 'production'", reports: /defaults to "production"; the app's default is 'staging,production'/ },
  { check: 'governance-settings', name: 'one approval by default', file: MAIN, find: 'param governanceRequiredApprovals int = 2', replace: 'param governanceRequiredApprovals int = 1', reports: /GOVERNANCE_REQUIRED_APPROVALS\) defaults to 1; the app's default is 2/ },
  { check: 'governance-settings', name: 'zero approvals allowed', file: MAIN, find: '@minValue(1)\n@maxValue(10)\nparam governanceRequiredApprovals', replace: '@minValue(0)\n@maxValue(10)\nparam governanceRequiredApprovals', reports: /GOVERNANCE_REQUIRED_APPROVALS\) needs @minValue\(1\)/ },
  { check: 'governance-settings', name: 'a longer approval window than the app', file: MAIN, find: "param governanceApprovalTtl string = '24h'", replace: "param governanceApprovalTtl string = '48h'", reports: /GOVERNANCE_APPROVAL_TTL\) defaults to "48h", which is not the app's default/ },
  { check: 'governance-settings', name: 'the approval window written into the app settings', file: APP, find: 'GOVERNANCE_APPROVAL_TTL: governanceApprovalTtl', replace: "GOVERNANCE_APPROVAL_TTL: '24h'", reports: /GOVERNANCE_APPROVAL_TTL must be a param of/ },

  // audit archive
  { check: 'audit-archive', name: 'no retention policy on the container', file: STORAGE, find: "resource auditRetention 'immutabilityPolicies'", replace: "resource auditRetention 'legalHold'", reports: /the audit archive container has no immutabilityPolicies/ },
  { check: 'audit-archive', name: 'a fixed retention', file: STORAGE, find: 'immutabilityPeriodSinceCreationInDays: auditRetentionDays', replace: 'immutabilityPeriodSinceCreationInDays: 1', reports: /immutabilityPeriodSinceCreationInDays must be a param/ },
  { check: 'audit-archive', name: 'a retention of zero days accepted', file: STORAGE, find: '@minValue(1)\n@maxValue(146000)\nparam auditRetentionDays int\n', replace: '@maxValue(146000)\nparam auditRetentionDays int\n', reports: /param auditRetentionDays needs @minValue\(1\)/ },
  { check: 'audit-archive', name: 'a retention defaulting to nothing', file: MAIN, find: 'param auditRetentionDays int = 365', replace: 'param auditRetentionDays int = 0', reports: /must come from a param with a default of at least 1 day/ },
  { check: 'audit-archive', name: 'appends to block blobs allowed', file: STORAGE, find: 'allowProtectedAppendWrites: false\n      allowProtectedAppendWritesAll: false', replace: 'allowProtectedAppendWrites: false\n      allowProtectedAppendWritesAll: true', reports: /allowProtectedAppendWritesAll lets new blocks into block blobs/ },
  { check: 'audit-archive', name: 'appends to append blobs allowed', file: STORAGE, find: 'allowProtectedAppendWrites: false\n      allowProtectedAppendWritesAll: false', replace: 'allowProtectedAppendWrites: true\n      allowProtectedAppendWritesAll: false', reports: /allowProtectedAppendWrites lets append blobs grow under retention/ },
  { check: 'audit-archive', name: 'the lock switch on by default', file: MAIN, find: 'param auditRetentionPolicyLocked bool = false', replace: 'param auditRetentionPolicyLocked bool = true', reports: /may only be conditional on !<param>/ },
  { check: 'audit-archive', name: 'the policy behind an unrelated condition', file: STORAGE, find: '= if (!auditRetentionPolicyLocked) {', replace: '= if (auditRetentionDays > 30) {', reports: /may only be conditional on !<param>/ },
  { check: 'audit-archive', name: 'AUDIT_ARCHIVE_CONTAINER names another container', file: MAIN, find: 'auditArchiveContainerName: storage.outputs.auditArchiveContainerName', replace: 'auditArchiveContainerName: storage.outputs.deadLetterContainerName', reports: /AUDIT_ARCHIVE_CONTAINER must be the audit container's name/ },
  { check: 'audit-archive', name: 'an invalid container name', file: MAIN, find: "var auditArchiveContainerName = 'audit-archive'", replace: "var auditArchiveContainerName = 'Audit_Archive'", reports: /auditArchiveContainerName must be a valid container name/ },
  { check: 'audit-archive', name: 'the app cannot write blobs', file: STORAGE, find: "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)", replace: "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)", reports: /the app identity cannot create blobs in the audit archive/ },
  { check: 'audit-archive', name: 'the app gets Blob Data Contributor on another container', ...appBlobContributorOn('deadLetterContainer'), reports: /the app's Storage Blob Data Contributor is scoped to 'deadLetterContainer', not the audit archive container/ },

  // app registration
  { check: 'app-registration', name: 'a role the app checks is missing', file: ROLES_FILE, find: '"value": "Audit.Read"', replace: '"value": "Audit.Reader"', reports: /app role Audit\.Read \(APP_ROLES in src\/core\/auth\/caller\.ts\) is missing/ },
  { check: 'app-registration', name: 'a role the app does not know', file: ROLES_FILE, find: '"value": "Audit.Read"', replace: '"value": "Audit.Reader"', reports: /app role "Audit\.Reader" is not in APP_ROLES/ },
  { check: 'app-registration', name: 'a role id that is not a GUID', file: ROLES_FILE, find: '"id": "1dd4b8a0-256c-474f-9067-a5e213fdd2ff"', replace: '"id": "rotation-read"', reports: /Rotation\.Read: id must be a fixed lower-case GUID/ },
  { check: 'app-registration', name: 'a role for users only', file: ROLES_FILE, find: '"allowedMemberTypes": ["User", "Application"]', replace: '"allowedMemberTypes": ["User"]', reports: /Rotation\.Read: allowedMemberTypes must be \["User", "Application"\]/ },
  { check: 'app-registration', name: 'a role the app checks is disabled', file: ROLES_FILE, find: '"isEnabled": true', replace: '"isEnabled": false', reports: /app role Rotation\.Read \(APP_ROLES in src\/core\/auth\/caller\.ts\) is disabled/ },
  { check: 'app-registration', name: 'a role without isEnabled', file: ROLES_FILE, find: '"isEnabled": true', replace: '"isEnabled": "yes"', reports: /Rotation\.Read: isEnabled must be true/ },
  { check: 'app-registration', name: 'a role reusing the scope id', file: ROLES_FILE, find: '"id": "1dd4b8a0-256c-474f-9067-a5e213fdd2ff"', replace: '"id": "9f6fea3f-3416-43f1-a6e7-ca2bd14576a9"', reports: /app role and scope ids must all differ/ },
  { check: 'app-registration', name: 'the two scope files disagree', file: SCOPES_FILE, find: '"value": "user_impersonation"', replace: '"value": "access_as_user"', reports: /must declare the same oauth2PermissionScopes/ },
  { check: 'app-registration', name: 'the Azure CLI not pre-authorized', file: API_FILE, find: '"appId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46"', replace: '"appId": "1950a258-227b-4e31-a9cf-717495945fc2"', reports: /the Azure CLI \(04b07795-[0-9a-f-]+\) is not pre-authorized/ },
  { check: 'app-registration', name: 'a pre-authorization without the scope', file: API_FILE, find: '"delegatedPermissionIds": ["9f6fea3f-3416-43f1-a6e7-ca2bd14576a9"]', replace: '"delegatedPermissionIds": []', reports: /must name delegatedPermissionIds of the scopes declared here/ },
  { check: 'app-registration', name: 'not a JSON array', file: ROLES_FILE, find: '[\n  {', replace: '{"roles": [\n  {', reports: /app-roles\.json is not valid JSON|must be a JSON array/ },
  { check: 'app-registration', name: 'the hook is not wired as preprovision', file: 'azure.yaml', find: 'run: ./infra/hooks/app-registration.sh', replace: 'run: ./infra/hooks/postdeploy.sh', reports: /hooks\.preprovision\.posix\.run must be \.\/infra\/hooks\/app-registration\.sh/ },
  { check: 'app-registration', name: 'the hook pre-authorizes before the scope exists', file: HOOK_SH, find: '--body "@$infra/app-api-scopes.json"\naz rest --method PATCH --url "$graph" --headers Content-Type=application/json --body "@$infra/app-api.json"', replace: '--body "@$infra/app-api.json"\naz rest --method PATCH --url "$graph" --headers Content-Type=application/json --body "@$infra/app-api-scopes.json"', reports: /app-registration\.sh: must PATCH infra\/app-api-scopes\.json before infra\/app-api\.json/ },
  { check: 'app-registration', name: 'the hook updates roles from another file', file: HOOK_PS1, find: 'Invoke-Az ad app update --id $appId --identifier-uris $uri --app-roles "@$infra/app-roles.json"', replace: 'Invoke-Az ad app update --id $appId --identifier-uris $uri --app-roles "@$infra/roles.json"', reports: /app-registration\.ps1: applies roles from a file other than infra\/app-roles\.json/ },
  { check: 'app-registration', name: 'the hook sets no app ID URI', file: HOOK_SH, find: 'AzureADMyOrg \\\n    --identifier-uris "$uri" --app-roles', replace: 'AzureADMyOrg \\\n    --app-roles', reports: /app-registration\.sh: every az ad app create and update must set the app ID URI/ },

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
  { check: 'monitoring', name: 'the metrics publisher role goes to another principal', file: MONITORING, find: '    principalId: appPrincipalId\n', replace: "    principalId: '00000000-0000-0000-0000-000000000000'\n", reports: /Monitoring Metrics Publisher must be assigned on the Application Insights component to appPrincipalId/ },
  { check: 'monitoring', name: 'the monitoring module is given another identity', file: MAIN, find: '    appPrincipalId: identity.outputs.principalId\n  }\n}\n\nmodule storage', replace: "    appPrincipalId: principalId\n  }\n}\n\nmodule storage", reports: /monitoring\.bicep's appPrincipalId must be the app identity's/ },
  { check: 'role-assignments', name: 'no metrics publisher role', file: MONITORING, find: "    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)\n", replace: "    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '43d0d8ad-25c7-4714-9337-8ba259a9fe05')\n", reports: /missing role assignment: Monitoring Metrics Publisher/ },
  { check: 'app-settings', name: 'no App Insights connection string for the app', file: APP, find: '      APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString\n', replace: '', reports: /app setting APPLICATIONINSIGHTS_CONNECTION_STRING \(read by src\/config\.ts in Azure\) is missing/ },
  { check: 'monitoring', name: 'App Insights local auth on', file: MONITORING, find: 'DisableLocalAuth: true', replace: 'DisableLocalAuth: false', reports: /DisableLocalAuth is false/ },
  { check: 'monitoring', name: 'classic (not workspace-based) App Insights', file: MONITORING, find: '    WorkspaceResourceId: workspace.id\n', replace: '', reports: /must be workspace-based/ },
  { check: 'monitoring', name: 'the alert query looks for another event', file: ALERT, find: '== "rotation.failed"', replace: '== "rotation.started"', reports: /no alert rule compares the event field to "rotation\.failed" exactly/ },
  { check: 'monitoring', name: 'the alert query goes back to a substring of the message', file: ALERT, find: '(traces\n', replace: '(traces | where message contains "rotation.failed"\n', reports: /matches "rotation\.failed" inside text/ },
  { check: 'monitoring', name: 'the alert query compares the event with contains', file: ALERT, find: 'tostring(entry.event) == "rotation.failed"', replace: 'tostring(entry.event) contains "rotation.failed"', reports: /matches "rotation\.failed" inside text/ },
  { check: 'monitoring', name: 'the alert query reads the event from the whole message', file: ALERT, find: 'tostring(entry.event) == "rotation.failed"', replace: 'tostring(entry.event) == "rotation.failed" or message has "rotation.failed"', reports: /matches "rotation\.failed" inside text/ },
  { check: 'monitoring', name: 'an older alert API version', file: ALERT, find: 'scheduledQueryRules@2023-03-15-preview', replace: 'scheduledQueryRules@2021-08-01', reports: /API version 2021-08-01/ },
  { check: 'monitoring', name: 'the alert notifies nobody', file: ALERT, find: '      actionGroups: [\n        actionGroup.id\n      ]', replace: '      actionGroups: []', reports: /does not notify the action group/ },
  { check: 'monitoring', name: 'the break-glass alert waits for another event', file: BREAK_GLASS, find: '== "rotation.break-glass"', replace: '== "rotation.breakglass"', reports: /no alert rule compares the event field to "rotation\.break-glass" exactly/ },
  { check: 'monitoring', name: 'the break-glass alert searches the message', file: BREAK_GLASS, find: '| where tostring(entry.event) == "rotation.break-glass"', replace: '| where message has "rotation.break-glass"', reports: /alert 'breakGlass': the query matches "rotation\.break-glass" inside text/ },
  { check: 'monitoring', name: 'break-glass rotations not split by request', file: BREAK_GLASS, find: "          dimensions: [\n            {\n              name: 'requestId'\n              operator: 'Include'\n              values: [\n                '*'\n              ]\n            }\n          ]\n", replace: '', reports: /each rotation\.break-glass must be its own alert/ },
  { check: 'monitoring', name: 'the break-glass alert is given something else than the action group', file: MAIN, find: "    name: 'alert-break-glass-${resourceToken}'\n    location: location\n    tags: tags\n    applicationInsightsId: monitoring.outputs.applicationInsightsId\n    actionGroupId: failedRotationAlert.outputs.actionGroupId", replace: "    name: 'alert-break-glass-${resourceToken}'\n    location: location\n    tags: tags\n    applicationInsightsId: monitoring.outputs.applicationInsightsId\n    actionGroupId: failedRotationAlert.outputs.alertRuleId", reports: /alert 'breakGlass': does not notify the action group/ },
  { check: 'monitoring', name: 'the poison alert waits for another event', file: POISON, find: '== "rotation.poison"', replace: '== "rotation.poisoned"', reports: /no alert rule compares the event field to "rotation\.poison" exactly/ },
  { check: 'monitoring', name: 'the poison alert searches the message', file: POISON, find: '| where tostring(entry.event) == "rotation.poison"', replace: '| where message has "rotation.poison"', reports: /alert 'rotationPoison': the query matches "rotation\.poison" inside text/ },
  { check: 'monitoring', name: 'the poison alert is given something else than the action group', file: MAIN, find: "    name: 'alert-rotation-poison-${resourceToken}'\n    location: location\n    tags: tags\n    applicationInsightsId: monitoring.outputs.applicationInsightsId\n    actionGroupId: failedRotationAlert.outputs.actionGroupId", replace: "    name: 'alert-rotation-poison-${resourceToken}'\n    location: location\n    tags: tags\n    applicationInsightsId: monitoring.outputs.applicationInsightsId\n    actionGroupId: failedRotationAlert.outputs.alertRuleId", reports: /alert 'rotationPoison': does not notify the action group/ },
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

  it('fails when src/core/auth/caller.ts gains an app role the registration lacks', () => {
    // Arrange
    const newerCode: InfraContext = { ...context, appRoles: [...context.appRoles, 'Policy.Delete'] };

    // Act
    const violations = checkById('app-registration').run(sources, newerCode);

    // Assert
    expect(violations).toEqual([expect.stringMatching(/app role Policy\.Delete \(APP_ROLES in src\/core\/auth\/caller\.ts\) is missing/)]);
  });

  it('fails when the app no longer logs the event an alert waits for', () => {
    // Arrange
    const newerCode: InfraContext = { ...context, loggedEvents: context.loggedEvents.filter((event) => event !== 'rotation.break-glass') };

    // Act
    const violations = checkById('monitoring').run(sources, newerCode);

    // Assert
    expect(violations).toEqual([expect.stringMatching(/an alert waits for "rotation\.break-glass", but src logs no event of that name/)]);
  });

  it('fails when the app changes a governance default infra repeats', () => {
    // Arrange
    const newerCode: InfraContext = { ...context, governanceDefaults: { ...context.governanceDefaults, requiredApprovals: 3 } };

    // Act
    const violations = checkById('governance-settings').run(sources, newerCode);

    // Assert
    expect(violations).toEqual([expect.stringMatching(/GOVERNANCE_REQUIRED_APPROVALS\) defaults to 2; the app's default is 3/)]);
  });

  it('fails when a setting infra leaves to the app becomes required', () => {
    // Arrange
    const newerCode: InfraContext = { ...context, requiredSettings: [...context.requiredSettings, 'AUTH_JWKS_URI'] };

    // Act
    const violations = checkById('app-settings').run(sources, newerCode);

    // Assert
    expect(violations).toEqual([expect.stringMatching(/AUTH_JWKS_URI is required by src\/config\.ts, so infra must set it/)]);
  });

  it('fails when a setting infra leaves to the app is no longer read in Azure', () => {
    // Arrange
    const newerCode: InfraContext = { ...context, azureSettings: context.azureSettings.filter((name) => name !== 'AUTH_JWKS_URI') };

    // Act
    const violations = checkById('app-settings').run(sources, newerCode);

    // Assert
    expect(violations).toEqual([expect.stringMatching(/LEFT_TO_THE_APP names AUTH_JWKS_URI, which src\/config\.ts no longer reads in Azure/)]);
  });

  it('accepts a retired app role kept disabled, as Graph needs before it can be removed', () => {
    // Arrange
    const retired = mutate(sources, 'infra/app-roles.json', '[\n  {', '[\n  {\n    "id": "e17d6685-7792-424e-ada2-236ea9208670",\n    "value": "Rotation.Admin",\n    "displayName": "Retired",\n    "description": "Retired: split into Policy.Write and Rotation.Operate.",\n    "allowedMemberTypes": ["User", "Application"],\n    "isEnabled": false\n  },\n  {');

    // Act
    const violations = checkById('app-registration').run(retired, context);

    // Assert
    expect(violations).toEqual([]);
  });

  it('reads the settings, tables, roles, defaults and logged events from the code', () => {
    // Arrange / Act
    const fromCode = defaultInfraContext();

    // Assert
    expect(fromCode.azureSettings).toContain('GOVERNED_VAULT_URLS');
    expect(fromCode.localSettings).toContain('AzureWebJobsStorage');
    expect(fromCode.tableNames.length).toBeGreaterThan(0);
    expect(fromCode.eventGridFunctions).toEqual(['onKeyVaultEvent']);
    expect(fromCode.appRoles).toContain('Rotation.BreakGlass');
    expect(fromCode.governanceDefaults.requiredApprovals).toBeGreaterThan(0);
    expect(fromCode.loggedEvents).toEqual(expect.arrayContaining(['rotation.failed', 'rotation.break-glass', 'rotation.poison']));
  });
});

describe('mutate', () => {
  it('refuses a mutation whose text is not in the file, so none can pass vacuously', () => {
    // Arrange / Act / Assert
    expect(() => mutate(sources, STORAGE, 'allowSharedKeyAccess: maybe', 'x')).toThrow(/not found in infra\/modules\/storage\.bicep/);
  });
});
