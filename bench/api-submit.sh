#!/usr/bin/env bash
# Throughput and latency of POST /api/v1/executions (a small script, spec with labels) at
# concurrency 1, 8 and 32, with the API's RSS under load.
#
# Starts its own PostgreSQL, Kafka and S3 (local-grid's test-servers, on free loopback ports, under
# a temporary directory) and api-service as the packaged jar, so nothing else (no orchestrator, no
# worker) competes for the CPU; runs the load generator (io.rgrid.api.bench.SubmitBench, java.net.http
# + HdrHistogram) on the same machine; stops everything it started.
#
#   bench/api-submit.sh [SECONDS_PER_LEVEL (20)] [WARMUP_SECONDS (5)] [CONCURRENCY (1,8,32)] [RUNS (3)]
#
# Needs the jars built: ./mvnw -o install -DskipTests (api-service, local-grid).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"; warmup="${2:-5}"; levels="${3:-1,8,32}"; runs="${4:-3}"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"; export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

work="$(mktemp -d /tmp/rgrid-bench-api.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

[ -f local-grid/target/local-grid.jar ] || { echo "build first: ./mvnw -o install -DskipTests" >&2; exit 1; }
./mvnw -q -o test-compile -pl api-service >/dev/null
./mvnw -q -o package -pl api-service -DskipTests >/dev/null
./mvnw -q -o dependency:build-classpath -pl api-service -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt" >/dev/null

# shellcheck source=bench/lib/api-alone.sh
. bench/lib/api-alone.sh
start_test_servers
# shellcheck disable=SC2086 # API_JAVA_OPTS holds several options
start_api api-service/target/quarkus-app/quarkus-run.jar ${API_JAVA_OPTS:-}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ); API JVM: $(java -version 2>&1 | head -1)"
echo "API RSS idle: $(( $(awk '/VmRSS/ {print $2}' /proc/$api_pid/status) / 1024 )) MiB"
java -cp "$PWD/api-service/target/test-classes:$(cat "$work/cp.txt")" io.rgrid.api.bench.SubmitBench \
  --url "http://127.0.0.1:$api_port" --key "$key" --concurrency "$levels" --seconds "$seconds" \
  --warmup-seconds "$warmup" --runs "$runs" --pid "$api_pid"
# Where a submission's time goes inside the API (means over the whole run, warm-up included).
curl -sf "http://127.0.0.1:$api_port/q/metrics" | python3 -c '
import re, sys
v = {}
for line in sys.stdin:
    m = re.match(r"rgrid_submission_phase_seconds_(sum|count)\{phase=\"(\w+)\"\} ([0-9.eE+-]+)", line)
    if m: v[(m.group(2), m.group(1))] = float(m.group(3))
for p in ("upload", "commit"):
    if (p, "count") in v and v[(p, "count")]:
        print("mean %s phase: %.2f ms over %d submissions" % (p, 1000 * v[(p, "sum")] / v[(p, "count")], v[(p, "count")]))
'
echo "load on the machine at the end (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
