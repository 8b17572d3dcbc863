#!/usr/bin/env bash
# Per-execution overhead of the worker-agent over raw docker-java create/start/wait/remove of the
# same hardened container (median of RUNS after 3 warm-ups, interleaved), and the agent's idle
# RSS with the recommended JVM flags. Needs a Docker Engine, the image rgrid/python:3.11-local,
# and the test run's shared Kafka/S3 (started or reused through io.rgrid.testinfra.SharedServers).
#
#   bench/worker-overhead.sh [RUNS]        (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-15}"
./mvnw -q -o install -pl worker-agent -DskipTests
./mvnw -q -o test-compile -pl worker-agent
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -o dependency:build-classpath -pl worker-agent -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
java -Dbuild.repo.root="$PWD" -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "worker-agent/target/test-classes:worker-agent/target/classes:$(cat "$cp_file")" \
  io.rgrid.worker.bench.AgentOverheadBenchmark "$runs" worker-agent/target/quarkus-app/quarkus-run.jar
