#!/bin/sh
# Runs after `azd deploy` (and so at the end of `azd up`). The Key Vault event subscriptions
# target the onKeyVaultEvent function, which Azure checks exists when a subscription is created,
# so the first provision skips them; once the code is deployed this provisions again with them.
set -eu

if [ "${DEPLOY_EVENT_SUBSCRIPTIONS:-false}" = "true" ]; then
  echo "postdeploy: event subscriptions are part of the infrastructure already; nothing to do."
  exit 0
fi

echo "postdeploy: functions deployed; provisioning the Key Vault event subscriptions (DEPLOY_EVENT_SUBSCRIPTIONS=true)."
azd env set DEPLOY_EVENT_SUBSCRIPTIONS true
if ! azd provision --no-prompt; then
  # Leave the flag false so the next `azd up` tries again instead of failing its first provision.
  azd env set DEPLOY_EVENT_SUBSCRIPTIONS false
  echo "postdeploy: provisioning the event subscriptions failed; run 'azd up' again (see docs/deploy.md)." >&2
  exit 1
fi
