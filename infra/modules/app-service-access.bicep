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
//
// Deployment slots are child resources of their site (Microsoft.Web/sites/slots), so this grant on
// the site covers every slot of it. main.bicep passes split(id, '/')[8], the site's name, for a
// site's id and for a slot's (.../sites/{name}/slots/{slot}) alike: a listed slot is granted through
// its site, which also covers the site itself and its other slots (no narrower built-in grant is
// made per slot here).

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
