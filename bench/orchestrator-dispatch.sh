#!/usr/bin/env bash
# Orchestrator benchmark: queued -> assigned latency with 10 idle workers, and the time and
# orchestrator RSS to drain 10,000 queued executions, in two runs. The packaged orchestrator runs
# as a child process on the test run's shared servers (PostgreSQL, Kafka, S3; started if none run).
#   Run 1: the static provider pointing at agents the benchmark plays: they accept each assignment
#          and report it SUCCEEDED at once (the benchmark's own, not a runtime users can pick), so
#          it measures the orchestrator alone.
#   Run 2: the local provider starting 10 real worker-agents (worker-agent's packaged jar) with the
#          process runtime, each execution running a no-op script (`pass`).
#
# Usage: bench/orchestrator-dispatch.sh [workers=10] [latency-samples=300] [drain=10000]
#            [slots-per-worker=1000] [process-drain=10000] [process-slots=4]
#   run 2 takes latency-samples/3 samples; process-drain=0 skips it; BENCH_ONLY=bench|process runs one.
# The orchestrator's JVM options: ORCHESTRATOR_JVM_OPTS (default: the production unit's, read from
# deploy/systemd/orchestrator.service; ORCHESTRATOR_JVM_OPTS= for the JVM's defaults).
# Needs `./mvnw install -DskipTests` (or package) of worker-agent first, for run 2.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [[ -z ${ORCHESTRATOR_JVM_OPTS+set} ]]; then
    ORCHESTRATOR_JVM_OPTS=$(sed -n 's|^ExecStart=[^ ]*/java \(.*\) -jar .*|\1|p' deploy/systemd/orchestrator.service \
        | sed 's/ *-Djava\.io\.tmpdir=[^ ]*//')
fi
echo "orchestrator JVM options: ${ORCHESTRATOR_JVM_OPTS:-(JVM defaults)}"
./mvnw -q -o package -pl orchestrator-service -DskipTests
./mvnw -q -o dependency:build-classpath -pl orchestrator-service -Dmdep.includeScope=test \
    -Dmdep.outputFile="$ROOT/orchestrator-service/target/bench.classpath" >/dev/null
CP="$ROOT/orchestrator-service/target/test-classes:$ROOT/orchestrator-service/target/classes:$(cat "$ROOT/orchestrator-service/target/bench.classpath")"
exec java -Dbuild.repo.root="$ROOT" -Dbench.only="${BENCH_ONLY:-}" -Dorchestrator.jvm-opts="${ORCHESTRATOR_JVM_OPTS:-}" -Dorchestrator.jar="$ROOT/orchestrator-service/target/quarkus-app/quarkus-run.jar" \
    -cp "$CP" io.rgrid.orchestrator.bench.OrchestratorBenchmark "$@"
