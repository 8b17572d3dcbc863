#!/usr/bin/env bash
# Every benchmark, one after the other, with the machine, date, commit and load recorded around
# each; the output is Markdown, printed and kept in target/bench/run-all-<UTC time>.md.
#
#   bench/run-all.sh            the figures for docs/benchmarks.md
#   bench/run-all.sh --quick    the same steps, tiny sizes: checks that everything works
#   bench/run-all.sh [--quick] STEP...   only these steps: jmh cost submit grid dispatch
#
# Steps (each an existing command, run as documented in docs/benchmarks.md):
#   1. bench/jmh.sh                       in-process: EventCodec, ExecutionStateMachine, ScalingPolicy
#   2. bench/cost-simulator.sh            the autoscaling cost simulator (deterministic)
#   3. bench/api-submit.sh                submission throughput and latency (own servers, HdrHistogram)
#   4. a private local grid (own data and config directories, free ports; never 8000-8002):
#      memory of each component idle, bench/run-vs-docker.sh (rgrid run against docker run),
#      memory of each component under a batch of executions; then the grid is stopped and purged.
#   5. bench/orchestrator-dispatch.sh     dispatch latency and drain rate, RUNS times
# Needs: ./mvnw install -DskipTests done, a Docker Engine and the image rgrid/python:3.11-local.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"; export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

quick=false
[[ ${1:-} == --quick ]] && { quick=true; shift; }
steps=("$@")
[[ ${#steps[@]} -gt 0 ]] || steps=(jmh cost submit grid dispatch)
for s in "${steps[@]}"; do
  case $s in jmh|cost|submit|grid|dispatch) ;; *) echo "unknown step '$s': use jmh cost submit grid dispatch" >&2; exit 2;; esac
done
wanted() { [[ " ${steps[*]} " == *" $1 "* ]]; }
failed=()
if $quick; then
  jmh_args=(--quick); submit_args=(3 1 "1,8" 2); dispatch_args=(10 50 500); dispatch_runs=1
  docker_runs=3; batch=6; idle_settle=10
else
  jmh_args=(); submit_args=(20 5 "1,8,32" 3); dispatch_args=(); dispatch_runs=3
  docker_runs=10; batch=20; idle_settle=30
fi

mkdir -p target/bench
report="target/bench/run-all-$(date -u +%Y%m%dT%H%M%SZ).md"
exec > >(tee "$report") 2>&1

load() { cut -d' ' -f1-3 /proc/loadavg; }
step() { echo; echo "## $1"; echo; echo "command: \`$2\` — started $(date -u +%H:%M:%SZ), load $(load)"; echo; }
done_step() { echo; echo "finished $(date -u +%H:%M:%SZ), load $(load)"; }
# guarded NAME FUNCTION: runs a wanted step's function in a subshell that stops at its first
# failing command; a failure is recorded and reported, and the next steps run anyway.
guarded() {
  local name=$1 rc
  wanted "$name" || return 0
  set +e
  ( set -e; "$2"; done_step )
  rc=$?; set -e
  [[ $rc -eq 0 ]] || { failed+=("$name"); echo; echo "**step $name FAILED (exit $rc); the next steps run anyway**"; }
}

echo "# bench/run-all.sh$($quick && echo " --quick") ${steps[*]}"
echo
echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB, $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"'), $(uname -r)"
echo "- JDK: $(java -version 2>&1 | head -1); Docker: $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo none)"
echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); load at start (1/5/15 min): $(load)"
$quick && echo "- QUICK MODE: sizes too small for figures; this run only shows that every step works"

step_jmh() {
  step "1. JMH: in-process parts" "bench/jmh.sh ${jmh_args[*]}"
  bench/jmh.sh "${jmh_args[@]}"
}
guarded jmh step_jmh

step_cost() {
  step "2. Autoscaling cost simulator" "bench/cost-simulator.sh"
  bench/cost-simulator.sh
}
guarded cost step_cost

step_submit() {
  step "3. api-service: submission throughput and latency" "bench/api-submit.sh ${submit_args[*]}"
  bench/api-submit.sh "${submit_args[@]}"
}
guarded submit step_submit

step_grid() {
  # 4. The local grid: private directories and ports, stopped and purged on exit.
  grid_home="$(mktemp -d /tmp/rgrid-bench-grid.XXXXXX)"
  export XDG_DATA_HOME="$grid_home/data" XDG_CONFIG_HOME="$grid_home/config"
  data_dir="$XDG_DATA_HOME/rgrid/local"
  # shellcheck disable=SC2317  # called by the trap
  stop_grid() {
    ./rgrid local down --purge >/dev/null 2>&1 || true
    rm -rf "$grid_home"
  }
  trap stop_grid EXIT   # the subshell's exit: the grid goes when this step ends
  # The API port and the orchestrator's (api + 1) plus room for local agents (orchestrator + 1...),
  # all free and away from 8000-8002.
  base="$(python3 - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
rnd = random.Random()
while True:
    b = rnd.randrange(20000, 30000)
    if all(free(p) for p in range(b, b + 16)):
        print(b); break
PY
  )"

  step "4. Local grid: memory idle, rgrid run against docker run, memory under load" \
    "./rgrid local up --api-port $base --orchestrator-port $((base + 1)); bench/run-vs-docker.sh $docker_runs; ./rgrid run examples/hello.py --batch ($batch inputs)"
  ./rgrid local up --api-port "$base" --orchestrator-port "$((base + 1))" | sed 's/^/    /'
  for _ in 1 2; do ./rgrid run examples/hello.py >/dev/null; done   # warm-up: a worker exists, JVMs warm
  sleep "$idle_settle"
  echo
  echo "### Memory idle (a worker up, nothing running; $idle_settle s after the warm-up runs, sampled for 10 s)"
  echo
  python3 bench/lib/grid-memory.py "$data_dir" --sample 10 --interval 1
  echo
  echo "### rgrid run against docker run"
  echo
  bench/run-vs-docker.sh "$docker_runs" | sed 's/^/    /'
  echo
  echo "### Memory under load ($batch executions of examples/hello.py submitted at once with --batch; peak while they run)"
  echo
  inputs="$grid_home/inputs"; mkdir -p "$inputs"
  for i in $(seq 1 "$batch"); do echo "$i" > "$inputs/in-$(printf %03d "$i").txt"; done
  python3 bench/lib/grid-memory.py "$data_dir" --sample 600 --interval 0.5 > "$grid_home/peak.md" &
  sampler=$!
  batch_start=$(date +%s%3N)
  ./rgrid run examples/hello.py --batch "$inputs/*.txt" --no-download > "$grid_home/batch.log" 2>&1 || echo "(batch exit code $?)"
  batch_ms=$(( $(date +%s%3N) - batch_start ))
  kill -TERM "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  tail -3 "$grid_home/batch.log" | sed 's/^/    /'
  echo "batch of $batch: ${batch_ms} ms from submission to the last result"
  echo
  cat "$grid_home/peak.md"
}
guarded grid step_grid

step_dispatch() {
  step "5. orchestrator-service: dispatch latency and drain ($dispatch_runs runs)" "bench/orchestrator-dispatch.sh ${dispatch_args[*]}"
  dispatch_out="$(mktemp)"
  for i in $(seq 1 "$dispatch_runs"); do
    echo "run $i:"
    bench/orchestrator-dispatch.sh "${dispatch_args[@]}" 2>&1 | grep -E '^(LATENCY|DRAIN|RSS|METRIC orchestrator)' | tee -a "$dispatch_out" | sed 's/^/    /'
  done
  python3 - "$dispatch_out" <<'PY'
import re, statistics, sys
text = open(sys.argv[1]).read()
def values(pattern):
    return [float(v) for v in re.findall(pattern, text)]
rows = [("submit->agent p50 (ms)", values(r"LATENCY .*?p50 ([0-9.]+) ms")),
        ("submit->agent p99 (ms)", values(r"LATENCY .*?p99 ([0-9.]+) ms")),
        ("drain, cold start with the backlog (assignments/s)", values(r"DRAIN .*?\(cold.*?\(([0-9.]+) assignments/s\)")),
        ("drain, warm orchestrator (assignments/s)", values(r"DRAIN .*?\(warm.*?\(([0-9.]+) assignments/s\)")),
        ("drain, real agents (assignments/s)", values(r"DRAIN .*?real workers.*?\(([0-9.]+) assignments/s\)"))]
print()
print("| dispatch, over %d run(s) | median | min | max |" % max(len(v) for _, v in rows))
print("|---|---:|---:|---:|")
for name, v in rows:
    if v:
        print("| %s | %.1f | %.1f | %.1f |" % (name, statistics.median(v), min(v), max(v)))
    else:
        print("| %s | (not found in the output above) | | |" % name)
PY
  rm -f "$dispatch_out"
}
guarded dispatch step_dispatch

echo
echo "load at the end (1/5/15 min): $(load); report: $report"
if [[ ${#failed[@]} -gt 0 ]]; then echo "FAILED steps: ${failed[*]}"; exit 1; fi
