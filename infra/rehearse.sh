#!/usr/bin/env bash
# The production grid, rehearsed on this machine: containers of the node image stand in for servers,
# the hetzner-emulator only for Hetzner's API (infra/README.md, "Rehearsal"; docs/operations.md,
# "Rehearsing the production grid").
#
#   infra/rehearse.sh up     build the node image, make the networks, start the emulator (servers as
#                            node containers), boot the control-plane node; idempotent
#   infra/rehearse.sh test   up, then check the control plane boots (systemd, sshd) and that a worker
#                            the emulator creates boots and is reachable from the control plane over
#                            the private network; prints each figure, exits non-zero on a failure
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
#   RGRID_REHEARSAL_DIR           files `up` writes (default target/rehearsal in the repository)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${RGRID_REHEARSAL_NAME:-rgrid-rehearsal}"
private_cidr="${RGRID_REHEARSAL_PRIVATE_CIDR:-10.93.0.0/16}"
public_cidr="${RGRID_REHEARSAL_PUBLIC_CIDR:-10.94.0.0/24}"
https_port="${RGRID_REHEARSAL_HTTPS_PORT:-8443}"
ssh_port="${RGRID_REHEARSAL_SSH_PORT:-2022}"
emulator_port="${RGRID_REHEARSAL_EMULATOR_PORT:-8085}"
image="${RGRID_REHEARSAL_NODE_IMAGE:-rgrid/node:debian12}"
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
    if [[ "$(docker inspect --format '{{.State.Running}}' "$control" 2>/dev/null || true)" == true ]]; then
        log "control-plane node $control runs ($control_ip; 127.0.0.1:$https_port -> 443, 127.0.0.1:$ssh_port -> 22)"
        return
    fi
    if ! docker inspect "$control" >/dev/null 2>&1; then
        log "control-plane node $control: $image at $control_ip, 443 and 22 published on 127.0.0.1:$https_port and :$ssh_port"
        docker volume create --label "$label" "$control-docker" >/dev/null
        docker create --name "$control" --hostname control --label "$label" \
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

up_deploy() {
    # ---- DEPLOY STEP (the "deploy" part plugs in here) ----
    # infra/deploy_orchestrator.sh runs on $control from artifacts built on this machine (--skip-build,
    # --tls-cert/--tls-key), with provider=hetzner, the API base URL $emulator_url, the network id in
    # $state/hetzner-network-id, the API key in $state/api-key and the CA in $state/ca.crt.
    log "deploy of the control plane: not yet (infra/deploy_orchestrator.sh plugs in here)"
}

up() {
    mkdir -p "$state"
    command -v docker >/dev/null || die "docker is missing"
    command -v jq >/dev/null || die "jq is missing (apt-get install jq)"
    log "node image $image"
    "$repo/infra/rehearsal/node-image.sh" "$image"
    up_networks
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

check_worker() {
    local key="$state/check_key" key_id server_json id ip t0 status t_running t_ssh
    [[ -s $key ]] || ssh-keygen -q -t ed25519 -N '' -C "$name-check" -f "$key"
    key_id="$(emulator_api GET '/ssh_keys?name=rehearsal-check' | jq -r '.ssh_keys[0].id // empty')"
    [[ -n $key_id ]] || key_id="$(emulator_api POST /ssh_keys \
        "$(jq -n --arg k "$(cat "$key.pub")" '{name: "rehearsal-check", public_key: $k}')" | jq -r .ssh_key.id)"
    # A leftover check worker of an interrupted run goes first.
    id="$(emulator_api GET '/servers?name=rehearsal-check-1' | jq -r '.servers[0].id // empty')"
    [[ -z $id ]] || emulator_api DELETE "/servers/$id" >/dev/null
    t0=$SECONDS
    server_json="$(emulator_api POST /servers "$(jq -n --argjson net "$(cat "$state/hetzner-network-id")" \
        --argjson key "$key_id" '{name: "rehearsal-check-1", server_type: "cx23", image: "ubuntu-24.04",
        location: "nbg1", ssh_keys: [$key], networks: [$net],
        user_data: "#cloud-config\nwrite_files:\n  - path: /etc/rgrid-rehearsal\n    content: seeded\n"}')")"
    id="$(jq -r .server.id <<<"$server_json")"
    ip="$(jq -r '.server.private_net[0].ip' <<<"$server_json")"
    log "worker rehearsal-check-1 requested (id $id, $ip)"
    while :; do
        status="$(emulator_api GET "/servers/$id" | jq -r .server.status)"
        [[ $status == running ]] && break
        [[ $status == off ]] && die "worker: boot failed: $(emulator_api GET "/servers/$id/actions" | jq -c '[.actions[].error]')"
        ((SECONDS - t0 < 240)) || die "worker: not running after 240 s (status $status)"
        sleep 0.5
    done
    t_running=$((SECONDS - t0))
    docker cp "$key" "$control:/root/.ssh-rehearsal-check" >/dev/null
    docker exec "$control" chmod 0600 /root/.ssh-rehearsal-check
    until docker exec "$control" ssh "${ssh_opts[@]}" -i /root/.ssh-rehearsal-check "root@$ip" \
        'test "$(cat /etc/rgrid-rehearsal)" = seeded' 2>/dev/null; do
        ((SECONDS - t0 < 300)) || die "worker: no SSH from the control plane to $ip (or cloud-init's file missing)"
        sleep 0.5
    done
    t_ssh=$((SECONDS - t0))
    log "worker: created -> running ${t_running} s, SSH from the control plane over the private network (cloud-init's file there) ${t_ssh} s"
    emulator_api DELETE "/servers/$id" >/dev/null
    t0=$SECONDS
    while docker inspect "$name-rehearsal-check-1" >/dev/null 2>&1; do
        ((SECONDS - t0 < 60)) || die "worker: container still there 60 s after the delete"
        sleep 0.5
    done
    log "worker: deleted, container removed in $((SECONDS - t0)) s"
}

run_test() {
    local t0=$SECONDS
    up
    log "figure: up took $((SECONDS - t0)) s"
    check_control_plane
    check_worker
    log "test: passed"
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
        operator_key operator_key.pub check_key check_key.pub; do
        rm -f "${state:?}/$f"
    done
    rmdir "$state" 2>/dev/null || true
    log "down: done"
}

case "${1:-}" in
    up) up ;;
    test) run_test ;;
    env) print_env ;;
    down) down ;;
    *) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
