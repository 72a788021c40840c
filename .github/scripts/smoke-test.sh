#!/usr/bin/env bash
# Smoke test of a deployed ragchat service through the load balancer, on the path users take:
#   backend   GET /health, then POST /api/query (embeds the question and searches the database)
#   frontend  GET / must be the chat page, then POST /api/query on the page's own origin (the route
#             the page calls: the backend's ALB rule, or the frontend's /api proxy under a preview prefix)
#   all       both (previews, where one base URL serves both services)
# During a blue/green deployment the test listener routes only the deployed service to its
# replacement task set, so a deploy checks just that service. Each check retries because a fresh task
# set can take a moment to become reachable (an empty target group answers 503), and fails with the
# last status seen so the job log says what went wrong.
# Behind ALB sign-in (docs/operations.md, "Smoke test access"): SMOKE_ENVIRONMENT=<env or pr-N> reads
# both secrets below from that deployment's deploy outputs (aws CLI, jq). SMOKE_AUTOMATION_SECRET is
# sent as the x-ragchat-automation header, which alone lets a request past the test listener's
# sign-in, and SMOKE_BEARER_TOKEN (the admin token) as Authorization: the backend answers automation
# as it would a user. Then the backend is checked at the base URL's origin (the test listener routes
# /api/* and /health with the header to the backend: the environment's, or the preview's whose
# secret it is) and the frontend at the base URL: it accepts only signed-in browsers, so its check
# is that `/` is its own 401 unauthorized refusal (the new task set serves and enforces sign-in).
# Usage: smoke-test.sh <base-url> [backend|frontend|all]   (SMOKE_ATTEMPTS, SMOKE_DELAY_SECONDS tune the retries)
#        smoke-test.sh --read-access   (SMOKE_ENVIRONMENT set: writes both secrets, masked, as the step
#        outputs automation-secret and bearer-token, so a job can read them before a deployment's
#        ready wait starts and pass them in as SMOKE_AUTOMATION_SECRET and SMOKE_BEARER_TOKEN)
set -euo pipefail

# Reads the automation header secret and the admin token named in SMOKE_ENVIRONMENT's deploy outputs.
read_access() {
  local outputs
  outputs=$(aws ssm get-parameter --name "/ragchat/${SMOKE_ENVIRONMENT}/deploy-outputs" --query Parameter.Value --output text)
  secret_value() {
    local arn
    arn=$(jq -er --arg name "$1" '.secrets[$name]' <<<"${outputs}")
    aws secretsmanager get-secret-value --secret-id "${arn}" --query SecretString --output text
  }
  SMOKE_AUTOMATION_SECRET=$(secret_value automationSecretArn)
  SMOKE_BEARER_TOKEN=$(secret_value adminTokenSecretArn)
  echo "::add-mask::${SMOKE_AUTOMATION_SECRET}"
  echo "::add-mask::${SMOKE_BEARER_TOKEN}"
}

if [ "${1:-}" = --read-access ]; then
  read_access
  {
    echo "automation-secret=${SMOKE_AUTOMATION_SECRET}"
    echo "bearer-token=${SMOKE_BEARER_TOKEN}"
  } >>"${GITHUB_OUTPUT:?--read-access writes step outputs}"
  exit 0
fi

base_url=${1:?usage: smoke-test.sh <base-url> [backend|frontend|all]}
base_url=${base_url%/}
service=${2:-all}
attempts=${SMOKE_ATTEMPTS:-12}
delay=${SMOKE_DELAY_SECONDS:-5}
# topK 1 keeps the answer small; an empty index still embeds the question and queries the database.
query_body='{"query":"What can you help me with? (deployment smoke test)","topK":1}'

case "${service}" in
backend | frontend | all) ;;
*)
  echo "::error title=Smoke test::unknown service '${service}': expected backend, frontend or all"
  exit 2
  ;;
esac

if [ -n "${SMOKE_ENVIRONMENT:-}" ] && [ -z "${SMOKE_BEARER_TOKEN:-}" ]; then read_access; fi

body_file=$(mktemp)
trap 'rm -f "${body_file}"' EXIT

# request <method> <url> [json-body]: prints the HTTP status (000 without an answer), body in body_file.
request() {
  local method=$1 url=$2 data=${3:-}
  local args=(--silent --output "${body_file}" --write-out '%{http_code}' --max-time 60 --request "${method}")
  if [ -n "${SMOKE_AUTOMATION_SECRET:-}" ]; then args+=(--header "x-ragchat-automation: ${SMOKE_AUTOMATION_SECRET}"); fi
  if [ -n "${SMOKE_BEARER_TOKEN:-}" ]; then args+=(--header "authorization: Bearer ${SMOKE_BEARER_TOKEN}"); fi
  if [ -n "${data}" ]; then args+=(--header 'content-type: application/json' --data "${data}"); fi
  curl "${args[@]}" "${url}" || true
}

# Each validator reads body_file and prints why it rejects the response (nothing when it accepts).
expect_any() { :; }
expect_page() { grep -qi '<html' "${body_file}" || echo "not an HTML page"; }
expect_sign_in_required() { jq -e '.error.code == "unauthorized"' "${body_file}" >/dev/null 2>&1 || echo "not the sign-in refusal"; }
expect_answer() { jq -e '.answer | type == "string"' "${body_file}" >/dev/null 2>&1 || echo "no answer in the response"; }

# check [--status <code>] <method> <path> <validator> [json-body]
check() {
  local expected=200
  if [ "$1" = --status ]; then expected=$2 && shift 2; fi
  local method=$1 path=$2 validate=$3 data=${4:-} url="${base_url}$2" status problem last
  for ((i = 1; i <= attempts; i++)); do
    status=$(request "${method}" "${url}" "${data}")
    if [ "${status}" = "${expected}" ]; then
      problem=$("${validate}")
      if [ -z "${problem}" ]; then
        echo "ok: ${method} ${path} answered ${expected} (attempt ${i})"
        return 0
      fi
      last="HTTP ${expected}, ${problem}"
    else
      last="HTTP ${status}"
    fi
    echo "waiting: ${method} ${path} answered ${last} (attempt ${i}/${attempts})"
    if [ "${i}" -lt "${attempts}" ]; then sleep "${delay}"; fi
  done
  echo "::error title=Smoke test failed::${method} ${url} did not pass after ${attempts} attempts (last: ${last})"
  return 1
}

if [ -n "${SMOKE_BEARER_TOKEN:-}" ]; then
  frontend_url=${base_url}
  base_url=$(sed -E 's#^([a-z]+://[^/]+).*#\1#' <<<"${base_url}")
  if [ "${service}" != frontend ]; then
    check GET /health expect_any
    check POST /api/query expect_answer "${query_body}"
  fi
  if [ "${service}" != backend ]; then
    base_url=${frontend_url}
    check --status 401 GET / expect_sign_in_required
  fi
  exit 0
fi
if [ "${service}" != frontend ]; then check GET /health expect_any; fi
if [ "${service}" != backend ]; then check GET / expect_page; fi
check POST /api/query expect_answer "${query_body}"
