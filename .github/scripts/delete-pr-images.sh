#!/usr/bin/env bash
# Deletes a closed pull request's images from both preview repositories (ragchat-pr/*, the only ones
# the preview role may write). Deletes by digest, not by tag: removing only the pr tag would leave the
# image behind under its commit-SHA tag.
# Usage: delete-pr-images.sh <pr-number>
set -euo pipefail

pr_number=${1:?usage: delete-pr-images.sh <pr-number>}
if ! [[ "${pr_number}" =~ ^[1-9][0-9]*$ ]]; then
  echo "::error::pull request number must be a positive integer, got '${pr_number}'"
  exit 1
fi
prefix="pr-${pr_number}-"

for repository in ragchat-pr/backend ragchat-pr/frontend; do
  # Captured first so that a failing AWS call fails the script instead of looking like "no images".
  images=$(aws ecr describe-images --repository-name "${repository}" --filter tagStatus=TAGGED --output json)
  mapfile -t digests < <(
    jq -r --arg prefix "${prefix}" \
      '.imageDetails[] | select(any(.imageTags[]?; startswith($prefix))) | .imageDigest' <<<"${images}"
  )
  if [ "${#digests[@]}" -eq 0 ]; then
    echo "${repository}: no images tagged ${prefix}*"
    continue
  fi
  # batch-delete-image takes at most 100 ids per call.
  for ((start = 0; start < ${#digests[@]}; start += 100)); do
    ids=()
    for digest in "${digests[@]:start:100}"; do ids+=("imageDigest=${digest}"); done
    failures=$(aws ecr batch-delete-image --repository-name "${repository}" --image-ids "${ids[@]}" \
      --query 'failures' --output json)
    if [ "$(jq length <<<"${failures}")" -ne 0 ]; then
      echo "::error::${repository}: some preview images could not be deleted: ${failures}"
      exit 1
    fi
  done
  echo "${repository}: deleted ${#digests[@]} image(s) tagged ${prefix}*"
  echo "- \`${repository}\`: deleted ${#digests[@]} preview image(s)" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
done
