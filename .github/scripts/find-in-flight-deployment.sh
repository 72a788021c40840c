#!/usr/bin/env bash
# Finds the service's CodeDeploy deployment that has not finished, so a rollback can stop it before
# deploying. CodeDeploy runs one deployment per group at a time, so the group's last attempted
# deployment is the only candidate; GetDeploymentGroup also keeps the deploy role free of ListDeployments.
# A deployment CodeDeploy itself started to roll back a failed or stopped one is reported as
# rollback-deployment-id= instead: stopping it would undo the restore, so the caller waits for it.
# Environment: ENVIRONMENT, SERVICE. Writes deployment-id= or rollback-deployment-id= to $GITHUB_OUTPUT
# only when one is in flight.
set -euo pipefail

: "${ENVIRONMENT:?}" "${SERVICE:?}"
outputs=$(aws ssm get-parameter --name "/ragchat/${ENVIRONMENT}/deploy-outputs" --query Parameter.Value --output text)
application=$(jq -er .codeDeployApplication <<<"${outputs}")
group=$(jq -er --arg s "${SERVICE}" '.services[$s].deploymentGroup' <<<"${outputs}")
last=$(aws deploy get-deployment-group --application-name "${application}" --deployment-group-name "${group}" \
  --query 'deploymentGroupInfo.lastAttemptedDeployment.[deploymentId, status]' --output text)
read -r deployment_id status <<<"${last}"
case "${status}" in
  Created | Queued | InProgress | Baking | Ready)
    triggered_by=$(aws deploy get-deployment --deployment-id "${deployment_id}" \
      --query 'deploymentInfo.rollbackInfo.rollbackTriggeringDeploymentId' --output text)
    if [ -n "${triggered_by}" ] && [ "${triggered_by}" != "None" ]; then
      echo "Deployment ${deployment_id} (${status}) is CodeDeploy rolling back ${triggered_by}; waiting for it."
      echo "rollback-deployment-id=${deployment_id}" >>"${GITHUB_OUTPUT}"
    else
      echo "In-flight deployment ${deployment_id} (${status}) will be stopped with rollback."
      echo "deployment-id=${deployment_id}" >>"${GITHUB_OUTPUT}"
    fi
    ;;
  *)
    echo "No deployment in flight (last attempted: ${deployment_id} ${status})."
    ;;
esac
