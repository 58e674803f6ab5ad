// Alerts when a rotation message is given up on. The Functions host moves a message of the rotation
// queue to rotation-due-poison after host.json's maxDequeueCount (5) failed deliveries; on the last
// of them the app logs the JSON line whose `event` field is exactly 'rotation.poison'
// (src/core/rotation/due-rotation.ts), naming the policy, the message id and why. As in
// failed-rotation-alert.bicep, the query compares that field and never searches the message. One
// alert per window, not one per message: a storage outage can poison many at once, and one
// notification with the count says it. Nothing is lost meanwhile: the policy's schedule entry stays
// due, so the next scan sends it again; GET /api/health counts what waits in the poison queue.

param name string
param location string
param tags object

@description('Resource id of the Application Insights component the app logs to.')
param applicationInsightsId string

@description('The action group failed-rotation-alert.bicep creates: the same people are told.')
param actionGroupId string

var poisonQuery = '''
traces
| extend entry = parse_json(substring(message, indexof(message, "{")))
| where tostring(entry.event) == "rotation.poison"
| project timestamp, policyId = tostring(entry.policyId), messageId = tostring(entry.messageId), error = tostring(entry.error), cloud_RoleName
'''

resource rotationPoison 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: name
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Rotation message moved to the poison queue'
    description: 'A due rotation failed five deliveries in a row and its message was moved to rotation-due-poison. The log line says which policy and why; GET /api/health counts the poison queue. The next scan sends the policy again.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: poisonQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroupId
      ]
    }
  }
}

output alertRuleId string = rotationPoison.id
