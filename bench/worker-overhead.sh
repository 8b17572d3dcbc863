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
# AGENT_JVM_OPTS: options added after the agent's own list (worker-agent/src/main/jvm/jvm.options).
exec bench/lib/worker-bench-java.sh -Dbench.agent-jvm-opts="${AGENT_JVM_OPTS:-}" \
  io.rgrid.worker.bench.AgentOverheadBenchmark "$runs" worker-agent/target/quarkus-app/quarkus-run.jar
