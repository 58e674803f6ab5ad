#!/bin/sh
# Runs before every `azd provision` (and so in `azd up`): creates or updates the API's Entra ID app
# registration, then sets AUTH_AUDIENCES, which infra/main.parameters.json passes to the app.
# Idempotent: it finds the registration by the client id it recorded (AUTH_CLIENT_ID) or by its
# app ID URI, and applies the same definition again. See docs/auth.md.
#
#   app roles        infra/app-roles.json (the roles src/core/auth/caller.ts knows; test/infra
#                    checks the two agree)
#   app ID URI       AUTH_APP_ID_URI, default api://<tenant id>/kv-rotation-<environment>: it holds
#                    the tenant id, as Entra's identifier URI restrictions ask
#   delegated scope  user_impersonation, pre-authorized for the Azure CLI so that
#                    `az account get-access-token --resource <app ID URI>` needs no consent prompt
#                    (infra/app-api-scopes.json, then infra/app-api.json: Graph refuses to
#                    pre-authorize a scope in the request that creates it)
#
# Needs `az login` to the deployment's tenant, and the right to register applications.
# AUTH_APP_REGISTRATION=manual skips all of it for a registration managed elsewhere; AUTH_AUDIENCES
# must then be set by hand (azd env set AUTH_AUDIENCES <app ID URI>,<client id>).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
infra=$(dirname "$here")

if [ "${AUTH_APP_REGISTRATION:-managed}" = "manual" ]; then
  if [ -z "${AUTH_AUDIENCES:-}" ]; then
    echo "app-registration: AUTH_APP_REGISTRATION=manual needs AUTH_AUDIENCES: azd env set AUTH_AUDIENCES <app ID URI>,<client id>" >&2
    exit 1
  fi
  echo "app-registration: AUTH_APP_REGISTRATION=manual; the API accepts AUTH_AUDIENCES=$AUTH_AUDIENCES."
  exit 0
fi

if ! tenant_id=$(az account show --query tenantId -o tsv); then
  echo "app-registration: the Azure CLI is not signed in; run 'az login' (to the tenant you deploy to) and try again." >&2
  exit 1
fi
if [ -n "${AZURE_TENANT_ID:-}" ] && [ "$AZURE_TENANT_ID" != "$tenant_id" ]; then
  echo "app-registration: the Azure CLI is signed in to tenant $tenant_id, but this environment deploys to $AZURE_TENANT_ID; run 'az login --tenant $AZURE_TENANT_ID'." >&2
  exit 1
fi

name="${AUTH_APP_NAME:-kv-rotation-${AZURE_ENV_NAME:?AZURE_ENV_NAME is not set: run this as an azd hook}}"
uri="${AUTH_APP_ID_URI:-api://$tenant_id/$name}"

app_id=""
if [ -n "${AUTH_CLIENT_ID:-}" ]; then
  app_id=$(az ad app show --id "$AUTH_CLIENT_ID" --query appId -o tsv 2>/dev/null || true)
fi
if [ -z "$app_id" ]; then
  app_id=$(az ad app list --identifier-uri "$uri" --query "[0].appId" -o tsv)
fi

if [ -z "$app_id" ]; then
  echo "app-registration: creating '$name' ($uri)."
  app_id=$(az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg \
    --identifier-uris "$uri" --app-roles "@$infra/app-roles.json" --query appId -o tsv)
else
  echo "app-registration: updating $app_id ($uri)."
  az ad app update --id "$app_id" --identifier-uris "$uri" --app-roles "@$infra/app-roles.json"
fi

# The service principal is what users, groups and applications are assigned roles on.
if ! az ad sp show --id "$app_id" --query id -o tsv >/dev/null 2>&1; then
  az ad sp create --id "$app_id" --query id -o tsv >/dev/null
fi

graph="https://graph.microsoft.com/v1.0/applications(appId='$app_id')"
az rest --method PATCH --url "$graph" --headers Content-Type=application/json --body "@$infra/app-api-scopes.json"
az rest --method PATCH --url "$graph" --headers Content-Type=application/json --body "@$infra/app-api.json"

# v1 tokens carry the app ID URI as their audience, v2 tokens the client id: accept both.
audiences="$uri,$app_id"
azd env set AUTH_CLIENT_ID "$app_id"
azd env set AUTH_AUDIENCES "$audiences"
echo "app-registration: AUTH_AUDIENCES=$audiences"
echo "app-registration: assign app roles to people and applications on the enterprise application '$name' (docs/auth.md)."
