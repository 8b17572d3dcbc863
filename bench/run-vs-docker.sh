#!/usr/bin/env bash
# Wall time of `./rgrid run examples/hello.py` on a warm local grid against
# `docker run --rm IMAGE python3 hello.py` of the same image and script, interleaved in one run.
# Prints each sample, the medians and the ratio. Needs a running local grid (./rgrid local up)
# and a Docker Engine.
#
#   bench/run-vs-docker.sh [RUNS]        (default 10, after 2 warm-up runs of each)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
image="rgrid/python:3.11-local"
script="$PWD/examples/hello.py"

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2}'; }

./rgrid local status >/dev/null || { echo "start the grid first: ./rgrid local up" >&2; exit 1; }

for _ in 1 2; do   # warm-up: a worker exists and the JVMs are warm
  ./rgrid run examples/hello.py >/dev/null 2>&1
  docker run --rm -v "$script:/work/hello.py:ro" "$image" python3 /work/hello.py >/dev/null
done

rgrid_times=(); docker_times=()
for i in $(seq 1 "$runs"); do
  t0=$(now_ms); ./rgrid run examples/hello.py >/dev/null 2>&1; t1=$(now_ms)
  docker run --rm -v "$script:/work/hello.py:ro" "$image" python3 /work/hello.py >/dev/null; t2=$(now_ms)
  rgrid_times+=($((t1 - t0))); docker_times+=($((t2 - t1)))
  echo "run $i: rgrid ${rgrid_times[-1]} ms, docker ${docker_times[-1]} ms"
done
r=$(printf '%s\n' "${rgrid_times[@]}" | median)
d=$(printf '%s\n' "${docker_times[@]}" | median)
echo "median over $runs runs: rgrid run ${r} ms, docker run ${d} ms, ratio $(awk -v r="$r" -v d="$d" 'BEGIN {printf "%.2f", r / d}')"
