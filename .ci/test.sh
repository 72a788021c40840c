#!/usr/bin/env bash
# The one test command (README: `npm test`): provisions the Debian packages the test tiers need,
# lints and type-checks, runs every workspace's jest suite, and prints one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=.ci/node.sh
source .ci/node.sh || { echo "0 passed, 1 failed"; exit 1; }

bash .ci/provision.sh || { echo "0 passed, 1 failed"; exit 1; }

checks_passed=0
checks_failed=0
run_check() {
  local name=$1
  shift
  echo "== ${name}"
  if "$@"; then
    checks_passed=$((checks_passed + 1))
  else
    echo "== ${name}: FAILED"
    checks_failed=$((checks_failed + 1))
  fi
}

run_check "lint (biome)" npx biome check .
run_check "type-check (tsc -b)" npx tsc -b

results=$(mktemp)
npx jest --ci --maxWorkers=2 --json --outputFile="${results}" "$@"
jest_status=$?

read -r jest_passed jest_failed < <(node -e '
  const fs = require("fs");
  const raw = fs.readFileSync(process.argv[1], "utf8");
  if (!raw) { console.log("0 1"); process.exit(0); }
  const r = JSON.parse(raw);
  console.log(`${r.numPassedTests} ${r.numFailedTests + r.numRuntimeErrorTestSuites}`);
' "${results}")
rm -f "${results}"

passed=$((jest_passed + checks_passed))
failed=$((jest_failed + checks_failed))
if [ "${jest_status}" -ne 0 ] && [ "${failed}" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed"
[ "${failed}" -eq 0 ]
