# Runs after `azd deploy` (and so at the end of `azd up`). The Key Vault event subscriptions
# target the onKeyVaultEvent function, which Azure checks exists when a subscription is created,
# so the first provision skips them; once the code is deployed this provisions again with them.
$ErrorActionPreference = 'Stop'

if ($env:DEPLOY_EVENT_SUBSCRIPTIONS -eq 'true') {
  Write-Host 'postdeploy: event subscriptions are part of the infrastructure already; nothing to do.'
  exit 0
}

Write-Host 'postdeploy: functions deployed; provisioning the Key Vault event subscriptions (DEPLOY_EVENT_SUBSCRIPTIONS=true).'
azd env set DEPLOY_EVENT_SUBSCRIPTIONS true
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
azd provision --no-prompt
if ($LASTEXITCODE -ne 0) {
  # Leave the flag false so the next `azd up` tries again instead of failing its first provision.
  azd env set DEPLOY_EVENT_SUBSCRIPTIONS false
  Write-Error "postdeploy: provisioning the event subscriptions failed; run 'azd up' again (see docs/deploy.md)."
  exit 1
}
