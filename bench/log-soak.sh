#!/usr/bin/env bash
# Log delivery soak, by hand (not in CI): N quick executions through the real CLI on a running
# local grid, each printing its own numbered lines (on stdout and stderr, some multi-byte). For
# every run: it exited 0; each line arrived exactly once; each stream's lines in order; and what
# the CLI printed is byte for byte the stored log (`rgrid logs ID`). The order across the two
# streams is the stored log's (Docker reads stdout and stderr from two pipes), so it is checked
# against that, not against the script's own order.
# Prints each failure and a summary; exits 1 when any run lost, repeated or reordered a line.
#
#   bench/log-soak.sh [RUNS] [LINES]      (default 200 runs of 20 lines)
# Needs: ./rgrid local up (a warm grid), so the runs are quick and the windows are narrow.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-200}"
lines="${2:-20}"

./rgrid local status >/dev/null || { echo "start the grid first: ./rgrid local up" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
script="$work/soak.py"
cat >"$script" <<'PY'
import sys
tag, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    out = sys.stderr if i % 3 == 2 else sys.stdout
    print(f"{tag} line {i} grüße ✓", file=out, flush=True)
PY

failed=0
for r in $(seq 1 "$runs"); do
  tag="run$r-$RANDOM"
  code=0
  ./rgrid run --no-download "$script" "$tag" "$lines" >"$work/out" 2>"$work/err" || code=$?
  if [[ $code -ne 0 ]]; then
    mkdir -p target/log-soak && cp "$work/err" "target/log-soak/run-$r.err"
    echo "run $r: exit code $code (its stderr: target/log-soak/run-$r.err)"
    failed=$((failed + 1))
    continue
  fi
  # Every line of this run, in arrival order (the CLI prints the log on stdout).
  got="$(grep -h "^$tag line " "$work/out" | sed "s/^$tag line \([0-9]*\) .*/\1/" || true)"
  problem=""
  [[ "$(sort -n <<<"$got" | tr '\n' ' ')" == "$(seq 0 $((lines - 1)) | tr '\n' ' ')" ]] \
    || problem="lines arrived as [$(tr '\n' ' ' <<<"$got")]"
  for stream in 0 1; do  # stdout: i % 3 != 2; stderr: i % 3 == 2
    ordered="$(awk -v s="$stream" '(s == 1) == ($1 % 3 == 2)' <<<"$got")"
    [[ "$ordered" == "$(sort -n <<<"$ordered")" ]] || problem="$problem; a stream's lines out of order"
  done
  id="$(sed -n 's/^Submitted \(.*\)$/\1/p' "$work/err")"
  ./rgrid logs "$id" >"$work/stored" 2>/dev/null || problem="$problem; rgrid logs $id failed"
  cmp -s "$work/out" "$work/stored" || problem="$problem; printed log differs from the stored log"
  if [[ -n "$problem" ]]; then
    echo "run $r ($id): ${problem#; }"
    failed=$((failed + 1))
  fi
done
echo "log soak: $((runs - failed)) of $runs runs printed every line exactly once, in order, byte for byte the stored log"
[[ $failed -eq 0 ]]
