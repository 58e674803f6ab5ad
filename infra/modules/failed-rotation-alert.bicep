// Alerts when a rotation fails. The app logs one JSON object per line (src/adapters/console-logger.ts),
// and the trace's message is that line; every failed attempt is the entry whose `event` field is
// exactly 'rotation.failed'. The query parses the line and compares that field, never a substring of
// the message: user text (a rotate reason, an event id) lands in other fields and cannot trip it.
// A custom event 'RotationFailed' is matched too, should the app emit one.

param name string
param location string
param tags object

@description('Resource id of the Application Insights component the app logs to.')
param applicationInsightsId string

@description('Email address notified on failed rotations; empty for no email receiver.')
param alertEmailAddress string = ''

param actionGroupName string

var failedRotationsQuery = '''
union isfuzzy=true
  (traces
    | extend entry = parse_json(substring(message, indexof(message, "{")))
    | where tostring(entry.event) == "rotation.failed"),
  (customEvents | where name == "RotationFailed")
| project timestamp, itemType, message, name, operation_Name, cloud_RoleName
'''

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'kvrotation'
    enabled: true
    emailReceivers: empty(alertEmailAddress) ? [] : [
      {
        name: 'rotation-owner'
        emailAddress: alertEmailAddress
        useCommonAlertSchema: true
      }
    ]
  }
}

resource failedRotations 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: name
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Key Vault secret rotation failed'
    description: 'At least one rotation attempt failed in the last 15 minutes. See the policy\'s audit history (GET /api/policies/{id}/rotations).'
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
          query: failedRotationsQuery
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
        actionGroup.id
      ]
    }
  }
}

output alertRuleId string = failedRotations.id
output actionGroupId string = actionGroup.id
