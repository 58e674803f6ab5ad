// The Event Grid custom topic the app publishes rotation events to (CloudEvents 1.0, docs/rotation-events.md):
// RotationStarted, RotationSucceeded, RotationFailed, RotationParked, CredentialRevoked, OutOfBandChangeDetected.
// The app publishes with its managed identity, which gets EventGrid Data Sender on this topic and nothing else;
// access keys and SAS tokens are off (disableLocalAuth), so the identity is the only way in.
//
// Routing is the subscribers' business: each team adds its own event subscription (Teams through a Logic App,
// PagerDuty, a queue, a function). The optional one here sends RotationFailed and RotationParked to a webhook
// that completes Event Grid's validation handshake (a Logic App's Event Grid or HTTP trigger that mails, for
// example). Event Grid has no e-mail destination, and its Azure Monitor alert destination (MonitorAlert) serves
// system topics only, not custom topics; e-mail on failures is also sent by the failed-rotation log alert's
// action group (alertEmailAddress), from the rotation.failed log line, whatever happens to this topic.

param name string
param location string
param tags object

@description('Object id of the app\'s managed identity: the only publisher.')
param appPrincipalId string

@description('Optional https endpoint told of RotationFailed and RotationParked (it must answer Event Grid\'s validation handshake); empty for none.')
param failureWebhookUrl string = ''

var eventGridDataSender = 'd5a91429-5739-47e2-a06b-3470a27159e7'

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    minimumTlsVersionAllowed: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource appRotationEventsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, appPrincipalId, eventGridDataSender)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource failureSubscription 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = if (!empty(failureWebhookUrl)) {
  parent: topic
  name: 'rotation-failures'
  properties: {
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: failureWebhookUrl
      }
    }
    filter: {
      includedEventTypes: [
        'KeyVaultRotation.RotationFailed'
        'KeyVaultRotation.RotationParked'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

// The publish URL (https://<name>.<region>-1.eventgrid.azure.net/api/events): not a secret.
output endpoint string = topic.properties.endpoint
output id string = topic.id
