#!/bin/sh
# Grants the function app's managed identity what entra-app-secret consumers need, and nothing more
# (docs/consumers.md, "Entra application client secrets"):
#
#   1. the Microsoft Graph application permission Application.ReadWrite.OwnedBy, an app role
#      assignment on the identity's service principal (admin consent: run as a Privileged Role
#      Administrator or Global Administrator);
#   2. ownership of each application whose client secret a policy rotates: OwnedBy lets the identity
#      change only applications it owns (run as an owner of each, or a Cloud Application Administrator).
#
# Bicep cannot do either without the Microsoft Graph Bicep extension, and azd's deployer is rarely
# allowed to grant Graph application permissions, so azd does not run this; an admin does, once, and
# again for each application a new policy governs. Idempotent: it looks before it changes anything.
#
#   infra/hooks/entra-app-secret-access.sh <application object id> [<application object id>...]
#
# Reads AZURE_MANAGED_IDENTITY_CLIENT_ID (azd env get-value AZURE_MANAGED_IDENTITY_CLIENT_ID), or
# takes the identity's client id in MANAGED_IDENTITY_CLIENT_ID. Needs `az login` to the tenant.
set -eu

graph=https://graph.microsoft.com/v1.0
graph_app_id=00000003-0000-0000-c000-000000000000
client_id="${MANAGED_IDENTITY_CLIENT_ID:-${AZURE_MANAGED_IDENTITY_CLIENT_ID:-}}"
if [ -z "$client_id" ]; then
  client_id=$(azd env get-value AZURE_MANAGED_IDENTITY_CLIENT_ID 2>/dev/null || true)
fi
if [ -z "$client_id" ]; then
  echo "entra-app-secret-access: set MANAGED_IDENTITY_CLIENT_ID (or run it in the azd environment, which has AZURE_MANAGED_IDENTITY_CLIENT_ID)" >&2
  exit 1
fi

identity=$(az ad sp show --id "$client_id" --query id -o tsv)
graph_sp=$(az ad sp show --id "$graph_app_id" --query id -o tsv)
role=$(az ad sp show --id "$graph_app_id" --query "appRoles[?value=='Application.ReadWrite.OwnedBy'].id | [0]" -o tsv)

assigned=$(az rest --method GET --url "$graph/servicePrincipals/$identity/appRoleAssignments" --query "value[?appRoleId=='$role' && resourceId=='$graph_sp'].id | [0]" -o tsv)
if [ -n "$assigned" ]; then
  echo "entra-app-secret-access: $identity already has Application.ReadWrite.OwnedBy."
else
  echo "entra-app-secret-access: granting Application.ReadWrite.OwnedBy to $identity."
  az rest --method POST --url "$graph/servicePrincipals/$identity/appRoleAssignments" \
    --headers "Content-Type=application/json" \
    --body "{\"principalId\":\"$identity\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$role\"}" >/dev/null
fi

for application in "$@"; do
  owner=$(az rest --method GET --url "$graph/applications/$application/owners?\$select=id" --query "value[?id=='$identity'].id | [0]" -o tsv)
  if [ -n "$owner" ]; then
    echo "entra-app-secret-access: $identity already owns application $application."
  else
    echo "entra-app-secret-access: making $identity an owner of application $application."
    az rest --method POST --url "$graph/applications/$application/owners/\$ref" \
      --headers "Content-Type=application/json" \
      --body "{\"@odata.id\":\"$graph/directoryObjects/$identity\"}" >/dev/null
  fi
done
