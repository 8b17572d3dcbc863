#!/usr/bin/env bash
# Ray probe, end to end: installs Ray 2.58 (infra/install-ray.sh) into a scratch venv, starts a
# one-node Ray head on loopback that offers CPUs and the rgrid_worker resource, compiles
# RayProbe.java against Maven Central's io.ray:ray-api 2.9.3, runs it with the wheel's
# ray_dist.jar as a driver of that head, prints the figures, and stops everything it started.
#
#   bench/ray-probe/run.sh [--node-death] [scratch dir]   default dir: a fresh mktemp -d under /tmp
#
# --node-death (root, iproute2): afterwards, a head on a private veth address plus a second node
# in a network namespace of the probe's own (10.231.0.0/24, nothing leaves the host); a task
# blocks on that node, the probe kills every process of the node with SIGKILL (a lost host) and
# reports what the driver's Ray.get throws and how soon.
#
# Env: JAVA_HOME (a JDK >= 21; Ray starts its Java workers with `java` from PATH, so this JDK
#      goes first on PATH), RAY_VENV (default <scratch>/ray-venv; reused when it already holds
#      Ray 2.58), RAY_PORT (default 6380). Needs python3, mvn, and nothing else on that port.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
NODE_DEATH=false
if [ "${1:-}" = "--node-death" ]; then NODE_DEATH=true; shift; fi
SCRATCH="${1:-$(mktemp -d /tmp/rgrid-ray-probe.XXXXXX)}"
mkdir -p "$SCRATCH"
SCRATCH="$(cd "$SCRATCH" && pwd)"
RAY_VENV="${RAY_VENV:-$SCRATCH/ray-venv}"
RAY_PORT="${RAY_PORT:-6380}"
RAY_API_VERSION=2.9.3

if [ -n "${JAVA_HOME:-}" ]; then
  export PATH="$JAVA_HOME/bin:$PATH"
fi
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
if [ "${java_major%%.*}" -lt 21 ] 2>/dev/null; then
  echo "run.sh: java on PATH is $java_major; set JAVA_HOME to a JDK >= 21" >&2
  exit 1
fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
figure() { echo "FIGURE $*" | tee -a "$SCRATCH/figures.txt"; }
rss_kb() { local sum=0 p r; for p in "$@"; do r="$(ps -o rss= -p "$p" 2>/dev/null || true)"; sum=$((sum + ${r:-0})); done; echo "$sum"; }

HTTP_PID=""
NETNS=""
cleanup() {
  if [ -x "$RAY_VENV/bin/ray" ]; then "$RAY_VENV/bin/ray" stop --force >/dev/null 2>&1 || true; fi
  if [ -n "$HTTP_PID" ]; then kill "$HTTP_PID" 2>/dev/null || true; fi
  if [ -n "$NETNS" ]; then
    local p
    for p in $(ip netns pids "$NETNS" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$NETNS" 2>/dev/null || true
    ip link del rgridray0 2>/dev/null || true
  fi
}
trap cleanup EXIT

figure "java=$(java -version 2>&1 | head -1) machine=$(nproc)cpu/$(awk '/MemTotal/ { printf "%.0fGiB", $2/1048576 }' /proc/meminfo)"

# 1. Ray 2.58 from the configured package sources.
t="$(now)"
JAR="$("$ROOT/infra/install-ray.sh" --venv "$RAY_VENV" | tail -1)"
figure "install_s=$(since "$t") jar=$JAR"
RAY="$RAY_VENV/bin/ray"

# 2. The Java API from Maven Central, as a build would get it (provided scope).
mvn -q -B dependency:copy -Dartifact="io.ray:ray-api:$RAY_API_VERSION" -DoutputDirectory="$SCRATCH/lib" \
  -Dmdep.overWriteReleases=true >&2
API_JAR="$SCRATCH/lib/ray-api-$RAY_API_VERSION.jar"
rm -rf "$SCRATCH/classes" && mkdir -p "$SCRATCH/classes"
javac --release 21 -cp "$API_JAR" -d "$SCRATCH/classes" "$HERE/RayProbe.java"

# 3. A loopback HTTP server standing in for the node's worker-agent.
HTTP_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$SCRATCH" >"$SCRATCH/http.log" 2>&1 &
HTTP_PID=$!

# 4. One node on loopback: the head itself offers CPUs and rgrid_worker (a second node on the
#    same host would need RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=1 and leave loopback).
t="$(now)"
RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 "$RAY" start --head --node-ip-address=127.0.0.1 --port="$RAY_PORT" \
  --include-dashboard=false --num-cpus=2 --resources='{"rgrid_worker": 2}' --disable-usage-stats \
  >"$SCRATCH/head.log" 2>&1
figure "head_start_s=$(since "$t")"
session_pids() { pgrep -f "$RAY_VENV/|ray::" || true; }
node_pids() {
  # What a worker node runs too: raylet, log monitor and the per-node agents (no GCS, no
  # autoscaler monitor, no dashboard head).
  pgrep -f "$RAY_VENV/lib/python3[^/]*/site-packages/ray/(core/src/ray/raylet/raylet|_private/log_monitor.py)|ray::(DashboardAgent|RuntimeEnvAgent)" || true
}
# shellcheck disable=SC2046 # word splitting of the pid lists is intended
figure "idle_head_rss_kb=$(rss_kb $(session_pids)) idle_node_part_rss_kb=$(rss_kb $(node_pids))"
ps -o pid=,rss=,args= -p "$(session_pids | paste -sd,)" | cut -c1-160 >"$SCRATCH/head-processes.txt"

# 5. The driver: API compiled against ray-api 2.9.3, runtime from the wheel's ray_dist.jar.
JVM_FLAGS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.math=ALL-UNNAMED
  --enable-native-access=ALL-UNNAMED
  -Dray.address="127.0.0.1:$RAY_PORT"
  -Dray.node-ip=127.0.0.1
  -Dray.job.code-search-path="$SCRATCH/classes"
)
t="$(now)"
java "${JVM_FLAGS[@]}" -cp "$SCRATCH/classes:$JAR" RayProbe "http://127.0.0.1:$HTTP_PORT/" "$SCRATCH" \
  >"$SCRATCH/probe.out" 2>"$SCRATCH/probe.err" || { tail -40 "$SCRATCH/probe.err" >&2; exit 1; }
grep '^PROBE ' "$SCRATCH/probe.out"
figure "driver_total_s=$(since "$t")"
# shellcheck disable=SC2046
figure "after_run_head_rss_kb=$(rss_kb $(session_pids)) (includes idle Java workers still alive)"

t="$(now)"
"$RAY" stop --force >/dev/null 2>&1
figure "ray_stop_s=$(since "$t")"

if [ "$NODE_DEATH" = true ]; then
  NETNS="rgridray$$"
  ip netns add "$NETNS"
  ip link add rgridray0 type veth peer name rgridray1
  ip link set rgridray1 netns "$NETNS"
  ip addr add 10.231.0.1/24 dev rgridray0
  ip link set rgridray0 up
  ip netns exec "$NETNS" ip addr add 10.231.0.2/24 dev rgridray1
  ip netns exec "$NETNS" ip link set rgridray1 up
  ip netns exec "$NETNS" ip link set lo up
  # Two nodes on one host: Ray wants RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=1 for that.
  RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=1 "$RAY" start --head --node-ip-address=10.231.0.1 --port="$RAY_PORT" \
    --include-dashboard=false --num-cpus=0 --disable-usage-stats >"$SCRATCH/nd-head.log" 2>&1
  t="$(now)"
  RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=1 ip netns exec "$NETNS" "$RAY" start --address="10.231.0.1:$RAY_PORT" \
    --node-ip-address=10.231.0.2 --num-cpus=2 --resources='{"rgrid_worker": 2}' --disable-usage-stats \
    >"$SCRATCH/nd-node.log" 2>&1
  figure "worker_node_start_s=$(since "$t")"
  # shellcheck disable=SC2046
  figure "idle_worker_node_rss_kb=$(rss_kb $(ip netns pids "$NETNS"))"
  rm -f "$SCRATCH/node.pid"
  NODE_FLAGS=("${JVM_FLAGS[@]}")
  NODE_FLAGS[6]="-Dray.address=10.231.0.1:$RAY_PORT"
  NODE_FLAGS[7]="-Dray.node-ip=10.231.0.1"
  java "${NODE_FLAGS[@]}" -cp "$SCRATCH/classes:$JAR" RayProbe --node-death "$SCRATCH" \
    >"$SCRATCH/nd.out" 2>"$SCRATCH/nd.err" &
  driver=$!
  for _ in $(seq 1 600); do [ -f "$SCRATCH/node.pid" ] && break; sleep 0.1; done
  # shellcheck disable=SC2046
  figure "busy_worker_node_rss_kb=$(rss_kb $(ip netns pids "$NETNS")) (with the task's Java worker)"
  killed_at="$(date +%s%3N)"
  # shellcheck disable=SC2046
  kill -9 $(ip netns pids "$NETNS")
  wait "$driver" || true
  grep '^PROBE ' "$SCRATCH/nd.out"
  at="$(sed -n 's/^PROBE node_death_at_epoch_ms=//p' "$SCRATCH/nd.out")"
  figure "node_death_exception_after_kill_ms=$(( ${at:-0} - killed_at ))"
  "$RAY" stop --force >/dev/null 2>&1
fi
echo "scratch: $SCRATCH (probe.out, probe.err, head.log, head-processes.txt, figures.txt)"
