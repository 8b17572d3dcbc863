#!/usr/bin/env bash
# The seed's "SSH key" step for Hetzner workers, idempotent:
#
#   infra/hetzner_worker_key.sh [--key FILE] [--name NAME] [--no-register]
#
#  1. FILE (default infra/hetzner_worker.key, the seed's; HETZNER_SSH_KEY_PATH on the control
#     plane) is generated when missing: ssh-keygen -t ed25519, no passphrase, mode 0600, comment
#     "rgrid-workers"; FILE.pub is (re)written from it when missing. An existing key is never
#     replaced.
#  2. Its public key is registered with Hetzner Cloud when missing (looked up by fingerprint):
#     POST /ssh_keys with NAME (default rgrid-worker, the provider's
#     rgrid.orchestrator.hetzner.ssh-key-name) and the label managed-by=rgrid. A different
#     key already registered under NAME is an error (rename with --name, or delete that one).
#
# Env: HETZNER_API_TOKEN (needed for step 2; read from the environment only, never printed or put
#      on a command line), HETZNER_API_URL (default https://api.hetzner.cloud/v1; tests point it at
#      the hetzner-emulator).
# Exit: 0 done (key present and registered), 1 an API or key error, 2 bad usage.
# Needs: ssh-keygen, curl, python3.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
key=$repo/infra/hetzner_worker.key
name=rgrid-worker
register=true
api=${HETZNER_API_URL:-https://api.hetzner.cloud/v1}
api=${api%/}

usage() { sed -n '4,4p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "hetzner_worker_key.sh: $*" >&2; exit 1; }
log() { echo "hetzner_worker_key.sh: $*"; }

while [[ $# -gt 0 ]]; do
    case $1 in
        --key) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; key=$2; shift 2 ;;
        --name) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; name=$2; shift 2 ;;
        --no-register) register=false; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "hetzner_worker_key.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || { echo "hetzner_worker_key.sh: --name: letters, digits, . _ - only" >&2; exit 2; }

# --- 1. the key pair ------------------------------------------------------------------------------
if [[ -e $key ]]; then
    log "key $key exists; kept"
else
    mkdir -p "$(dirname "$key")"
    (umask 077 && ssh-keygen -q -t ed25519 -N '' -C rgrid-workers -f "$key")
    log "generated $key (ed25519)"
fi
chmod 0600 "$key"
if [[ ! -s $key.pub ]]; then
    ssh-keygen -y -f "$key" >"$key.pub" || die "$key is not a readable unencrypted private key"
    log "wrote $key.pub"
fi
public_key=$(cut -d' ' -f1,2 "$key.pub")
fingerprint=$(ssh-keygen -l -E md5 -f "$key.pub" | awk '{print $2}' | sed 's/^MD5://')
log "public key fingerprint (MD5, as Hetzner shows it): $fingerprint"

$register || exit 0

# --- 2. registration with Hetzner ---------------------------------------------------------------------
[[ -n ${HETZNER_API_TOKEN:-} ]] || die "HETZNER_API_TOKEN is not set (a Read & Write API token of the project)"
body=$(mktemp)
trap 'rm -f "$body"' EXIT
# call METHOD PATH [JSON]: the response body goes to $body, the HTTP status to stdout. The token
# reaches curl on stdin (-H @-), so it shows in no process list and no trace.
call() {
    local method=$1 path=$2 data=${3:-}
    local args=(-sS -o "$body" -w '%{http_code}' -X "$method" -H @- -H 'Content-Type: application/json'
        --max-time 30 "$api$path")
    [[ -n $data ]] && args+=(--data-binary "$data")
    printf 'Authorization: Bearer %s\n' "$HETZNER_API_TOKEN" | curl "${args[@]}" || true
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $1" "$body"; }
api_error() { json 'e=d.get("error",{}); print(e.get("code","?") + ": " + e.get("message",""))' 2>/dev/null || echo "unreadable answer"; }

status=$(call GET "/ssh_keys?fingerprint=$fingerprint")
[[ $status == 200 ]] || die "GET $api/ssh_keys answered $status ($(api_error))"
existing=$(json 'k=d["ssh_keys"]; print(k[0]["name"] + " (id " + str(k[0]["id"]) + ")" if k else "")')
if [[ -n $existing ]]; then
    log "public key already registered with Hetzner as $existing"
    exit 0
fi
payload=$(python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "public_key": sys.argv[2], "labels": {"managed-by": "rgrid"}}))' \
    "$name" "$public_key")
status=$(call POST /ssh_keys "$payload")
case $status in
    201)
        log "registered the public key with Hetzner as $(json 'print(d["ssh_key"]["name"] + " (id " + str(d["ssh_key"]["id"]) + ")")')"
        ;;
    409)
        die "Hetzner already has a different key named '$name' ($(api_error)); register this one with --name, or delete the old one"
        ;;
    *)
        die "POST $api/ssh_keys answered $status ($(api_error))"
        ;;
esac
