#!/usr/bin/env bash
# Prints the resident memory (RSS, MiB) of each control-plane component of a running local grid
# (`./rgrid local up`), summed over its processes, as a Markdown table. This is how the memory
# budget in docs/operations.md was measured.
#
# Usage: infra/measure-rss.sh [DATA_DIR]
#   DATA_DIR: the grid's data directory (default $XDG_DATA_HOME/rgrid/local, else ~/.local/share/rgrid/local)
#
# RSS counts shared pages in every process that maps them, so the PostgreSQL sum (postmaster +
# background workers + one backend per pooled connection, all mapping the same shared_buffers)
# overstates its real use; it is still the number to budget against.
set -euo pipefail

data_dir=${1:-${XDG_DATA_HOME:-$HOME/.local/share}/rgrid/local}
state="$data_dir/grid.json"
if [[ ! -r $state ]]; then
    echo "measure-rss: no $state: start a grid with ./rgrid local up first" >&2
    exit 2
fi
supervisor=$(sed -n 's/.*"supervisorPid" *: *\([0-9]*\).*/\1/p' "$state")
if [[ -z $supervisor ]] || ! kill -0 "$supervisor" 2>/dev/null; then
    echo "measure-rss: the supervisor in $state is not running" >&2
    exit 2
fi
port=$(sed -n 's/.*"postgresPort" *: *\([0-9]*\).*/\1/p' "$state")

# rss_of PID...: the summed RSS in KiB of the given processes (missing ones count 0).
rss_of() {
    local total=0 pid rss
    for pid in "$@"; do
        rss=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ' || true)
        total=$((total + ${rss:-0}))
    done
    echo "$total"
}

children() { pgrep -P "$1" || true; }

declare -A pids=()
for child in $(children "$supervisor"); do
    args=$(ps -o args= -p "$child" || true)
    case $args in
        *kafka.Kafka*) pids[kafka]+=" $child" ;;
        *s3proxy*) pids[s3]+=" $child" ;;
        *api-service*) pids[api]+=" $child" ;;
        *orchestrator-service*)
            pids[orchestrator]+=" $child"
            for agent in $(children "$child"); do pids[worker]+=" $agent"; done
            ;;
    esac
done
# The postmaster is started detached (its parent is init); find it by its port, then its children.
postmaster=$(pgrep -f -- "bin/postgres .*-p $port" | head -n1 || true)
if [[ -n $postmaster ]]; then
    pids[postgres]="$postmaster $(children "$postmaster" | tr '\n' ' ')"
fi
pids[supervisor]=$supervisor

printf '| component | processes | RSS (MiB) |\n|---|---|---|\n'
total=0
for component in postgres kafka s3 api orchestrator worker supervisor; do
    read -r -a list <<<"${pids[$component]:-}"
    kib=$(rss_of "${list[@]}")
    total=$((total + kib))
    printf '| %s | %d | %d |\n' "$component" "${#list[@]}" $((kib / 1024))
done
printf '| **total** | | **%d** |\n' $((total / 1024))
