#!/bin/sh
# After `azd down` the function is gone, so the next `azd up` must provision without the event
# subscriptions again (postdeploy adds them back).
set -eu
azd env set DEPLOY_EVENT_SUBSCRIPTIONS false
echo "postdown: DEPLOY_EVENT_SUBSCRIPTIONS reset to false for the next 'azd up'."
