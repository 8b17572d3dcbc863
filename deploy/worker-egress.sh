#!/bin/sh
# RGrid worker egress policy (docs/security.md): an execution with network `bridge` reaches public
# addresses and nothing else: not the private network, not this host, not link-local/metadata,
# not loopback, not another execution.
#
#   worker-egress.sh install   makes the execution network and the iptables rules when missing
#                              (idempotent), then runs `check`
#   worker-egress.sh check     verifies the network and every rule; when all are in place writes
#                              /run/rgrid/egress-policy, which the agent reads at start; exit 1 otherwise
#   worker-egress.sh remove    deletes the rules and that file (the network stays)
#
# Runs as root: cloud-init at first boot (deploy/cloud-init/worker.yaml) and rgrid-worker.service's
# ExecStartPre before every start of the agent (deploy/systemd/rgrid-worker.service). Needs a running
# Docker Engine (it creates DOCKER-USER) and iptables.
#
# The network: Docker bridge `rgrid-exec` on the Linux bridge `rgrid-exec0` with inter-container
# traffic off (enable_icc=false), no IPv6. The rules, keyed by that interface:
#   DOCKER-USER (forwarded traffic)  -i rgrid-exec0 -> RGRID-EGRESS: reject towards 0/8, 10/8,
#                                    100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16, 224/4, 240/4
#   INPUT (this host's addresses)    -i rgrid-exec0 -> RGRID-EGRESS-HOST: replies to connections this
#                                    host opened pass, everything else is rejected
# Rejected with icmp-admin-prohibited: a script's connect fails at once with "No route to host"
# (EHOSTUNREACH), which tells the policy apart from a closed port ("Connection refused").
# No dollar-brace in this file: deploy/cloud-init/worker.yaml embeds it and infra/check-deploy.sh checks that
# no placeholder is left in the rendered cloud-config.
set -eu

NETWORK=rgrid-exec
BRIDGE=rgrid-exec0
MARKER_DIR=/run/rgrid
MARKER=$MARKER_DIR/egress-policy
FORWARD_CHAIN=RGRID-EGRESS
HOST_CHAIN=RGRID-EGRESS-HOST
BLOCKED="0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 192.168.0.0/16 224.0.0.0/4 240.0.0.0/4"
REJECT="-j REJECT --reject-with icmp-admin-prohibited"

ipt() { iptables -w 10 "$@"; }
say() { echo "worker-egress: $*"; }
fail() { echo "worker-egress: $*" >&2; exit 1; }

# Adds a rule at the end of CHAIN unless it is there: RULE... (words after the chain)
ensure_rule() {
    chain=$1
    shift
    ipt -C "$chain" "$@" 2>/dev/null || ipt -A "$chain" "$@"
}

# Puts a jump at the head of a built-in or Docker chain unless it is there.
ensure_jump() { # FROM TO
    ipt -C "$1" -i "$BRIDGE" -j "$2" 2>/dev/null || ipt -I "$1" 1 -i "$BRIDGE" -j "$2"
}

network_option() { # KEY
    docker network inspect --format "{{ index .Options \"$1\" }}" "$NETWORK" 2>/dev/null
}

install_network() {
    if ! docker network inspect "$NETWORK" >/dev/null 2>&1; then
        say "creating Docker network $NETWORK (bridge $BRIDGE, inter-container traffic off)"
        docker network create --driver bridge --label io.rgrid.egress=policy \
            -o com.docker.network.bridge.name="$BRIDGE" \
            -o com.docker.network.bridge.enable_icc=false "$NETWORK" >/dev/null
    fi
}

install_rules() {
    # dockerd makes DOCKER-USER as it starts; at first boot that may be a moment after `systemctl start`.
    tries=0
    until ipt -L DOCKER-USER -n >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ "$tries" -le 30 ] || fail "no DOCKER-USER chain after 30 s: is Docker Engine running?"
        sleep 1
    done
    ipt -N "$FORWARD_CHAIN" 2>/dev/null || true
    ipt -N "$HOST_CHAIN" 2>/dev/null || true
    for cidr in $BLOCKED; do
        # shellcheck disable=SC2086 # REJECT is several words on purpose
        ensure_rule "$FORWARD_CHAIN" -d "$cidr" $REJECT
    done
    ensure_rule "$HOST_CHAIN" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
    # shellcheck disable=SC2086
    ensure_rule "$HOST_CHAIN" $REJECT
    ensure_jump DOCKER-USER "$FORWARD_CHAIN"
    ensure_jump INPUT "$HOST_CHAIN"
}

# Every part in place? Prints what is missing and returns 1.
verify() {
    ok=0
    [ "$(docker network inspect --format '{{ .Driver }}' "$NETWORK" 2>/dev/null)" = bridge ] \
        || { say "missing: Docker bridge network $NETWORK"; return 1; }
    [ "$(network_option com.docker.network.bridge.name)" = "$BRIDGE" ] \
        || { say "network $NETWORK is not on bridge $BRIDGE"; ok=1; }
    [ "$(network_option com.docker.network.bridge.enable_icc)" = false ] \
        || { say "network $NETWORK allows inter-container traffic"; ok=1; }
    [ "$(docker network inspect --format '{{ .EnableIPv6 }}' "$NETWORK")" = false ] \
        || { say "network $NETWORK has IPv6, which these rules do not cover"; ok=1; }
    for cidr in $BLOCKED; do
        # shellcheck disable=SC2086
        ipt -C "$FORWARD_CHAIN" -d "$cidr" $REJECT 2>/dev/null || { say "missing: $FORWARD_CHAIN reject $cidr"; ok=1; }
    done
    # shellcheck disable=SC2086
    ipt -C "$HOST_CHAIN" $REJECT 2>/dev/null || { say "missing: $HOST_CHAIN reject"; ok=1; }
    ipt -C DOCKER-USER -i "$BRIDGE" -j "$FORWARD_CHAIN" 2>/dev/null || { say "missing: DOCKER-USER jump"; ok=1; }
    ipt -C INPUT -i "$BRIDGE" -j "$HOST_CHAIN" 2>/dev/null || { say "missing: INPUT jump"; ok=1; }
    return $ok
}

check() {
    if verify; then
        mkdir -p "$MARKER_DIR"
        chmod 0755 "$MARKER_DIR"
        printf 'network=%s\nbridge=%s\nchecked=%s\n' "$NETWORK" "$BRIDGE" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$MARKER.new"
        chmod 0644 "$MARKER.new"
        mv "$MARKER.new" "$MARKER"
        say "in place: network $NETWORK ($BRIDGE), rules in DOCKER-USER and INPUT ($MARKER)"
    else
        rm -f "$MARKER"
        fail "the egress policy is NOT in place (run: $0 install)"
    fi
}

remove() {
    rm -f "$MARKER"
    while ipt -D DOCKER-USER -i "$BRIDGE" -j "$FORWARD_CHAIN" 2>/dev/null; do :; done
    while ipt -D INPUT -i "$BRIDGE" -j "$HOST_CHAIN" 2>/dev/null; do :; done
    for chain in "$FORWARD_CHAIN" "$HOST_CHAIN"; do
        ipt -F "$chain" 2>/dev/null || true
        ipt -X "$chain" 2>/dev/null || true
    done
    say "removed the rules and $MARKER; executions with network bridge are unrestricted on $NETWORK"
}

[ $# -eq 1 ] || { echo "usage: $0 install|check|remove" >&2; exit 2; }
case "$1" in
    install) install_network; install_rules; check ;;
    check) check ;;
    remove) remove ;;
    *) echo "usage: $0 install|check|remove" >&2; exit 2 ;;
esac
