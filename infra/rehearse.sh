#!/usr/bin/env bash
# The production grid, rehearsed on this machine: containers of the node image stand in for servers,
# the hetzner-emulator only for Hetzner's API (infra/README.md, "Rehearsal"; docs/operations.md,
# "Rehearsing the production grid").
#
#   infra/rehearse.sh up     build the node image, make the networks, start the emulator (servers as
#                            node containers), boot the control-plane node, deploy the control plane on it
#                            (infra/deploy_orchestrator.sh from the packaged artifacts, provider hetzner
#                            against the emulator, nginx with a private CA's certificate, a registry with
#                            the base image); idempotent
#   infra/rehearse.sh test [--faults] [--ray] [--soak]
#                            up, then from zero workers `rgrid run examples/hello.py` here through nginx/TLS
#                            must provision a worker and print its greeting; prints the timeline and each
#                            figure; then the egress check (rehearsal/egress-check.sh): what a tenant's
#                            script reaches on a worker, with positive controls; with --faults then the
#                            fault steps (infra/rehearsal/faults.sh: scale-out, billing, lost-node, restart,
#                            backup; agent-restart and partition by name or in --soak); --ray: a grid with
#                            Ray dispatch (rehearsal/ray.sh; kept until down), hello must run as a Ray task; --soak: the fault steps repeated with more
#                            executions (by hand, longer); exits non-zero (with the journals) on a failure
#   infra/rehearse.sh up [--ray]  up alone (--ray: with Ray dispatch, as test --ray)
#   infra/rehearse.sh egress up, then the egress check alone (on a grid `test` left up: its worker is reused)
#   infra/rehearse.sh faults [STEP...]  those fault steps (default all) against a grid that is up
#   infra/rehearse.sh env    prints `export RGRID_API_URL=… RGRID_API_KEY=… RGRID_CA_CERT=…` for a CLI here
#   infra/rehearse.sh down   removes every container, network and volume `up` made, and its files
#
# Settings (environment):
#   RGRID_REHEARSAL_NAME          prefix and label value of everything it makes (default rgrid-rehearsal)
#   RGRID_REHEARSAL_PRIVATE_CIDR  the private network, /16 to /23 (default 10.93.0.0/16): .1 this machine
#                                 (the emulator), .2 the control plane, workers in its second /24
#   RGRID_REHEARSAL_PUBLIC_CIDR   the control plane's public side (default 10.94.0.0/24)
#   RGRID_REHEARSAL_HTTPS_PORT    127.0.0.1 port of the control plane's nginx 443 (default 8443)
#   RGRID_REHEARSAL_SSH_PORT      127.0.0.1 port of the control plane's sshd (default 2022)
#   RGRID_REHEARSAL_EMULATOR_PORT the emulator's port on the private gateway address (default 8085)
#   RGRID_REHEARSAL_NODE_IMAGE    node image (default rgrid/node:debian12)
#   RGRID_REHEARSAL_BASE_IMAGE    the executions' image, pushed to the registry (default rgrid/python:3.11-local)
#   RGRID_REHEARSAL_ARTIFACTS     a directory with rgrid-control-plane.tar.gz to deploy (default: target/dist,
#                                 made by infra/package.sh when older than its sources)
#   RGRID_REHEARSAL_DIR           files `up` writes (default target/rehearsal in the repository)
#   RGRID_REHEARSAL_INTERNET_CIDR the workers' stand-in internet, a /24 (default 198.51.100.0/24)
#   RGRID_REHEARSAL_FAULTS        test --faults: the fault steps to run, in order (default all; CI runs all)
#   RGRID_REHEARSAL_SOAK_ROUNDS   --soak: how many times the fault steps run (default 3)
#   RGRID_REHEARSAL_SOAK_EXECUTIONS  --soak: executions of each scale-out step (default 36)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${RGRID_REHEARSAL_NAME:-rgrid-rehearsal}"
private_cidr="${RGRID_REHEARSAL_PRIVATE_CIDR:-10.93.0.0/16}"
public_cidr="${RGRID_REHEARSAL_PUBLIC_CIDR:-10.94.0.0/24}"
https_port="${RGRID_REHEARSAL_HTTPS_PORT:-8443}"
ssh_port="${RGRID_REHEARSAL_SSH_PORT:-2022}"
emulator_port="${RGRID_REHEARSAL_EMULATOR_PORT:-8085}"
image="${RGRID_REHEARSAL_NODE_IMAGE:-rgrid/node:debian12}"
base_image="${RGRID_REHEARSAL_BASE_IMAGE:-rgrid/python:3.11-local}"
state="${RGRID_REHEARSAL_DIR:-$repo/target/rehearsal}"
label="rgrid.rehearsal=$name"
control="$name-control"
ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR)

log() { printf '[rehearse %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf 'rehearse: %s\n' "$*" >&2; exit 1; }

# Addresses from the private CIDR: gateway (this machine), control plane, the workers' /24.
read -r gateway control_ip worker_subnet < <(python3 - "$private_cidr" <<'EOF'
import ipaddress, sys
try:
    net = ipaddress.ip_network(sys.argv[1])
except ValueError as e:
    sys.exit(f"rehearse: RGRID_REHEARSAL_PRIVATE_CIDR: {e}")
if net.version != 4 or not net.is_private or not 16 <= net.prefixlen <= 23:
    sys.exit("rehearse: RGRID_REHEARSAL_PRIVATE_CIDR must be a private IPv4 range from /16 to /23")
print(net[1], net[2], list(net.subnets(new_prefix=24))[1])
EOF
) || exit 1

emulator_url="http://$gateway:$emulator_port/v1"

in_control() { docker exec "$control" "$@"; }

emulator_api() { # METHOD PATH [JSON]
    curl -sS -f -X "$1" -H "Authorization: Bearer $(cat "$state/emulator-token")" \
        -H 'Content-Type: application/json' ${3:+--data "$3"} "$emulator_url$2"
}

# Waits until a node container's systemd has finished booting; prints the seconds it took.
await_boot() { # CONTAINER TIMEOUT_S
    local start=$SECONDS st
    while ((SECONDS - start < $2)); do
        st="$(docker exec "$1" systemctl is-system-running 2>/dev/null || true)"
        case $st in
            running | degraded) echo $((SECONDS - start)); return 0 ;;
            maintenance | stopping) die "$1: systemd is $st" ;;
        esac
        sleep 0.5
    done
    die "$1 did not boot within $2 s (systemd: ${st:-no answer})"
}

# ---- up ----------------------------------------------------------------------------------------
up_networks() {
    if docker network inspect "$name-private" >/dev/null 2>&1; then
        log "network $name-private ($private_cidr) is there"
    else
        log "network $name-private ($private_cidr, internal: no route off it)"
        docker network create --internal --subnet "$private_cidr" --gateway "$gateway" --label "$label" \
            "$name-private" >/dev/null
    fi
    if docker network inspect "$name-public" >/dev/null 2>&1; then
        log "network $name-public ($public_cidr) is there"
    else
        # Ports can be published only from a non-internal network; without masquerading, nothing on
        # it reaches beyond this machine.
        log "network $name-public ($public_cidr, no masquerading: only published ports reach it)"
        docker network create --subnet "$public_cidr" --label "$label" \
            -o com.docker.network.bridge.enable_ip_masquerade=false "$name-public" >/dev/null
    fi
}

emulator_classpath() {
    local jar cp
    jar="$(find "$repo/hetzner-emulator/target" -maxdepth 1 -name 'hetzner-emulator-*.jar' 2>/dev/null | head -n 1 || true)"
    if [[ -z $jar || ! -s $state/emulator.cp ]]; then
        log "building the hetzner-emulator (offline Maven)" >&2
        (cd "$repo" && ./mvnw -B -q -ntp -o package -pl hetzner-emulator -DskipTests \
            && ./mvnw -B -q -ntp -o dependency:build-classpath -pl hetzner-emulator -DincludeScope=runtime \
                -Dmdep.outputFile="$state/emulator.cp") >&2
        jar="$(find "$repo/hetzner-emulator/target" -maxdepth 1 -name 'hetzner-emulator-*.jar' | head -n 1)"
    fi
    cp="$(cat "$state/emulator.cp")"
    echo "$jar:$cp"
}

up_emulator() {
    [[ -s $state/emulator-token ]] || openssl rand -hex 24 >"$state/emulator-token"
    if [[ -s $state/emulator.pid ]] && kill -0 "$(cat "$state/emulator.pid")" 2>/dev/null; then
        log "hetzner-emulator runs (pid $(cat "$state/emulator.pid"), $emulator_url)"
    else
        local java="${JAVA_HOME:+$JAVA_HOME/bin/}java" cp
        cp="$(emulator_classpath)"
        log "hetzner-emulator on $emulator_url, servers as $image containers on $name-private"
        HETZNER_EMULATOR_TOKEN="$(cat "$state/emulator-token")" nohup "$java" -cp "$cp" \
            io.rgrid.hetzner.emulator.HetznerEmulator --host "$gateway" --port "$emulator_port" \
            --containers "$name-private" --node-image "$image" --container-prefix "$name" \
            --container-label "$name" >"$state/emulator.log" 2>&1 &
        echo $! >"$state/emulator.pid"
        local i
        for i in $(seq 1 100); do
            emulator_api GET /servers >/dev/null 2>&1 && break
            kill -0 "$(cat "$state/emulator.pid")" 2>/dev/null || die "the emulator exited: see $state/emulator.log"
            ((i < 100)) || die "the emulator does not answer on $emulator_url: see $state/emulator.log"
            sleep 0.2
        done
    fi
    # The emulator keeps its state in memory: (re)create the Hetzner network the workers join.
    local id
    id="$(emulator_api GET '/networks?name=rgrid-private' | jq -r '.networks[0].id // empty')"
    if [[ -z $id ]]; then
        id="$(emulator_api POST /networks "{\"name\":\"rgrid-private\",\"ip_range\":\"$private_cidr\",
            \"subnets\":[{\"type\":\"cloud\",\"network_zone\":\"eu-central\",\"ip_range\":\"$worker_subnet\"}]}" \
            | jq -r .network.id)"
        log "emulated Hetzner network rgrid-private (id $id, workers in $worker_subnet)"
    fi
    echo "$id" >"$state/hetzner-network-id"
}

up_control_plane() {
    [[ -s $state/operator_key ]] || ssh-keygen -q -t ed25519 -N '' -C "$name-operator" -f "$state/operator_key"
    # The node trusts the key it was created with (cloud-init's seed). A node left by another state
    # directory (another clone, or a down that could not reach Docker) would refuse this one's key:
    # it is replaced, not reused.
    local key_id
    key_id="$(ssh-keygen -l -f "$state/operator_key.pub" | awk '{print $2}')"
    if docker inspect "$control" >/dev/null 2>&1 \
        && [[ "$(docker inspect --format '{{index .Config.Labels "rgrid.rehearsal.operator-key"}}' "$control")" != "$key_id" ]]; then
        log "control-plane node $control was made for another operator key (another state directory): replacing it"
        docker rm -f "$control" >/dev/null
        docker volume rm -f "$control-docker" >/dev/null
    fi
    if [[ "$(docker inspect --format '{{.State.Running}}' "$control" 2>/dev/null || true)" == true ]]; then
        log "control-plane node $control runs ($control_ip; 127.0.0.1:$https_port -> 443, 127.0.0.1:$ssh_port -> 22)"
        return
    fi
    if ! docker inspect "$control" >/dev/null 2>&1; then
        log "control-plane node $control: $image at $control_ip, 443 and 22 published on 127.0.0.1:$https_port and :$ssh_port"
        docker volume create --label "$label" "$control-docker" >/dev/null
        docker create --name "$control" --hostname control --label "$label" \
            --label "rgrid.rehearsal.operator-key=$key_id" \
            --cap-add SYS_ADMIN --cap-add NET_ADMIN \
            --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
            -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock --stop-signal SIGRTMIN+3 \
            -v "$control-docker:/var/lib/docker" \
            --network "$name-public" -p "127.0.0.1:$https_port:443" -p "127.0.0.1:$ssh_port:22" \
            "$image" /sbin/init >/dev/null
        docker network connect --ip "$control_ip" "$name-private" "$control"
        local seed
        seed="$(mktemp -d)"
        jq -n --arg key "$(cat "$state/operator_key.pub")" \
            '{"instance-id": "control-1", "local-hostname": "control", "public-keys": [$key]}' >"$seed/meta-data"
        printf '#cloud-config\n' >"$seed/user-data"
        docker cp "$seed/." "$control:/var/lib/cloud/seed/nocloud/"
        rm -rf "$seed"
    fi
    docker start "$control" >/dev/null
    local secs
    secs="$(await_boot "$control" 180)"
    log "figure: control-plane node booted in $secs s (systemd running)"
}

# The deploy step (up_deploy and its parts).
# shellcheck source-path=SCRIPTDIR source=rehearsal/control-plane.sh
source "$repo/infra/rehearsal/control-plane.sh"
# The steps under load and faults (faults_env, faults_begin, faults_run).
# shellcheck source-path=SCRIPTDIR source=rehearsal/faults.sh
source "$repo/infra/rehearsal/faults.sh"
# Ray dispatch (ray_select, ray_up, ray_env, ray_control_plane, ray_watch_begin/end, check_ray).
# shellcheck source-path=SCRIPTDIR source=rehearsal/ray.sh
source "$repo/infra/rehearsal/ray.sh"
# The egress step (check_egress and its parts).
# shellcheck source-path=SCRIPTDIR source=rehearsal/egress-check.sh
source "$repo/infra/rehearsal/egress-check.sh"

up() { # [--ray]
    mkdir -p "$state"
    ray_select "$([[ ${1:-} == --ray ]] && echo true || echo false)"
    command -v docker >/dev/null || die "docker is missing"
    command -v jq >/dev/null || die "jq is missing (apt-get install jq)"
    log "node image $image"
    "$repo/infra/rehearsal/node-image.sh" "$image"
    up_networks
    ray_up
    up_emulator
    up_control_plane
    [[ -s $state/api-key ]] || openssl rand -hex 32 >"$state/api-key"
    echo "https://127.0.0.1:$https_port" >"$state/api-url"
    up_deploy
    log "up: done ($state)"
}

# ---- test --------------------------------------------------------------------------------------
check_control_plane() {
    local st
    st="$(docker exec "$control" systemctl is-system-running || true)"
    [[ $st == running || $st == degraded ]] || die "control plane: systemd is '$st'"
    docker exec "$control" systemctl is-active --quiet ssh || die "control plane: sshd is not active"
    ssh "${ssh_opts[@]}" -i "$state/operator_key" -p "$ssh_port" root@127.0.0.1 true \
        || die "control plane: no SSH login on 127.0.0.1:$ssh_port"
    log "control plane: systemd $st, sshd answers on 127.0.0.1:$ssh_port (root with the operator key)"
}

orchestrator_api() { in_control curl -sf "http://127.0.0.1:8001$1"; }
api() { curl -sf --cacert "$state/ca.crt" -H "Authorization: Bearer $(cat "$state/api-key")" "https://127.0.0.1:$https_port$1"; }

# What to read when a step fails: the orchestrator's and the API's journal, the emulator's log.
show_journals() {
    echo "---- journalctl -u orchestrator (last 40) ----" >&2
    in_control journalctl -u orchestrator --no-pager -n 40 -o cat >&2 || true
    echo "---- journalctl -u rgrid-api (last 15) ----" >&2
    in_control journalctl -u rgrid-api --no-pager -n 15 -o cat >&2 || true
    echo "---- $state/emulator.log (last 15) ----" >&2
    tail -n 15 "$state/emulator.log" >&2 || true
}

# From zero workers: `rgrid run examples/hello.py` here through nginx/TLS provisions a worker and
# prints its greeting; then the timeline of that worker and execution.
check_hello() {
    local live out rc t0 exec_id worker
    live="$(orchestrator_api /v1/workers | jq '[.[] | select(.state != "DELETED" and .state != "LOST")] | length')" \
        || die "the orchestrator's /v1/workers does not answer"
    if ((live > 0)); then
        log "hello: $live worker(s) live already: this run measures no provisioning (infra/rehearse.sh down for one from zero)"
    else
        log "hello: zero workers; rgrid run examples/hello.py through https://127.0.0.1:$https_port (--ca-cert $state/ca.crt)"
    fi
    t0=$SECONDS
    set +e
    RGRID_API_URL="$(cat "$state/api-url")" RGRID_API_KEY="$(cat "$state/api-key")" \
        timeout 600 "$repo/rgrid" run --ca-cert "$state/ca.crt" "$repo/examples/hello.py" >"$state/run.log" 2>&1
    rc=$?
    set -e
    out="$(cat "$state/run.log")"
    printf '%s\n' "$out" | sed 's/^/  rgrid | /'
    if ((rc != 0)) || ! grep -qx 'Hello from RGrid!' <<<"$out"; then
        show_journals
        die "hello: rgrid run exited $rc$(grep -qx 'Hello from RGrid!' <<<"$out" || echo ', without "Hello from RGrid!"')"
    fi
    log "figure: rgrid run examples/hello.py, exit 0 with 'Hello from RGrid!', took $((SECONDS - t0)) s"
    exec_id="$(api '/api/v1/executions?limit=1' | jq -r '.items[0].id')"
    worker="$(api "/api/v1/executions/$exec_id" | jq -r .workerId)"
    ((live > 0)) && return 0
    print_timeline "$exec_id" "$worker"
}

# The timeline, in seconds since requested: the worker's steps from the orchestrator's
# GET /v1/workers (ProvisioningTimeline), execution RUNNING from the API's transitions, and the SSH
# bootstrap's split from the orchestrator's journal.
print_timeline() { # EXECUTION_ID WORKER_ID
    local workers transitions split
    workers="$(orchestrator_api /v1/workers)"
    transitions="$(api "/api/v1/executions/$1/transitions")"
    split="$(in_control journalctl -u orchestrator --no-pager -o cat | grep -o "bootstrapped in .*" | tail -n 1 || true)"
    python3 - "$2" "$workers" "$transitions" <<'EOF' || die "timeline: incomplete (see above)"
import json, sys
from datetime import datetime
worker_id, workers, transitions = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
at = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
worker = next((w for w in workers if w["id"] == worker_id), None)
steps = dict((worker or {}).get("timeline") or {})
running = [t["at"] for t in transitions["items"] if t["to"] == "RUNNING"]
if running:
    steps["execution_running"] = running[0]
names = ["requested", "created", "running", "ssh_ready", "first_heartbeat", "execution_running"]
missing = [n for n in names if n not in steps]
if missing:
    print(f"timeline of {worker_id}: missing {', '.join(missing)}", file=sys.stderr)
    sys.exit(1)
t0 = at(steps["requested"])
print(f"[timeline] worker {worker_id} (orchestrator GET /v1/workers; execution RUNNING: API transitions)")
prev = t0
for n in names:
    t = at(steps[n])
    print(f"[timeline]   {n:<18} {(t - t0).total_seconds():6.1f} s  (+{(t - prev).total_seconds():.1f} s)")
    prev = t
c2h = (at(steps["first_heartbeat"]) - at(steps["created"])).total_seconds()
print(f"[timeline] figure: created -> first heartbeat {c2h:.1f} s (goal <= 60 s{'' if c2h <= 60 else ': MISSED'})")
EOF
    [[ -z $split ]] || log "SSH bootstrap (orchestrator journal): $split"
}

run_test() {
    local t0=$SECONDS with_faults=false soak=false option up_args=()
    for option in "$@"; do
        case $option in
            --faults) with_faults=true ;;
            --ray) up_args=(--ray) ;;
            --soak) with_faults=true soak=true ;;
            *) die "test: unknown option $option (--faults, --ray, --soak)" ;;
        esac
    done
    up "${up_args[@]}"
    log "figure: up took $((SECONDS - t0)) s"
    check_control_plane
    if $with_faults; then faults_begin; fi
    ray_watch_begin
    check_hello
    ray_watch_end
    check_ray
    # The egress check's listener keeps its worker busy (never idle, never scaled down) until the
    # credential hunt, whose positive control runs on that worker host, is done.
    egress_keep_listener=true
    check_egress
    source "$repo/infra/rehearsal/credential-hunt.sh" && check_credential_hunt # issue 24: an execution's credential hunt gets nothing
    end_listener
    # shellcheck disable=SC2086 # RGRID_REHEARSAL_FAULTS is a list of step names
    if $soak; then faults_soak; elif $with_faults; then faults_run ${RGRID_REHEARSAL_FAULTS:-}; fi
    log "test: passed in $((SECONDS - t0)) s"
}

# The egress check alone (rehearsal/egress-check.sh), for a second look at a grid that is up.
run_egress() {
    up
    check_egress
    log "egress: passed"
}

# ---- env and down ------------------------------------------------------------------------------
print_env() {
    local f
    for f in api-url api-key; do
        [[ -s $state/$f ]] || die "$state/$f is missing: run infra/rehearse.sh up first"
    done
    [[ -s $state/ca.crt ]] || echo "rehearse: $state/ca.crt does not exist yet (the deploy step writes it)" >&2
    printf 'export RGRID_API_URL=%q RGRID_API_KEY=%q RGRID_CA_CERT=%q\n' \
        "$(cat "$state/api-url")" "$(cat "$state/api-key")" "$state/ca.crt"
}

# Removes what carries this rehearsal's label: KIND LIST-COMMAND... -- REMOVE-COMMAND...
remove_labelled() {
    local kind=$1 names
    shift
    local -a list=() remove=()
    while [[ $1 != -- ]]; do list+=("$1"); shift; done
    shift
    remove=("$@")
    mapfile -t names < <("${list[@]}" --filter "label=$label")
    ((${#names[@]})) || return 0
    log "removing $kind: ${names[*]}"
    "${remove[@]}" "${names[@]}" >/dev/null
}

down() {
    local pid
    if [[ -s $state/emulator.pid ]]; then
        pid="$(cat "$state/emulator.pid")"
        if grep -qs HetznerEmulator "/proc/$pid/cmdline"; then
            log "stopping the hetzner-emulator (pid $pid)"
            kill "$pid"
            while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
        fi
    fi
    remove_labelled containers docker ps -a --format '{{.Names}}' -- docker rm -f -v
    remove_labelled networks docker network ls --format '{{.Name}}' -- docker network rm
    remove_labelled volumes docker volume ls --format '{{.Name}}' -- docker volume rm
    local f
    for f in emulator-token emulator.pid emulator.log emulator.cp hetzner-network-id api-key api-url ca.crt \
        operator_key operator_key.pub check_key check_key.pub ca.key server.crt server.key hetzner_worker.key \
        hetzner_worker.key.pub control.env deploy.log package.log build.log run.log egress-listen.out \
        egress-probe.out egress-off.out ray pip.conf ray-install.log; do
        rm -f "${state:?}/$f"
    done
    faults_clean
    rmdir "$state" 2>/dev/null || true
    log "down: done"
}

case "${1:-}" in
    up) shift; up "$@" ;;
    test) shift; run_test "$@" ;;
    egress) run_egress ;;
    faults) shift; faults_run "$@" ;;
    env) print_env ;;
    down) down ;;
    *) sed -n '2,42p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
