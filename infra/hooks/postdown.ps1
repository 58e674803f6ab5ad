# After `azd down` the function is gone, so the next `azd up` must provision without the event
# subscriptions again (postdeploy adds them back).
$ErrorActionPreference = 'Stop'
azd env set DEPLOY_EVENT_SUBSCRIPTIONS false
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Write-Host "postdown: DEPLOY_EVENT_SUBSCRIPTIONS reset to false for the next 'azd up'."
