#!/usr/bin/env bash
# Replays workload traces through the orchestrator's real ScalingPolicy and three alternative
# policies in simulated time, and prints euros spent and queue waits per trace (Markdown tables).
# Deterministic: no servers, no clock; a few seconds. See cost-simulator/README.md.
#
#   bench/cost-simulator.sh [options] [TRACE.csv...]    (default: the shipped traces)
#   bench/cost-simulator.sh --help                      (options: boot delay, price, slots, scaling keys)
#
# Needs the modules installed once: ./mvnw install -DskipTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"; export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
cp_file="$root/cost-simulator/target/run.classpath"
(cd "$root" && ./mvnw -q -o package -pl cost-simulator -DskipTests >/dev/null \
  && ./mvnw -q -o dependency:build-classpath -pl cost-simulator -Dmdep.outputFile="$cp_file" >/dev/null)
have_trace=false
for a in "$@"; do [[ $a == *.csv ]] && have_trace=true; done
if ! $have_trace; then set -- "$@" "$root"/cost-simulator/traces/*.csv; fi
exec java -cp "$root/cost-simulator/target/classes:$(cat "$cp_file")" io.rgrid.costsim.CostSimulator "$@"
