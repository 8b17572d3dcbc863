#!/usr/bin/env bash
# Runs a worker-agent benchmark main class (under worker-agent/src/test/java) after building the
# agent: installs worker-agent, compiles its tests and runs java with its test classpath from the
# repository root. Used by bench/worker-overhead.sh and bench/worker-rss-floor.sh.
#
#   bench/lib/worker-bench-java.sh [JAVA OPTIONS...] MAIN-CLASS [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
./mvnw -q -o install -pl worker-agent -DskipTests
./mvnw -q -o test-compile -pl worker-agent
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -o dependency:build-classpath -pl worker-agent -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
java -Dbuild.repo.root="$PWD" -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "worker-agent/target/test-classes:worker-agent/target/classes:$(cat "$cp_file")" "$@"
