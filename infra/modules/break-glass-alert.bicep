// Alerts when someone breaks the glass: rotates a protected policy without approvals
// (POST /api/policies/{id}/break-glass). The app logs it once, as the JSON line whose `event` field
// is exactly 'rotation.break-glass' (src/core/approvals/change-request-service.ts); as in
// failed-rotation-alert.bicep, the query compares that field and never searches the message, so
// a justification that mentions break-glass cannot raise or hide an alert. Each change request
// is its own alert (split by requestId), so two break-glass rotations in one window are two
// notifications, and a stateful alert notifies once per request, not once per evaluation.

param name string
param location string
param tags object

@description('Resource id of the Application Insights component the app logs to.')
param applicationInsightsId string

@description('The action group failed-rotation-alert.bicep creates: the same people are told.')
param actionGroupId string

var breakGlassQuery = '''
traces
| extend entry = parse_json(substring(message, indexof(message, "{")))
| where tostring(entry.event) == "rotation.break-glass"
| project timestamp, requestId = tostring(entry.requestId), policyId = tostring(entry.policyId), actorOid = tostring(entry.actorOid), cloud_RoleName
'''

resource breakGlass 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: name
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Break-glass rotation of a protected policy'
    description: 'A protected policy was rotated without approvals. Two approvers other than the one who broke the glass must review it: GET /api/change-requests?status=review.'
    severity: 1
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT5M'
    // Longer than the frequency so a line ingested late is still seen; the split by requestId
    // keeps that from notifying twice.
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: breakGlassQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'requestId'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
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

output alertRuleId string = breakGlass.id
