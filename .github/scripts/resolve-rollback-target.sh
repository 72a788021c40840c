#!/usr/bin/env bash
# Turns a validated rollback target into what deploy-service takes: a task definition ARN (deployed as
# is) or an image pinned by digest (rendered into a new revision). Checks that the target exists and
# belongs to the service, so a rollback never ships another service's task definition or image.
# Environment: ENVIRONMENT, SERVICE, KIND (previous|task-definition|image-digest|commit), TARGET,
# PREVIOUS_TASK_DEFINITION_ARN (for KIND=previous). Writes image= or task-definition-arn= to $GITHUB_OUTPUT.
set -euo pipefail

: "${ENVIRONMENT:?}" "${SERVICE:?}" "${KIND:?}"
outputs=$(aws ssm get-parameter --name "/ragchat/${ENVIRONMENT}/deploy-outputs" --query Parameter.Value --output text)
family=$(jq -er --arg s "${SERVICE}" '.services[$s].taskFamily' <<<"${outputs}")
repository_uri=$(jq -er --arg s "${SERVICE}" '.services[$s].repositoryUri' <<<"${outputs}")
repository_name=${repository_uri#*/}

fail() {
  echo "::error title=Rollback target rejected::$1"
  exit 1
}

# Not called in a command substitution: fail must end the script, not a subshell.
output_task_definition() {
  local arn
  arn=$(aws ecs describe-task-definition --task-definition "$1" \
    --query 'taskDefinition.taskDefinitionArn' --output text) || fail "task definition $1 does not exist"
  case "${arn}" in
    *":task-definition/${family}:"*) echo "task-definition-arn=${arn}" >>"${GITHUB_OUTPUT}" ;;
    *) fail "task definition ${arn} is not of ${SERVICE}'s family ${family}" ;;
  esac
}

case "${KIND}" in
  previous)
    [ -n "${PREVIOUS_TASK_DEFINITION_ARN:-}" ] ||
      fail "no previous successful deployment of ${SERVICE} in ${ENVIRONMENT} is recorded; give a target"
    output_task_definition "${PREVIOUS_TASK_DEFINITION_ARN}"
    ;;
  task-definition)
    output_task_definition "${TARGET:?}"
    ;;
  image-digest)
    aws ecr describe-images --repository-name "${repository_name}" --image-ids "imageDigest=${TARGET:?}" \
      --query 'imageDetails[0].imageDigest' --output text >/dev/null ||
      fail "image ${TARGET} is not in ${repository_name}"
    echo "image=${repository_uri}@${TARGET}" >>"${GITHUB_OUTPUT}"
    ;;
  commit)
    digest=$(aws ecr describe-images --repository-name "${repository_name}" --image-ids "imageTag=${TARGET:?}" \
      --query 'imageDetails[0].imageDigest' --output text) ||
      fail "no ${SERVICE} image was built from commit ${TARGET} (no tag ${TARGET} in ${repository_name})"
    echo "image=${repository_uri}@${digest}" >>"${GITHUB_OUTPUT}"
    ;;
  *)
    fail "unknown target kind ${KIND}"
    ;;
esac
