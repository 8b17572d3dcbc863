#!/usr/bin/env bash
# `./rgrid run examples/hello.py` on a warm local grid against `docker run --rm IMAGE python3 hello.py`
# of the same image and script. Needs a running local grid (./rgrid local up) and a Docker Engine.
#
#   bench/run-vs-docker.sh [RUNS]          RUNS interleaved pairs after 2 warm-ups of each (default 10):
#                                          each sample, the medians and the ratio; each command after
#                                          a pause of RGRID_BENCH_SETTLE seconds (default 2), so that
#                                          neither pays for the other's background work
#   bench/run-vs-docker.sh --batch [N]     one `rgrid run --batch` of N hello runs against N sequential
#                                          `docker run`s (default 100): wall times, ratio, workers used.
#                                          For "one worker", start the grid with
#                                          RGRID_ORCHESTRATOR_SCALING_MAX_WORKERS=1
#   bench/run-vs-docker.sh --pool-cost     the waiting (warm) containers' memory and CPU, from
#                                          `docker stats`, after the grid has been idle for 10 s
set -euo pipefail
cd "$(dirname "$0")/.."
image="rgrid/python:3.11-local"
script="$PWD/examples/hello.py"

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2}'; }
docker_hello() { docker run --rm -v "$script:/work/hello.py:ro" "$image" python3 /work/hello.py >/dev/null; }
warm_up() {
    for _ in 1 2; do   # a worker exists, its warm containers wait, and the JVMs are warm
        ./rgrid run examples/hello.py >/dev/null 2>&1
        docker_hello
    done
}

./rgrid local status >/dev/null || { echo "start the grid first: ./rgrid local up" >&2; exit 1; }

pool_cost() {
    sleep 10
    local ids
    ids="$(docker ps -q --filter label=io.rgrid.warm=true)"
    [[ -n $ids ]] || { echo "no warm containers are waiting (rgrid.worker.warm-containers-per-slot=0, or no run yet)" >&2; exit 1; }
    # As the kernel counts them (docker stats is empty on some engines): the waiter's resident
    # memory, the CPU time it used and its age, and the engine's shim process that each container has.
    local lines
    lines="$(for id in $ids; do
        pid="$(docker inspect -f '{{.State.Pid}}' "$id")"
        shim="$(ps -o ppid= -p "$pid" | tr -d ' ')"
        echo "$(docker inspect -f '{{.Name}}' "$id") $(ps -o rss=,cputimes=,etimes= -p "$pid") $(ps -o rss=,cputimes= -p "$shim")"
    done)"
    echo "name waiter-rss-KiB waiter-cpu-s age-s shim-rss-KiB shim-cpu-s"
    echo "$lines"
    awk '{ rss += $2; cpu += $3 + $6; age += $4; shim += $5; n++ }
        END { printf "%d warm containers waiting: %.1f MiB each (waiter %.1f + engine shim %.1f), %.1f MiB in all; %d s of CPU in %d s of waiting\n",
              n, (rss + shim) / 1024 / n, rss / 1024 / n, shim / 1024 / n, (rss + shim) / 1024, cpu, age }' <<<"$lines"
}

batch() {
    local n="$1" dir ids workers
    dir="$(mktemp -d)"
    trap 'rm -rf "$dir"' RETURN
    for i in $(seq 1 "$n"); do echo "$i" >"$dir/in-$i.txt"; done
    warm_up
    local t0 t1 t2
    t0=$(now_ms)
    ./rgrid run examples/hello.py --batch "$dir/*.txt" --no-download >"$dir/batch.out" 2>&1 \
        || { tail -20 "$dir/batch.out" >&2; echo "the batch failed" >&2; exit 1; }
    t1=$(now_ms)
    for _ in $(seq 1 "$n"); do docker_hello; done
    t2=$(now_ms)
    ids="$(grep -oE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$dir/batch.out" | sort -u)"
    workers="$(for id in $ids; do ./rgrid status "$id" --json 2>/dev/null | jq -r '.workerId // empty'; done | sort -u | wc -l)"
    echo "batch of $n: rgrid run --batch $((t1 - t0)) ms, $n sequential docker run $((t2 - t1)) ms," \
        "ratio $(awk -v r=$((t1 - t0)) -v d=$((t2 - t1)) 'BEGIN {printf "%.2f", r / d}'), on $workers worker(s)"
}

case "${1:-}" in
    --pool-cost) pool_cost; exit ;;
    --batch) batch "${2:-100}"; exit ;;
esac

runs="${1:-10}"
settle="${RGRID_BENCH_SETTLE:-2}"
warm_up
rgrid_times=(); docker_times=()
for i in $(seq 1 "$runs"); do
  # A pause before each: what a run leaves to do in the background (its container's removal, the
  # making of its warm successor) is not charged to the next command measured, of either kind.
  sleep "$settle"
  t0=$(now_ms); ./rgrid run examples/hello.py >/dev/null 2>&1; t1=$(now_ms)
  sleep "$settle"
  t2=$(now_ms); docker_hello; t3=$(now_ms)
  rgrid_times+=($((t1 - t0))); docker_times+=($((t3 - t2)))
  echo "run $i: rgrid ${rgrid_times[-1]} ms, docker ${docker_times[-1]} ms"
done
r=$(printf '%s\n' "${rgrid_times[@]}" | median)
d=$(printf '%s\n' "${docker_times[@]}" | median)
echo "median over $runs runs: rgrid run ${r} ms, docker run ${d} ms, ratio $(awk -v r="$r" -v d="$d" 'BEGIN {printf "%.2f", r / d}')"
