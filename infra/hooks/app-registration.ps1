# Runs before every `azd provision` (and so in `azd up`): creates or updates the API's Entra ID app
# registration, then sets AUTH_AUDIENCES, which infra/main.parameters.json passes to the app.
# Idempotent: it finds the registration by the client id it recorded (AUTH_CLIENT_ID) or by its
# app ID URI, and applies the same definition again. The same steps as app-registration.sh; see
# that file and docs/auth.md for why each is there.
$ErrorActionPreference = 'Stop'

$infra = Split-Path -Parent $PSScriptRoot

function Invoke-Az {
  $output = & az @args
  if ($LASTEXITCODE -ne 0) { throw "app-registration: 'az $($args -join ' ')' failed ($LASTEXITCODE)." }
  return $output
}

if (($env:AUTH_APP_REGISTRATION ?? 'managed') -eq 'manual') {
  if (-not $env:AUTH_AUDIENCES) {
    Write-Error 'app-registration: AUTH_APP_REGISTRATION=manual needs AUTH_AUDIENCES: azd env set AUTH_AUDIENCES <app ID URI>,<client id>'
    exit 1
  }
  Write-Host "app-registration: AUTH_APP_REGISTRATION=manual; the API accepts AUTH_AUDIENCES=$($env:AUTH_AUDIENCES)."
  exit 0
}

$tenantId = & az account show --query tenantId -o tsv
if ($LASTEXITCODE -ne 0 -or -not $tenantId) {
  Write-Error "app-registration: the Azure CLI is not signed in; run 'az login' (to the tenant you deploy to) and try again."
  exit 1
}
if ($env:AZURE_TENANT_ID -and $env:AZURE_TENANT_ID -ne $tenantId) {
  Write-Error "app-registration: the Azure CLI is signed in to tenant $tenantId, but this environment deploys to $($env:AZURE_TENANT_ID); run 'az login --tenant $($env:AZURE_TENANT_ID)'."
  exit 1
}
if (-not $env:AZURE_ENV_NAME -and -not $env:AUTH_APP_NAME) {
  Write-Error 'app-registration: AZURE_ENV_NAME is not set: run this as an azd hook'
  exit 1
}

$name = $env:AUTH_APP_NAME ?? "kv-rotation-$($env:AZURE_ENV_NAME)"
$uri = $env:AUTH_APP_ID_URI ?? "api://$tenantId/$name"

$appId = $null
if ($env:AUTH_CLIENT_ID) {
  $appId = & az ad app show --id $env:AUTH_CLIENT_ID --query appId -o tsv 2>$null
  if ($LASTEXITCODE -ne 0) { $appId = $null }
}
if (-not $appId) {
  $appId = Invoke-Az ad app list --identifier-uri $uri --query '[0].appId' -o tsv
}

if (-not $appId) {
  Write-Host "app-registration: creating '$name' ($uri)."
  $appId = Invoke-Az ad app create --display-name $name --sign-in-audience AzureADMyOrg `
    --identifier-uris $uri --app-roles "@$infra/app-roles.json" --query appId -o tsv
} else {
  Write-Host "app-registration: updating $appId ($uri)."
  Invoke-Az ad app update --id $appId --identifier-uris $uri --app-roles "@$infra/app-roles.json" | Out-Null
}

# The service principal is what users, groups and applications are assigned roles on.
& az ad sp show --id $appId --query id -o tsv 2>$null | Out-Null
if ($LASTEXITCODE -ne 0) {
  Invoke-Az ad sp create --id $appId --query id -o tsv | Out-Null
}

$graph = "https://graph.microsoft.com/v1.0/applications(appId='$appId')"
Invoke-Az rest --method PATCH --url $graph --headers Content-Type=application/json --body "@$infra/app-api-scopes.json" | Out-Null
Invoke-Az rest --method PATCH --url $graph --headers Content-Type=application/json --body "@$infra/app-api.json" | Out-Null

# v1 tokens carry the app ID URI as their audience, v2 tokens the client id: accept both.
$audiences = "$uri,$appId"
azd env set AUTH_CLIENT_ID $appId
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
azd env set AUTH_AUDIENCES $audiences
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Write-Host "app-registration: AUTH_AUDIENCES=$audiences"
Write-Host "app-registration: assign app roles to people and applications on the enterprise application '$name' (docs/auth.md)."
