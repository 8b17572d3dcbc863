#!/usr/bin/env bash
# The chaos suite by hand: builds what it needs, then runs e2e-tests' ChaosSuiteTest (and, with
# --security, the security suites and the secrets search on the same grid) against a grid of
# its own on free ports. Needs a Docker Engine and the base image (infra/build-base-image.sh).
#
#   bench/chaos.sh [--seed N] [--executions N] [--soak [ROUNDS]] [--security]
#
# --soak runs ROUNDS (default 3) fault schedules back to back with ROUNDS x 200 executions over
# ROUNDS minutes of submissions (CI runs one round); about 5 minutes per round plus the grid's start.
#
# The seed is printed at the start ("[chaos] seed ..."); pass it back with --seed to replay the
# same fault schedule. Counts are printed as "[chaos] RESULT ..."; logs of every component stay in
# e2e-tests/target/chaos-grid/ (docker-events.jsonl is the engine's record of every container).
set -euo pipefail
cd "$(dirname "$0")/.."
props=()
tests="ChaosSuiteTest"
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) props+=("-Drgrid.chaos.seed=$2"); shift 2 ;;
    --executions) props+=("-Drgrid.chaos.executions=$2"); shift 2 ;;
    --soak)
      rounds=3
      if [[ ${2:-} =~ ^[0-9]+$ ]]; then rounds=$2; shift; fi
      ((rounds >= 1)) || { echo "--soak ROUNDS must be 1 or more" >&2; exit 2; }
      props+=("-Drgrid.chaos.rounds=$rounds"); shift ;;
    --security) tests="ChaosSuiteTest,TenantIsolationTest,ContainerHardeningTest,UnauthenticatedRequestsTest,SecretsNeverLoggedTest"; shift ;;
    *) echo "usage: $0 [--seed N] [--executions N] [--soak [ROUNDS]] [--security]" >&2; exit 2 ;;
  esac
done
./mvnw -q install -DskipTests -pl e2e-tests -am
log=e2e-tests/target/chaos.log
mkdir -p e2e-tests/target
started=$(date +%s)
status=0
./mvnw verify -pl e2e-tests -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false "${props[@]}" >"$log" 2>&1 || status=$?
grep -E '^\[(chaos|grid|security)\]|Tests run:|FAIL|BUILD' "$log" || true
echo "wall time $(( $(date +%s) - started )) s; load: $(cut -d' ' -f1-3 /proc/loadavg); full output: $log"
exit "$status"
