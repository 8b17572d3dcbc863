#!/usr/bin/env bash
# JMH micro-benchmarks of the in-process parts (benchmarks module): EventCodec encode/decode,
# ExecutionStateMachine, ScalingPolicy.decide. Sample-time mode, so each figure has a median and
# a p99 over every sampled call of every measured iteration of every fork.
#
#   bench/jmh.sh [--quick] [JMH options...]     e.g. bench/jmh.sh EventCodec   (a regexp)
#
# Full: 2 forks x (3 warm-up + 5 measured iterations of 1 s) per benchmark, about 4 min.
# --quick: 1 fork x (1 warm-up + 2 measured iterations of 0.5 s): checks that it works, no figures.
# Needs the modules installed once: ./mvnw install -DskipTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"; export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
runs=(-f 2 -wi 3 -w 1s -i 5 -r 1s)
if [[ ${1:-} == --quick ]]; then runs=(-f 1 -wi 1 -w 500ms -i 2 -r 500ms); shift; fi
cp_file="$root/benchmarks/target/run.classpath"
result="$root/benchmarks/target/jmh-result.json"
(cd "$root" && ./mvnw -q -o package -pl benchmarks -DskipTests >/dev/null \
  && ./mvnw -q -o dependency:build-classpath -pl benchmarks -Dmdep.outputFile="$cp_file" >/dev/null)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ); $(java -version 2>&1 | head -1); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: bench/jmh.sh ${runs[*]} $*"
java -cp "$root/benchmarks/target/classes:$(cat "$cp_file")" org.openjdk.jmh.Main \
  -bm sample -tu ns "${runs[@]}" -rf json -rff "$result" "$@" >"$root/benchmarks/target/jmh-output.txt" 2>&1 \
  || { tail -40 "$root/benchmarks/target/jmh-output.txt" >&2; exit 1; }
python3 - "$result" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
print("| benchmark | params | forks x iterations | samples | mean (ns) | p50 (ns) | p99 (ns) |")
print("|---|---|---|---:|---:|---:|---:|")
for r in rows:
    m = r["primaryMetric"]
    p = m["scorePercentiles"]
    params = ", ".join("%s=%s" % kv for kv in (r.get("params") or {}).items())
    samples = sum(c for fork in m.get("rawDataHistogram", []) for it in fork for _, c in it)
    print("| %s | %s | %d x %d | %s | %.1f | %.1f | %.1f |" % (
        r["benchmark"].replace("io.rgrid.bench.jmh.", ""), params or "-", r["forks"], r["measurementIterations"],
        samples or "-", m["score"], p["50.0"], p["99.0"]))
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); raw JMH output: benchmarks/target/jmh-output.txt"
