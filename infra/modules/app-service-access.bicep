// What the app-service consumer needs on one web or function app an app-service consumer lists,
// deployed into the site's own resource group: the app's identity may refresh the site's Key Vault
// references (POST .../config/configreferences/appsettings/refresh) and read their statuses
// (GET .../config/configreferences/appsettings), on this site only.
//
// Website Contributor is the narrowest built-in role that covers both. It also lets the app manage
// the site (settings, restarts, deployments), but grants no access to other resources and none to
// grant roles. A custom role with only the two config actions would be narrower, but the refresh's
// RBAC action is not documented and could not be verified, and infra/ allows no custom role
// definitions (docs/consumers.md, "app-service").

param siteName string

@description('Principal id of the app\'s managed identity.')
param appPrincipalId string

var websiteContributor = 'de139f84-1756-47ae-9be6-808fbbe84772'

resource site 'Microsoft.Web/sites@2023-12-01' existing = {
  name: siteName
}

resource appReferenceRefresher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(site.id, appPrincipalId, websiteContributor)
  scope: site
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', websiteContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}
