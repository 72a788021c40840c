#!/usr/bin/env bash
# Smoke test of a deployed ragchat: the backend's /health and the frontend's page must both answer 200
# through the load balancer. Retries because a listener or a fresh task set can take a moment to
# become reachable; fails with the last status seen so the job log says what went wrong.
# Usage: smoke-test.sh <base-url>   (SMOKE_ATTEMPTS, SMOKE_DELAY_SECONDS tune the retries)
set -euo pipefail

base_url=${1:?usage: smoke-test.sh <base-url>}
base_url=${base_url%/}
attempts=${SMOKE_ATTEMPTS:-12}
delay=${SMOKE_DELAY_SECONDS:-5}

check() {
  local url=$1 status
  for ((i = 1; i <= attempts; i++)); do
    status=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 10 "${url}" || true)
    if [ "${status}" = "200" ]; then
      echo "ok: ${url} answered 200 (attempt ${i})"
      return 0
    fi
    echo "waiting: ${url} answered ${status:-nothing} (attempt ${i}/${attempts})"
    if [ "${i}" -lt "${attempts}" ]; then sleep "${delay}"; fi
  done
  echo "::error title=Smoke test failed::${url} did not answer 200 after ${attempts} attempts (last: ${status:-no answer})"
  return 1
}

check "${base_url}/health"
check "${base_url}/"
