#!/usr/bin/env bash
# What the worker-agent's libraries cost in idle RSS on their own, without Quarkus or agent code:
# one child JVM per line with the agent's jvm.options that sets up only the named clients (Kafka
# producer, docker-java on the unix socket, MinIO, Jackson) and idles; RSS read after SETTLE
# seconds. Compare with the agent's own idle RSS from bench/worker-overhead.sh. Uses the test
# run's shared Kafka/S3 (started or reused through io.rgrid.testinfra.SharedServers); lines with
# docker need /var/run/docker.sock.
#
#   bench/worker-rss-floor.sh [SETTLE]     (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
settle="${1:-30}"
exec bench/lib/worker-bench-java.sh io.rgrid.worker.bench.LibraryRssFloor "$settle" \
  worker-agent/target/quarkus-app/jvm.options
