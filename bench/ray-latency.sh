#!/usr/bin/env bash
# Ray dispatch mode against agent mode, side by side in one run: queued -> running latency (from
# the submission to the agent's RUNNING report) with the packaged orchestrator started alternately
# in agent mode and in Ray mode (same worker-agent, same servers), and the memory Ray costs: the
# orchestrator's RSS in each mode, the Ray head's processes, Ray's Java worker JVMs.
#
# Needs Ray 2.58 installed (infra/install-ray.sh; RGRID_RAY_VENV, default /opt/rgrid/ray-venv),
# the shared test servers (started if none run) and a JDK >= 21 as JAVA_HOME. One Ray head on
# loopback (also the only node: 2 CPUs, 2 rgrid_worker) and one worker-agent (process runtime)
# are started and stopped by the benchmark, by PID.
#
# Usage: bench/ray-latency.sh [samples-per-round=20] [rounds=2]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
./mvnw -q -o install -pl ray-task -DskipTests
./mvnw -q -o package -pl worker-agent,orchestrator-service -DskipTests
./mvnw -q -o dependency:build-classpath -pl orchestrator-service -Dmdep.includeScope=test \
    -Dmdep.outputFile="$ROOT/orchestrator-service/target/bench.classpath" >/dev/null
CP="$ROOT/orchestrator-service/target/test-classes:$ROOT/orchestrator-service/target/classes:$(cat "$ROOT/orchestrator-service/target/bench.classpath")"
echo "load before: $(uptime)"
# Ray's token authentication, as in the tests (orchestrator-service/pom.xml): the head gets the token
# RayGridResource writes to this file; the benchmark's driver and the orchestrators it starts read it.
export RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH="$ROOT/orchestrator-service/target/ray-grid/auth_token"
java -Dbuild.repo.root="$ROOT" -Dorchestrator.jar="$ROOT/orchestrator-service/target/quarkus-app/quarkus-run.jar" \
    -cp "$CP" io.rgrid.orchestrator.it.RayModeBenchmark "$@"
echo "load after: $(uptime)"
