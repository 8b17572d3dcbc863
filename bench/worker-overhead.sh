#!/usr/bin/env bash
# Per-execution overhead of the worker-agent over raw docker-java create/start/wait/remove of the
# same hardened container (median of RUNS after 3 warm-ups, interleaved), where the agent's time
# goes (medians of its per-phase timings), and the agent's idle RSS with its own JVM options
# (worker-agent/src/main/jvm/jvm.options). Needs a Docker Engine, the image
# rgrid/python:3.11-local, and the test run's shared Kafka/S3 (started or reused through
# io.rgrid.testinfra.SharedServers).
#
#   bench/worker-overhead.sh [RUNS]        (default 15)
#   AGENT_JVM_OPTS="-Xmx64m" bench/worker-overhead.sh 15   (options added after the agent's own)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-15}"
./mvnw -q -o install -pl worker-agent -DskipTests
./mvnw -q -o test-compile -pl worker-agent
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -o dependency:build-classpath -pl worker-agent -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
# AGENT_JVM_OPTS: options added after the agent's own list (worker-agent/src/main/jvm/jvm.options).
java -Dbuild.repo.root="$PWD" -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -Dbench.agent-jvm-opts="${AGENT_JVM_OPTS:-}" \
  -cp "worker-agent/target/test-classes:worker-agent/target/classes:$(cat "$cp_file")" \
  io.rgrid.worker.bench.AgentOverheadBenchmark "$runs" worker-agent/target/quarkus-app/quarkus-run.jar
