# shellcheck shell=bash
# shellcheck disable=SC2154 # repo, state, name, label, control, control_ip and base_image are set by infra/rehearse.sh
# The egress check of `infra/rehearse.sh egress` (sourced by rehearse.sh; uses its settings and helpers): what a
# tenant's script on a worker reaches, with positive controls so that every "unreachable" can fail
# (docs/security.md; infra/README.md, "Rehearsal").
#
#   1. an "internet": network <name>-internet (RGRID_REHEARSAL_INTERNET_CIDR, default TEST-NET-2
#      198.51.100.0/24, a public range by the policy's reckoning) with an HTTP server at .10:8080;
#      every worker joins it as a second interface. The same container also holds the metadata
#      address 169.254.169.254 with an HTTP server on :80, and every worker routes that address
#      there, as a cloud's gateway does (not via the control plane: Docker drops traffic to
#      addresses outside an --internal network's subnet, and nginx holds the control plane's :80)
#   2. another execution listening on 9999 (egress-probe.py listen), found on its worker; it runs to
#      the end of the check, which keeps its worker busy (an idle worker may be deleted by the
#      scale-down at any time under the rehearsal's short billing period), and is cancelled if the
#      check dies
#   3. from the worker host: the control plane's ports (5432, 9092, 9000, 5000, 8000, 8001, 6380,
#      8265, 10001 on its private address), the agent's 8002 and sshd on the worker's private address
#      and on the execution network's gateway, the metadata address 169.254.169.254:80 and the other
#      execution's port must all answer; a control-plane target nothing answers on (the
#      loopback-only services, Ray when it is off) gets a stand-in listener there first
#   4. the same targets from an execution (`rgrid run egress-probe.py probe …`, default network):
#      none may answer, while the HTTP server on the internet network must
#   5. the policy switched off (worker-egress.sh remove on the workers): the same execution reaches
#      every target but the other execution (inter-container traffic is off on the network itself);
#      then the policy is installed again and checked

internet_cidr="${RGRID_REHEARSAL_INTERNET_CIDR:-198.51.100.0/24}"
internet_net="$name-internet"
internet_http="$name-internet-http"
egress_probe="$repo/infra/rehearsal/egress-probe.py"
control_ports=(5432 9092 9000 5000 8000 8001 6380 8265 10001)
metadata=169.254.169.254

egress_cli() { # OUTPUT rgrid-run-arguments...
    local out=$1
    shift
    RGRID_API_URL="$(cat "$state/api-url")" RGRID_API_KEY="$(cat "$state/api-key")" \
        timeout 300 "$repo/rgrid" run --ca-cert "$state/ca.crt" "$@" >"$out" 2>&1
}

# The EGRESS line of a probe's output, as JSON.
egress_result() { grep -o '^EGRESS .*' "$1" | tail -n 1 | cut -c8-; }

# Prints TARGET RESULT lines; fails unless every target is as wanted: WANT (open|closed) JSON [EXCEPT_OPEN]
egress_expect() {
    local want=$1 json=$2 except=${3:-}
    jq -r 'to_entries[] | "    \(.key)  \(.value)"' <<<"$json"
    jq -e --arg want "$want" --arg except "$except" \
        'to_entries | map(select(.key != $except and ((.value == "open") != ($want == "open")))) | length == 0' \
        <<<"$json" >/dev/null
}

egress_workers() {
    docker ps --filter "label=$label" --filter label=io.rgrid.hetzner.server-id --format '{{.Names}}'
}

# True when WORKER's node container no longer runs: the orchestrator deleted that server (an idle
# worker near the end of its billing period) after egress_workers listed it.
worker_gone() { # WORKER
    [[ $(docker inspect --format '{{.State.Running}}' "$1" 2>/dev/null) != true ]] \
        && log "egress: $1 was deleted meanwhile (scale-down): skipped"
}

up_internet() {
    [[ $internet_cidr =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]] || die "RGRID_REHEARSAL_INTERNET_CIDR must be a /24"
    internet_ip="${BASH_REMATCH[1]}.10"
    if ! docker network inspect "$internet_net" >/dev/null 2>&1; then
        docker network create --subnet "$internet_cidr" --label "$label" \
            -o com.docker.network.bridge.enable_ip_masquerade=false "$internet_net" >/dev/null
    fi
    if [[ "$(docker inspect --format '{{.State.Running}}' "$internet_http" 2>/dev/null || true)" != true ]]; then
        docker rm -f "$internet_http" >/dev/null 2>&1 || true
        docker run -d --name "$internet_http" --label "$label" --network "$internet_net" --ip "$internet_ip" \
            "$base_image" python3 -m http.server 8080 --directory /usr/share >/dev/null
        # The metadata address: a second address of that container (set from this machine, in its
        # network namespace) with its own HTTP server on :80.
        nsenter -t "$(docker inspect --format '{{.State.Pid}}' "$internet_http")" -n \
            ip addr replace "$metadata/32" dev eth0
        docker exec -d -u 0 "$internet_http" python3 -m http.server 80 --bind "$metadata" --directory /usr/share
    fi
    # Both servers listen before anything is probed (a python3 start takes seconds on a loaded machine).
    local i
    for i in $(seq 1 30); do
        docker exec -i "$internet_http" python3 - probe "$internet_ip:8080" "$metadata:80" <"$egress_probe" \
            | grep -q '"open".*"open"' && break
        ((i < 30)) || die "egress: the internet's HTTP servers do not listen after 30 s"
        sleep 1
    done
    log "egress: internet $internet_net ($internet_cidr), HTTP servers $internet_ip:8080 and $metadata:80"
}

# Every running worker joins the internet and routes the metadata address there. Called once the
# listener runs: with no worker at the start (the `egress` verb alone) the listener's is the first.
join_internet() {
    local w
    for w in $(egress_workers); do
        docker inspect --format '{{json .NetworkSettings.Networks}}' "$w" | jq -e --arg n "$internet_net" 'has($n)' >/dev/null \
            || docker network connect "$internet_net" "$w"
        docker exec "$w" ip route replace "$metadata/32" via "$internet_ip"
    done
    log "egress: joined the internet: $(egress_workers | xargs)"
}

# Another execution, listening; sets listener_id, listener_worker (its node container) and listener_ip.
start_listener() {
    egress_cli "$state/egress-listen.out" --detach --cpus 0.5 --memory 128m "$egress_probe" listen 9999 \
        || { cat "$state/egress-listen.out" >&2; die "egress: the listening execution was not submitted"; }
    listener_id="$(grep -oE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$state/egress-listen.out" | tail -n 1)"
    local i view container=""
    for i in $(seq 1 120); do
        view="$(api "/api/v1/executions/$listener_id" || true)"
        if [[ $(jq -r .state <<<"$view") == RUNNING ]]; then
            listener_worker="$name-$(jq -r .workerId <<<"$view")"
            container="$(docker exec "$listener_worker" docker ps -q --filter "name=^rgrid-$listener_id-[0-9]+\$")"
            [[ -n $container ]] && break
        fi
        ((i < 120)) || die "egress: the listening execution $listener_id is not running after 120 s: $view"
        sleep 1
    done
    listener_ip="$(docker exec "$listener_worker" docker inspect --format \
        '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$container")"
    log "egress: execution $listener_id listens on $listener_ip:9999 on $listener_worker"
}

# A check that dies must not leave its listener holding a worker slot for 240 s (the next run would
# queue behind it): on exit, an execution still named here is cancelled.
cancel_listener_on_exit() {
    [[ -n ${listener_id:-} ]] || return 0
    curl -sf -X POST --cacert "$state/ca.crt" -H "Authorization: Bearer $(cat "$state/api-key")" \
        "https://127.0.0.1:$https_port/api/v1/executions/$listener_id/cancel" >/dev/null || true
}

# Stand-ins on the control plane for the targets nothing answers on at its private address (as the
# worker host sees it).
start_standins() { # WORKER
    local missing=() target result
    local wanted=("${control_ports[@]/#/$control_ip:}")
    result="$(docker exec -i "$1" python3 - probe "${wanted[@]}" <"$egress_probe" | cut -c8-)"
    for target in "${wanted[@]}"; do
        [[ $(jq -r --arg t "$target" '.[$t]' <<<"$result") == open ]] || missing+=("$target")
    done
    if ((${#missing[@]})); then
        docker cp "$egress_probe" "$control:/root/egress-probe.py"
        docker exec -d "$control" sh -c "echo \$\$ >/run/rgrid-egress-standin.pid; exec python3 /root/egress-probe.py serve ${missing[*]} >/run/rgrid-egress-standin.log 2>&1"
        sleep 1
    fi
    log "egress: stand-in listeners on the control plane (nothing answers there otherwise): ${missing[*]:-none}"
}

stop_standins() {
    # shellcheck disable=SC2016 # expanded by the control plane's shell
    in_control sh -c 'test -s /run/rgrid-egress-standin.pid && kill "$(cat /run/rgrid-egress-standin.pid)"; rm -f /run/rgrid-egress-standin.pid' || true
    local w
    for w in $(egress_workers); do docker exec "$w" ip route del "$metadata/32" 2>/dev/null || true; done
}

# The policy, installed again, stays in place: `check` passes on WORKER. A failing check prints what it
# misses and is asked again (up to 5 times, 2 s apart) so that a one-off misreading tells itself apart
# from rules that are really gone; the final failure dumps the worker's filter table.
policy_back() { # WORKER
    local try out
    for try in 1 2 3 4 5; do
        if out="$(docker exec "$1" /usr/local/lib/rgrid/worker-egress.sh check 2>&1)"; then
            ((try == 1)) || log "egress: $1: check passed on try $try (the failures above were transient)"
            return 0
        fi
        worker_gone "$1" && return 0
        printf '%s\n' "$out" | sed "s/^/    [$1 check, try $try] /" >&2
        sleep 2
    done
    docker exec "$1" iptables-save -t filter >&2 || true
    die "egress: $1: the policy is not back after install (worker-egress.sh check fails, above)"
}

check_egress() {
    local t0=$SECONDS worker_ip gateway targets json w
    up_internet
    start_listener
    trap cancel_listener_on_exit EXIT
    join_internet
    start_standins "$listener_worker"
    worker_ip="$(docker inspect --format "{{(index .NetworkSettings.Networks \"$name-private\").IPAddress}}" "$listener_worker")"
    gateway="$(docker exec "$listener_worker" docker network inspect rgrid-exec --format '{{(index .IPAM.Config 0).Gateway}}')"
    targets=("${control_ports[@]/#/$control_ip:}" "$worker_ip:8002" "$worker_ip:22" "$gateway:22" "$metadata:80"
        "$listener_ip:9999")

    log "egress: from the worker host $listener_worker (positive control): every target answers"
    json="$(docker exec -i "$listener_worker" python3 - probe "${targets[@]}" <"$egress_probe" | cut -c8-)"
    if ! egress_expect open "$json"; then
        in_control sh -c 'ip -4 addr; cat /run/rgrid-egress-standin.log' >&2 || true
        stop_standins
        die "egress: a target does not answer even from the worker host"
    fi

    log "egress: from an execution (default network): nothing answers but the internet's HTTP server"
    egress_cli "$state/egress-probe.out" "$egress_probe" probe "${targets[@]}" "http://$internet_ip:8080/" \
        || { cat "$state/egress-probe.out" >&2; stop_standins; die "egress: the probe execution failed"; }
    json="$(egress_result "$state/egress-probe.out")"
    if ! egress_expect closed "$json" "http://$internet_ip:8080/" \
        || [[ $(jq -r --arg t "http://$internet_ip:8080/" '.[$t]' <<<"$json") != open ]]; then
        stop_standins
        die "egress: an execution reached a closed target, or not the internet (above)"
    fi
    log "egress: policy switched off (worker-egress.sh remove): the same execution connects"
    for w in $(egress_workers); do
        docker exec "$w" /usr/local/lib/rgrid/worker-egress.sh remove >/dev/null || worker_gone "$w" \
            || die "egress: $w: worker-egress.sh remove failed"
    done
    egress_cli "$state/egress-off.out" "$egress_probe" probe "${targets[@]:0:${#targets[@]}-1}" "http://$internet_ip:8080/" \
        || true
    json="$(egress_result "$state/egress-off.out" || true)"
    for w in $(egress_workers); do
        docker exec "$w" /usr/local/lib/rgrid/worker-egress.sh install >"$state/egress-install-$w.out" 2>&1 \
            || worker_gone "$w" \
            || { cat "$state/egress-install-$w.out" >&2; die "egress: $w: worker-egress.sh install failed"; }
    done
    stop_standins
    [[ -n $json ]] || { cat "$state/egress-off.out" >&2; die "egress: the probe execution without the policy failed"; }
    egress_expect open "$json" || die "egress: without the policy a target stays closed: the check above proves nothing"
    for w in $(egress_workers); do policy_back "$w"; done
    log "figure: egress check (internet, listener, stand-ins, three probes, policy off and on) took $((SECONDS - t0)) s"
    ${egress_keep_listener:-false} || end_listener
}

# The listener ends once told so (its worker host reaches it). It runs until the checks that need its
# worker are done, on purpose: a busy worker is never idle, so the scale-down (the rehearsal's short
# billing period) cannot delete it between `remove` and the check that the policy is back, nor
# (egress_keep_listener=true, `test`) before the credential hunt's positive control runs there.
end_listener() {
    [[ -n ${listener_id:-} ]] || return 0
    docker exec "$listener_worker" python3 -c \
        "import socket; s = socket.create_connection(('$listener_ip', 9999), 5); s.sendall(b'bye'); s.close()"
    listener_id=""
}
