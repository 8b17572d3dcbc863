# shellcheck shell=bash
# shellcheck disable=SC2154 # repo, state, name, label, image, control, control_ip, gateway and the helpers are set by infra/rehearse.sh
# Ray dispatch in the rehearsal (`infra/rehearse.sh test --ray`; sourced by rehearse.sh, uses its settings
# and helpers). infra/README.md, "Rehearsal"; docs/operations.md, "Rehearsing the production grid"; docs/ray.md.
#
#   the package store  this machine's configured Python package stores (the file:// indexes of
#                      `pip config list`, as infra/install-ray.sh reads them) served read-only over
#                      HTTP on the private network by <name>-pypi (the base image's python3 -m
#                      http.server at the private /24's .250:8080): the nodes' stand-in for PyPI
#   the node image     <node image>-ray: the node image plus an /etc/pip.conf naming that store, so
#                      every node (control plane and the workers the emulator makes) installs Python
#                      packages from it as this machine does; nothing else differs
#   the control plane  after deploy_orchestrator.sh: Ray 2.58 by infra/install-ray.sh into
#                      /opt/rgrid/ray-venv, the head as a systemd unit from that venv (docs/ray.md,
#                      "The head on the control plane": the containerised head of step 5 needs an
#                      image this machine cannot pull), the orchestrator's Ray drop-in of docs/ray.md,
#                      and the Ray task jar inside the agent distribution the SSH bootstrap pushes, so
#                      it lies at the same path on every node (rgrid.orchestrator.ray.task-jar)
#   the .env           RAY_ENABLED=true (the guide's .env), RAY_HEAD_ADDRESS and the bootstrap's Ray
#                      head address (<control plane>:6380: workers get cloud-init's Ray block, which
#                      pip-installs Ray and starts rgrid-ray-worker), Ray's token authentication as
#                      deploy_orchestrator.sh generates it (RAY_AUTH_MODE=token, RAY_AUTH_TOKEN)
#   the check          hello's execution went through Ray: the orchestrator's driver connected, the
#                      RGrid Ray task logged `rgrid-ray-task: execution <id>` on the worker that ran
#                      it (only a Ray task writes that line); then `ray status` (printed)

ray_mode=false
ray_store_ip="${gateway%.*}.250"
ray_store_port=8080
ray_venv=/opt/rgrid/ray-venv
# Inside the agent distribution: the orchestrator has it there, and the bootstrap's upload puts it
# at the same path on every worker.
ray_task_jar=/usr/local/lib/rgrid/worker-agent/rgrid-ray-task.jar

# Ray mode is chosen when the grid is made (test --ray) and kept in $state/ray until `down`.
ray_select() { # true|false: requested by this command
    if [[ $1 == true ]]; then
        if [[ ! -e $state/ray ]] && docker inspect "$control" >/dev/null 2>&1; then
            die "--ray: the grid is up without Ray (infra/rehearse.sh down first)"
        fi
        mkdir -p "$state"
        : >"$state/ray"
    fi
    [[ -e $state/ray ]] && ray_mode=true
    return 0
}

# The store and the node image (up, after the networks): every node boots from <node image>-ray.
ray_up() {
    $ray_mode || return 0
    ray_store_up
    ray_node_image
    image="$image-ray"
}

# The file:// package stores pip is configured with here, one directory (holding simple/) a line.
ray_stores() {
    local value url
    while IFS= read -r value; do
        value="${value#*=}"
        value="${value#\'}"
        value="${value%\'}"
        for url in $value; do
            [[ $url == file://*/simple || $url == file://*/simple/ ]] || continue
            url="${url#file://}"
            dirname "${url%/}"
        done
    done < <(pip config list 2>/dev/null | grep -E '^[^=]*index-url=' || true)
}

ray_store_up() {
    local -a stores mounts=()
    local i
    mapfile -t stores < <(ray_stores)
    ((${#stores[@]})) || die "--ray: pip here has no file:// package store (pip config list) to serve the nodes"
    for i in "${!stores[@]}"; do
        [[ -d ${stores[$i]}/simple ]] || die "--ray: package store ${stores[$i]}/simple is missing"
        mounts+=(-v "${stores[$i]}:/stores/$i:ro")
    done
    for i in "${stores[@]}"; do [[ -d $i/simple/ray ]] && break; done
    [[ -d $i/simple/ray ]] || die "--ray: no ray in the package stores ${stores[*]}"
    {
        echo "# The rehearsal's package store (infra/rehearsal/ray.sh): this machine's, served on the private network."
        echo "[global]"
        echo "index-url = http://$ray_store_ip:$ray_store_port/0/simple"
        for i in "${!stores[@]}"; do
            ((i == 0)) || echo "extra-index-url = http://$ray_store_ip:$ray_store_port/$i/simple"
        done
        echo "trusted-host = $ray_store_ip"
        echo "disable-pip-version-check = true"
    } >"$state/pip.conf"
    if [[ "$(docker inspect --format '{{.State.Running}}' "$name-pypi" 2>/dev/null || true)" != true ]]; then
        docker rm -f "$name-pypi" >/dev/null 2>&1 || true
        log "package store: ${stores[*]} on http://$ray_store_ip:$ray_store_port/ ($name-pypi, read-only)"
        docker run -d --name "$name-pypi" --label "$label" --network "$name-private" --ip "$ray_store_ip" \
            "${mounts[@]}" "$base_image" python3 -m http.server "$ray_store_port" --directory /stores >/dev/null
    fi
}

# <node image>-ray: the node image with the store's pip.conf, remade when either changed.
ray_node_image() {
    local base=$image want cid
    want="$(docker image inspect --format '{{.Id}}' "$base")-$(sha256sum <"$state/pip.conf" | cut -c1-16)"
    [[ "$(docker image inspect --format '{{ index .Config.Labels "rgrid.node.pip" }}' "$base-ray" 2>/dev/null || true)" == "$want" ]] \
        && return 0
    log "node image $base-ray: $base with /etc/pip.conf naming the package store"
    cid="$(docker create "$base")"
    docker cp "$state/pip.conf" "$cid:/etc/pip.conf"
    docker commit --change "LABEL rgrid.node.pip=$want" "$cid" "$base-ray" >/dev/null
    docker rm "$cid" >/dev/null
}

# Lines for the control plane's .env (write_env), nothing without Ray.
ray_env() {
    $ray_mode || return 0
    cat <<EOF
RAY_ENABLED=true
RAY_HEAD_ADDRESS=$control_ip:6380
RGRID_ORCHESTRATOR_RAY_NODE_IP=$control_ip
RGRID_ORCHESTRATOR_RAY_TASK_JAR=$ray_task_jar
RGRID_ORCHESTRATOR_BOOTSTRAP_RAY_HEAD_ADDRESS=$control_ip:6380
EOF
}

# The head's unit: docs/ray.md's venv head as the orchestrator's user (the driver joins its session
# in /tmp/ray), Ray's token mode and token from .env and nothing else of it.
ray_head_unit() {
    cat <<EOF
# The rehearsal's Ray head (infra/rehearsal/ray.sh; docs/ray.md, "The head on the control plane").
[Unit]
Description=Ray head (rehearsal)
After=network-online.target
Wants=network-online.target
Before=orchestrator.service

[Service]
Type=simple
User=rgrid-orchestrator
Group=rgrid
StateDirectory=rgrid-ray-head
Environment=HOME=/var/lib/rgrid-ray-head
Environment=PATH=/usr/local/lib/rgrid/java/bin:/usr/local/bin:/usr/bin:/bin
EnvironmentFile=/etc/rgrid-ray-head.env
ExecStart=$ray_venv/bin/ray start --head --node-ip-address=$control_ip --port=6380 --include-dashboard=false --num-cpus=0 --disable-usage-stats --block
ExecStop=$ray_venv/bin/ray stop
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
EOF
}

# docs/ray.md, "The orchestrator's systemd unit in Ray mode", plus the head before it.
ray_orchestrator_dropin() {
    cat <<'EOF'
# The rehearsal's Ray mode (infra/rehearsal/ray.sh; docs/ray.md, "The orchestrator's systemd unit in Ray mode").
[Unit]
After=rgrid-ray-head.service
Wants=rgrid-ray-head.service

[Service]
Environment="JAVA_TOOL_OPTIONS=--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.math=ALL-UNNAMED --enable-native-access=ALL-UNNAMED"
Environment=PATH=/usr/local/lib/rgrid/java/bin:/usr/local/bin:/usr/bin:/bin
ExecStartPre=+/usr/bin/install -d -m 1777 /tmp/ray
BindPaths=/tmp/ray
MemoryHigh=640M
MemoryMax=768M
EOF
}

# After deploy_orchestrator.sh, before the orchestrator starts (up_deploy).
ray_control_plane() {
    $ray_mode || return 0
    local t0=$SECONDS jar="$repo/ray-task/target/rgrid-ray-task.jar"
    [[ -f $jar ]] || die "--ray: $jar is missing (./mvnw -o package -pl ray-task)"
    log "Ray: infra/install-ray.sh --venv $ray_venv on the control plane (from the package store)"
    in_control /opt/rgrid/infra/install-ray.sh --venv "$ray_venv" >"$state/ray-install.log" 2>&1 \
        || { tail -n 20 "$state/ray-install.log" >&2; die "--ray: install-ray.sh failed on the control plane"; }
    log "figure: Ray installed on the control plane in $((SECONDS - t0)) s ($(grep -o 'installed ray.*' "$state/ray-install.log" || echo 'already there'))"
    docker cp "$jar" "$control:$ray_task_jar"
    in_control chmod 0644 "$ray_task_jar"
    in_control sh -c "umask 077; grep -E '^RAY_AUTH_(MODE|TOKEN)=' /opt/rgrid/.env >/etc/rgrid-ray-head.env"
    ray_head_unit | docker exec -i "$control" sh -c 'cat >/etc/systemd/system/rgrid-ray-head.service'
    in_control mkdir -p /etc/systemd/system/orchestrator.service.d
    ray_orchestrator_dropin | docker exec -i "$control" sh -c 'cat >/etc/systemd/system/orchestrator.service.d/ray.conf'
    in_control systemctl daemon-reload
    in_control systemctl enable --now rgrid-ray-head.service >/dev/null 2>&1 || die "--ray: rgrid-ray-head does not start"
    t0=$SECONDS
    until ray_status >/dev/null 2>&1; do
        if ((SECONDS - t0 > 180)); then
            in_control journalctl -u rgrid-ray-head --no-pager -n 30 >&2 || true
            die "--ray: the Ray head does not answer on $control_ip:6380 after 180 s"
        fi
        sleep 2
    done
    log "figure: Ray head answering (ray status with the token) $((SECONDS - t0)) s after its start"
}

# `ray status` on the control plane, authenticated with the head's token.
ray_status() {
    in_control sh -c "set -a; . /etc/rgrid-ray-head.env; exec $ray_venv/bin/ray status --address=$control_ip:6380"
}

# The worker nodes' Ray task lines, collected every second while hello runs: the autoscaler deletes
# the idle worker, and its Ray logs with it, as soon as hello ends when its billing period is
# nearly over (the rehearsal's is 120 s), so check_ray cannot go and read them afterwards. The
# watcher ends with this script.
ray_watch_begin() {
    $ray_mode || return 0
    : >"$state/ray-tasks.log"
    (
        while kill -0 $$ 2>/dev/null; do
            docker ps --filter "name=^$name-rgrid-worker-" --format '{{.Names}}' 2>/dev/null | while read -r node; do
                docker exec "$node" sh -c "grep -rhs 'rgrid-ray-task: execution' /tmp/ray/session_*/logs" 2>/dev/null \
                    | sed "s/^/$node /" >>"$state/ray-tasks.log" || true
            done
            sleep 1
        done
    ) &
    ray_watcher=$!
}

ray_watch_end() {
    $ray_mode || return 0
    kill "$ray_watcher" 2>/dev/null || true
    wait "$ray_watcher" 2>/dev/null || true
    return 0
}

# Hello went through Ray dispatch, not to the agent directly.
check_ray() {
    $ray_mode || return 0
    local id worker node status driver
    id="$(api '/api/v1/executions?limit=1' | jq -r '.items[0].id')"
    worker="$(api "/api/v1/executions/$id" | jq -r .workerId)"
    node="$name-$worker"
    # awk reads the whole journal: grep -m 1 would end the pipe early and pipefail fail it (SIGPIPE).
    driver="$(in_control journalctl -u orchestrator --no-pager -o cat \
        | awk '/Ray dispatch mode: driver connected/ && !seen { print; seen = 1 }')" || true
    [[ -n $driver ]] || { show_journals; die "ray: the orchestrator's Ray driver never connected"; }
    printf '  orchestrator | %s\n' "$driver"
    grep "^$node .*rgrid-ray-task: execution $id attempt" "$state/ray-tasks.log" | sort -u \
        | sed "s/^$node /  $worker ray | /" | grep . \
        || { show_journals; die "ray: no Ray task of $id logged on $worker while hello ran: hello did not go through Ray"; }
    # The cluster as Ray sees it now (a figure: the worker may already be going, idle).
    status="$(ray_status 2>&1)" || { echo "$status" >&2; die "ray: ray status failed"; }
    printf '%s\n' "$status" | sed -n '/Node status/,$p' | grep -v '^ *$' | sed 's/^/  ray status | /'
    log "PASS ray: hello's execution $id ran as a Ray task on $worker (RAY_ENABLED=true, token auth, cloud-init's Ray block)"
}
