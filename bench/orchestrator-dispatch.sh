#!/usr/bin/env bash
# Orchestrator benchmark: queued -> assigned latency with 10 idle workers, and the time and
# orchestrator RSS to drain 10,000 queued executions. The packaged orchestrator runs as a child
# process on the test run's shared servers (PostgreSQL, Kafka, S3; started if none run), with the
# static provider pointing at agents the benchmark plays: they accept each assignment and report
# it SUCCEEDED at once (the benchmark's own, not a runtime users can pick).
#
# Usage: bench/orchestrator-dispatch.sh [workers=10] [latency-samples=300] [drain=10000] [slots-per-worker=1000]
# The orchestrator's JVM options: ORCHESTRATOR_JVM_OPTS="-Xmx128m -XX:+UseSerialGC" (default: none).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
./mvnw -q -o package -pl orchestrator-service -DskipTests
./mvnw -q -o dependency:build-classpath -pl orchestrator-service -Dmdep.includeScope=test \
    -Dmdep.outputFile="$ROOT/orchestrator-service/target/bench.classpath" >/dev/null
CP="$ROOT/orchestrator-service/target/test-classes:$ROOT/orchestrator-service/target/classes:$(cat "$ROOT/orchestrator-service/target/bench.classpath")"
exec java -Dbuild.repo.root="$ROOT" -Dorchestrator.jvm-opts="${ORCHESTRATOR_JVM_OPTS:-}" -Dorchestrator.jar="$ROOT/orchestrator-service/target/quarkus-app/quarkus-run.jar" \
    -cp "$CP" io.rgrid.orchestrator.bench.OrchestratorBenchmark "$@"
