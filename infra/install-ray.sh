#!/usr/bin/env bash
# Installs Ray (the one version RGrid runs everywhere) into a Python venv and prints the
# path of the ray_dist.jar that the orchestrator's Java driver must run with.
#
#   infra/install-ray.sh [--venv DIR]        default DIR: /opt/rgrid/ray-venv
#
# Env: RAY_VERSION (default 2.58.0; driver, head and workers must all use the same one),
#      PYTHON (default python3; a CPython version Ray publishes wheels for).
# Idempotent: a venv that already holds this Ray version is left as it is.
#
# Why the index handling: on a machine whose pip is configured with local file:// package
# stores, plain `pip install` still consults pypi.org first and spends minutes in DNS
# retries when there is no Internet. Passing the configured file:// stores as the index
# makes the install take seconds. Without such stores this is a plain `pip install`.
set -euo pipefail

RAY_VERSION="${RAY_VERSION:-2.58.0}"
PYTHON="${PYTHON:-python3}"
VENV=/opt/rgrid/ray-venv

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --venv) [ $# -ge 2 ] || { usage >&2; exit 2; }; VENV="$2"; shift 2 ;;
    --venv=*) VENV="${1#--venv=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-ray.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

log() { echo "install-ray.sh: $*" >&2; }

jar_path() {
  # The site-packages directory depends on the venv's Python minor version.
  local jar
  for jar in "$VENV"/lib/python3*/site-packages/ray/jars/ray_dist.jar; do
    [ -f "$jar" ] && { echo "$jar"; return 0; }
  done
  return 1
}

installed_version() {
  [ -x "$VENV/bin/python" ] || return 1
  "$VENV/bin/python" -c 'import ray; print(ray.__version__)' 2>/dev/null
}

if [ "$(installed_version || true)" = "$RAY_VERSION" ] && jar_path >/dev/null; then
  log "Ray $RAY_VERSION already installed in $VENV"
  jar_path
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating venv $VENV with $("$PYTHON" --version 2>&1)"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi

# Collect the index URLs pip is configured with (files and PIP_* env), in order.
# `pip config list` prints lines like: global.extra-index-url='file:///a/simple file:///b/simple'
file_indexes=()
other_indexes=()
while IFS= read -r line; do
  case "$line" in
    *index-url=*) ;;
    *) continue ;;
  esac
  value="${line#*=}"
  value="${value#\'}"
  value="${value%\'}"
  for url in $value; do
    case "$url" in
      file://*) file_indexes+=("$url") ;;
      *) other_indexes+=("$url") ;;
    esac
  done
done < <("$VENV/bin/pip" config list 2>/dev/null || true)

pip_args=(install --disable-pip-version-check "ray==$RAY_VERSION")
if [ "${#file_indexes[@]}" -gt 0 ]; then
  pip_args+=(--index-url "${file_indexes[0]}")
  for url in "${file_indexes[@]:1}" "${other_indexes[@]}"; do
    pip_args+=(--extra-index-url "$url")
  done
  log "using the configured local package stores: ${file_indexes[*]}"
else
  log "no local file:// package store configured: plain pip install"
fi

start=$(date +%s)
"$VENV/bin/pip" "${pip_args[@]}" >&2
log "installed ray==$RAY_VERSION in $(( $(date +%s) - start )) s"

actual="$(installed_version || true)"
if [ "$actual" != "$RAY_VERSION" ]; then
  log "expected Ray $RAY_VERSION in $VENV but found '${actual:-none}'"
  exit 1
fi
if ! jar_path; then
  log "ray_dist.jar not found under $VENV/lib/python3*/site-packages/ray/jars/"
  exit 1
fi
