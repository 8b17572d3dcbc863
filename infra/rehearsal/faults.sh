# shellcheck shell=bash
# shellcheck disable=SC2154 # repo, state, control, name and the helpers are set by infra/rehearse.sh
# The rehearsed grid under load and faults, for infra/rehearse.sh (sourced by it; uses its settings
# and helpers). `test` runs faults_begin before its hello run and faults_run after it; each step
# prints `PASS <step>: …` with its figures or fails the test with `FAIL <step>: …` and the journals.
# infra/README.md, "Rehearsal"; docs/operations.md, "Rehearsing the production grid".
#
#   faults_scale_out  12 executions queued with threshold 5 and max workers 2: a second worker is
#                     created, the emulator never lists a third server, all 12 succeed
#   faults_billing    every idle worker drained and deleted inside its billing window; `rgrid cost`
#                     = billing periods started (emulator's created → gone) × the emulator's price
#   faults_lost_node  a worker's node container killed mid-run: LOST, its server deleted, a new one,
#                     SUCCEEDED on attempt 2 with the right output, no two runs at once (Docker events)
#   faults_restart    the control-plane container restarted mid-run: every service back in order,
#                     the execution submitted before completes on attempt 1, no execution lost
#   faults_backup     infra/backup.sh, a wipe (schemas and bucket), infra/restore.sh: every execution,
#                     log and output is there again
#   faults_agent_restart (by name, and in --soak) a worker's agent killed mid-run (SIGKILL) and started
#                     again by systemd under the same worker id: the worker never LOST, the execution
#                     SUCCEEDED (attempt 2, after the missing-grace), one run at a time on the node
#   faults_partition  (by name, and in --soak) lost-node with the node cut off the private network
#                     (`docker network disconnect`), running on, unreachable: LOST, its server deleted,
#                     attempt 2 on a new worker only after the host's Docker saw the cut-off node die
#   faults_soak       (test --soak, by hand) all of them RGRID_REHEARSAL_SOAK_ROUNDS times (default 3),
#                     each scale-out with RGRID_REHEARSAL_SOAK_EXECUTIONS executions (default 36)

# The rehearsal grid's scaling (also written into control.env by faults_env): threshold and cap of
# the scale-out step, a billing period short enough to watch idle workers go within the test.
faults_threshold=5
faults_max_workers=2
faults_period_s=120
faults_window_s=60
# Executions of the scale-out step (--soak raises it); --soak keeps the poll going between rounds.
faults_batch=12
faults_keep_polling=false

# Lines for the control plane's .env (control-plane.sh's write_env; later lines win over the example's).
faults_env() {
    cat <<EOF
RGRID_ORCHESTRATOR_SCALING_QUEUE_THRESHOLD=$faults_threshold
RGRID_ORCHESTRATOR_SCALING_MAX_WORKERS=$faults_max_workers
RGRID_ORCHESTRATOR_SCALING_BILLING_PERIOD=${faults_period_s}s
RGRID_ORCHESTRATOR_SCALING_TERMINATE_WINDOW=${faults_window_s}s
RGRID_ORCHESTRATOR_LIFECYCLE_COST_INTERVAL=10s
EOF
}

faults_fail() { # STEP MESSAGE
    show_journals
    die "FAIL $1: $2"
}

faults_cli() {
    RGRID_API_URL="$(cat "$state/api-url")" RGRID_API_KEY="$(cat "$state/api-key")" \
        "$repo/rgrid" --ca-cert "$state/ca.crt" "$@"
}

# One execution of infra/rehearsal/work.py: TAG SECONDS [rgrid run options]; prints its id.
faults_submit() {
    local tag=$1 seconds=$2
    shift 2
    faults_cli run --detach --no-requirements -e "WORK_TAG=$tag" -e "WORK_SECONDS=$seconds" "$@" \
        "$repo/infra/rehearsal/work.py" | grep -E '^[0-9a-f-]{36}$'
}

faults_execution() { api "/api/v1/executions/$1"; }

# Waits until every execution given is terminal (TIMEOUT_S); fails STEP when one is not by then.
faults_await_terminal() { # STEP TIMEOUT_S ID...
    local step=$1 timeout=$2 start=$SECONDS id st
    shift 2
    local -a pending=("$@")
    while ((${#pending[@]})); do
        local -a still=()
        for id in "${pending[@]}"; do
            st="$(faults_execution "$id" | jq -r .state || true)"
            [[ $st =~ ^(SUCCEEDED|FAILED|TIMED_OUT|CANCELLED|LOST)$ ]] || still+=("$id")
        done
        pending=("${still[@]}")
        ((${#pending[@]})) || break
        ((SECONDS - start < timeout)) || faults_fail "$step" "${#pending[@]} execution(s) not done after $timeout s: ${pending[*]}"
        sleep 2
    done
}

# Waits until CONDITION-COMMAND succeeds (TIMEOUT_S); fails STEP with WHAT otherwise.
faults_until() { # STEP TIMEOUT_S WHAT COMMAND...
    local step=$1 timeout=$2 what=$3 start=$SECONDS
    shift 3
    until "$@"; do
        ((SECONDS - start < timeout)) || faults_fail "$step" "$what not within $timeout s"
        sleep 1
    done
}

# ---- what the emulator lists: polled every second for the whole test ---------------------------
faults_begin() {
    faults_dir="$state/faults"
    mkdir -p "$faults_dir"
    : >"$faults_dir/servers.log"
    (
        set +e
        while :; do
            listed="$(emulator_api GET '/servers?per_page=50' 2>/dev/null | jq -c '[.servers[] | {id, name,
                created, type: .server_type.name, location: .datacenter.location.name}]' 2>/dev/null)"
            [[ -n $listed ]] && printf '%s %s\n' "$(date +%s.%N)" "$listed" >>"$faults_dir/servers.log"
            sleep 1
        done
    ) &
    faults_poller=$!
    trap faults_end EXIT
}

faults_end() {
    [[ -n ${faults_poller:-} ]] && kill "$faults_poller" 2>/dev/null
    faults_poller=""
}

# What the steps wrote (infra/rehearse.sh down).
faults_clean() { rm -rf "${state:?}/faults"; }

faults_servers() { python3 "$repo/infra/rehearsal/servers.py" "$faults_dir/servers.log" "$@"; }

faults_listed() { emulator_api GET '/servers?per_page=50' | jq '.servers | length'; }

# ---- 1. scale-out and its cap ------------------------------------------------------------------
faults_scale_out() {
    local from t0=$SECONDS i ids states workers most created n=$faults_batch
    from="$(date +%s.%N)"
    rm -rf "$faults_dir/batch"
    mkdir -p "$faults_dir/batch"
    for i in $(seq -w 1 "$n"); do echo "$i" >"$faults_dir/batch/in-$i.txt"; done
    log "scale-out: $n executions (--batch, 15 s each), threshold $faults_threshold, max workers $faults_max_workers"
    mapfile -t ids < <(faults_cli run --detach --no-requirements --batch "$faults_dir/batch/*.txt" \
        -e WORK_TAG=scale -e WORK_SECONDS=15 "$repo/infra/rehearsal/work.py" | grep -E '^[0-9a-f-]{36}$')
    ((${#ids[@]} == n)) || faults_fail scale-out "rgrid run --batch --detach printed ${#ids[@]} ids, not $n"
    faults_await_terminal scale-out $((300 + 25 * n)) "${ids[@]}"
    states="$(for i in "${ids[@]}"; do faults_execution "$i" | jq -r .state; done | sort | uniq -c | xargs)"
    workers="$(for i in "${ids[@]}"; do faults_execution "$i" | jq -r .workerId; done | sort -u | wc -l)"
    most="$(faults_servers max "$from")"
    created="$(faults_servers lives | jq -s --argjson from "$from" '[.[] | select(.created_at >= ($from | floor))] | length')"
    log "figure: scale-out: $n done in $((SECONDS - t0)) s ($states); servers created $created, most listed at once $most, the $n ran on $workers worker(s)"
    [[ $states == "$n SUCCEEDED" ]] || faults_fail scale-out "not all $n succeeded: $states"
    ((most >= 2)) || faults_fail scale-out "no second server was ever listed (most at once: $most)"
    most="$(faults_servers max 0)"
    ((most <= faults_max_workers)) || faults_fail scale-out "the emulator listed $most servers at once (max workers $faults_max_workers)"
    log "PASS scale-out: a second worker came, never more than $faults_max_workers servers listed, $n/$n SUCCEEDED"
}

# ---- 2. billing --------------------------------------------------------------------------------
faults_cost_after() { # EPOCH: the API's cost snapshot was taken after it
    faults_cli cost --json >"$faults_dir/cost.json" 2>/dev/null || return 1
    jq -e --argjson t "$1" '.at != null and (.at | if type == "number" then . else
        (sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | fromdateiso8601) end) > $t' \
        "$faults_dir/cost.json" >/dev/null
}

faults_no_servers() { [[ "$(faults_listed)" == 0 ]]; }

faults_billing() {
    local t0=$SECONDS gone report rgrid_cost expected
    log "billing: period ${faults_period_s} s, terminate window ${faults_window_s} s: waiting for idle workers to go"
    faults_until billing $((faults_period_s + 120)) "every server deleted" faults_no_servers
    gone="$(date +%s)"
    sleep 2 # one more poll without them
    log "figure: billing: the last server went $((SECONDS - t0)) s after the scale-out"
    emulator_api GET '/server_types?per_page=50' >"$faults_dir/server_types.json"
    report="$(faults_servers billing "$faults_period_s" "$faults_window_s" "$faults_dir/server_types.json")" \
        || faults_fail billing "no billing from the emulator's servers"
    jq -r '.servers[] | "  server \(.name): \(.type) \(.location), lived \(.lived_s) s, \(.periods) period(s), deleted \(.into_period_s) s into its last, inside the window: \(.in_window)"' <<<"$report"
    faults_until billing 60 "a cost snapshot after the last deletion" faults_cost_after "$gone"
    rgrid_cost="$(jq -r '.totalEur' "$faults_dir/cost.json")"
    expected="$(jq -r .total <<<"$report")"
    log "figure: billing: rgrid cost $rgrid_cost EUR | emulator: $(jq -r '.periods' <<<"$report") period(s) started × price = $expected EUR ($(jq -r '[.servers[] | "\(.periods)×\(.price)"] | join(" + ")' <<<"$report"))"
    # Side by side per worker (server name = worker id): the emulator's periods × price, rgrid's figure.
    jq -r --slurpfile cost "$faults_dir/cost.json" '.servers[] | "  \(.name): emulator \(.periods) × \(.price) = "
        + "\(.periods * .price * 10000 | round / 10000) EUR, rgrid \($cost[0].perWorkerEur[.name] // "none") EUR"' <<<"$report"
    [[ "$(jq '.perWorkerEur | length' "$faults_dir/cost.json")" == "$(jq '.servers | length' <<<"$report")" ]] \
        || faults_fail billing "rgrid cost lists $(jq '.perWorkerEur | length' "$faults_dir/cost.json") workers, the emulator had $(jq '.servers | length' <<<"$report") servers (workers from before this test? infra/rehearse.sh down first)"
    jq -e '[.servers[] | .in_window] | all' <<<"$report" >/dev/null \
        || faults_fail billing "a server was deleted outside the last ${faults_window_s} s of its billing period"
    python3 -c 'import sys; sys.exit(abs(float(sys.argv[1]) - float(sys.argv[2])) > 0.00005)' "$rgrid_cost" "$expected" \
        || faults_fail billing "rgrid cost $rgrid_cost EUR is not the emulator's $expected EUR"
    log "PASS billing: idle workers deleted inside their window, rgrid cost = periods × price"
}

# ---- 3. a lost node ----------------------------------------------------------------------------
# Start/die events of an execution's runs on a node's Docker since EPOCH: "time action attempt".
# A run's container is named rgrid-<execution id>-<attempt>; it starts at its start event, or at
# its rename to that name when a warm container takes the run (worker-agent README, "Warm
# containers"), and ends at its die.
faults_node_events() { # NODE EPOCH [docker events options...]: the node's RGrid container events since EPOCH
    local node=$1 since=$2
    shift 2
    docker exec "$node" docker events --since "$since" "$@" --filter type=container \
        --filter event=start --filter event=die --filter event=rename --filter label=io.rgrid.worker-id \
        --format '{{.Time}} {{.Action}} {{.Actor.Attributes.name}}'
}

faults_runs_of() { # EXECUTION_ID: of event lines on stdin, its runs' as `<time> start|die <attempt>`
    awk -v run="rgrid-$1-" 'index($3, run) == 1 && substr($3, length(run) + 1) ~ /^[0-9]+$/ {
        print $1, ($2 == "rename" ? "start" : $2), substr($3, length(run) + 1) }'
}

faults_events() { # NODE EPOCH EXECUTION_ID
    faults_node_events "$1" "$2" --until "$(date +%s)" | faults_runs_of "$3"
}

# The events of NODE from EPOCH on, streamed into FILE in the background until the node is gone
# (prints the recorder's pid): a worker that goes idle in its billing window is deleted seconds
# after its run ends, too soon to ask its Docker afterwards.
faults_record_events() { # NODE EPOCH FILE
    faults_node_events "$1" "$2" >"$3" 2>/dev/null &
    echo $!
}

faults_on_another_worker() { # EXECUTION_ID WORKER_ID: assigned to a worker other than WORKER_ID
    local view
    view="$(faults_execution "$1")"
    [[ $(jq -r '.workerId // ""' <<<"$view") =~ ^.+$ && $(jq -r .workerId <<<"$view") != "$2" ]]
}

# EVENTS (faults_events' lines) are, times left out, exactly WORDS.
faults_events_are() { [[ "$(cut -d' ' -f2- <<<"$1" | xargs)" == "$2" ]]; }

faults_started() { # NODE EPOCH EXECUTION_ID
    faults_events "$1" "$2" "$3" | grep -q ' start '
}

faults_running() { [[ "$(faults_execution "$1" | jq -r .state)" == RUNNING ]]; }

faults_worker_state() { orchestrator_api /v1/workers | jq -r --arg id "$1" '.[] | select(.id == $id) | .state'; }

faults_worker_lost() { [[ "$(faults_worker_state "$1")" =~ ^(LOST|DELETED)$ ]]; }

faults_server_gone() { # WORKER_ID: the emulator no longer lists a server of that name
    [[ "$(emulator_api GET "/servers?name=$1" | jq '.servers | length')" == 0 ]]
}

# Submits one work.py execution (TAG, SECONDS, --max-attempts 3) and waits until its run started on
# its worker's node; sets the caller's id, worker and node (bash's dynamic scope: the caller
# declares them local).
faults_start_run() { # STEP TAG SECONDS EPOCH
    local step=$1 tag=$2 secs=$3 from=$4
    id="$(faults_submit "$tag" "$secs" --max-attempts 3)" || faults_fail "$step" "rgrid run --detach failed"
    log "$step: execution $id ($secs s); waiting for it to run"
    faults_until "$step" 420 "execution $id RUNNING" faults_running "$id"
    worker="$(faults_execution "$id" | jq -r .workerId)"
    node="$name-$worker"
    # RUNNING comes before the container starts when the node still pulls the image (a new worker,
    # a loaded machine): the fault waits for the start event on the node's own Docker.
    faults_until "$step" 300 "a container of $id started on $node" faults_started "$node" "$from" "$id"
}

# The host Docker's die of node container NODE since EPOCH (epoch seconds; empty while it runs).
faults_node_died() { # NODE EPOCH
    docker events --since "$2" --until "$(date +%s)" --filter type=container --filter event=die \
        --format '{{.Time}} {{.Actor.Attributes.name}}' | awk -v n="$1" '$2 == n { print $1; exit }'
}

faults_node_gone() { [[ -n "$(faults_node_died "$1" "$2")" ]]; } # NODE EPOCH

# The node running an execution cut off (HOW: kill = `docker kill` of its container; partition =
# its container disconnected from the private network, still running, its agent and its run alive
# but unreachable): the worker LOST, its server deleted, attempt 2 on a new worker, started only
# after the host's Docker saw the cut-off node die (the orchestrator deletes a lost worker before it
# takes its attempts back), the right output, one run at a time.
faults_node_cut() { # STEP TAG HOW
    local step=$1 tag=$2 how=$3 from t0=$SECONDS id view worker second node cut t_lost t_gone died before after other out recorder
    from="$(date +%s)"
    faults_start_run "$step" "$tag" 30 "$from"
    before="$(faults_events "$node" "$from" "$id")"
    cut="$(date +%s)"
    case $how in
        kill)
            log "$step: running on $worker after $((SECONDS - t0)) s; docker kill $node"
            docker kill "$node" >/dev/null ;;
        partition)
            log "$step: running on $worker after $((SECONDS - t0)) s; docker network disconnect $name-private $node (it runs on, unreachable)"
            docker network disconnect "$name-private" "$node" ;;
    esac
    faults_until "$step" 240 "worker $worker LOST" faults_worker_lost "$worker"
    t_lost=$(($(date +%s) - cut))
    faults_until "$step" 120 "server $worker deleted" faults_server_gone "$worker"
    t_gone=$(($(date +%s) - cut))
    faults_until "$step" 60 "the host's Docker saw $node die" faults_node_gone "$node" "$cut"
    died="$(faults_node_died "$node" "$cut")"
    faults_until "$step" 600 "execution $id assigned to a new worker" faults_on_another_worker "$id" "$worker"
    second="$(faults_execution "$id" | jq -r .workerId)"
    recorder="$(faults_record_events "$name-$second" "$from" "$faults_dir/$step-events")"
    faults_await_terminal "$step" 600 "$id"
    view="$(faults_execution "$id")"
    [[ $(jq -r .workerId <<<"$view") == "$second" ]] \
        || faults_fail "$step" "execution $id moved on from $second to $(jq -r .workerId <<<"$view")"
    sleep 2 # the die event reaches the stream
    pkill -P "$recorder" 2>/dev/null || true # its docker exec, then the subshell
    kill "$recorder" 2>/dev/null || true
    after="$(faults_runs_of "$id" <"$faults_dir/$step-events")"
    out="$(api "/api/v1/executions/$id/outputs/result.txt?attempt=2" || true)"
    log "figure: $step: $how -> LOST $t_lost s, -> server deleted $t_gone s, -> node died $((died - cut)) s, -> $(jq -r .state <<<"$view") on attempt $(jq -r .attempt <<<"$view") $(($(date +%s) - cut)) s"
    printf '  events on %s (cut off): %s\n  events on %s: %s\n' "$worker" "${before//$'\n'/; }" "$second" "${after//$'\n'/; }"
    [[ $(jq -r '"\(.state) \(.attempt)"' <<<"$view") == "SUCCEEDED 2" ]] \
        || faults_fail "$step" "execution $id ended $(jq -r '"\(.state) on attempt \(.attempt)"' <<<"$view"), not SUCCEEDED on attempt 2"
    [[ $second != "$worker" ]] || faults_fail "$step" "attempt 2 ran on the cut-off worker $worker"
    faults_servers lives | jq -e --arg n "$second" --argjson k "$cut" 'select(.name == $n) | .created_at >= $k' >/dev/null \
        || faults_fail "$step" "attempt 2's worker $second is not a server created after the cut"
    [[ $out == "$tag - done" ]] || faults_fail "$step" "attempt 2's result.txt is '$out', not '$tag - done'"
    # No two runs at once: one start of attempt 1 on the cut-off node before the cut (its die, if
    # any, went with the node); one start and one die of attempt 2 on the new node, started no
    # sooner than the host's Docker saw the cut-off node (and attempt 1 with it) die.
    faults_events_are "$before" "start 1" \
        || faults_fail "$step" "the cut-off node's events are not one start of attempt 1: ${before//$'\n'/; }"
    faults_events_are "$after" "start 2 die 2" \
        || faults_fail "$step" "the new node's events are not one start and one die of attempt 2: ${after//$'\n'/; }"
    (($(awk '$2 == "start" {print $1}' <<<"$after") >= died)) \
        || faults_fail "$step" "attempt 2 started before the cut-off node died (at $died)"
    for other in $(docker ps --filter "label=rgrid.rehearsal=$name" --format '{{.Names}}'); do
        [[ $other == "$control" || $other == "$name-$second" ]] && continue
        [[ -z $(faults_events "$other" "$from" "$id") ]] || faults_fail "$step" "$other ran execution $id too"
    done
    log "PASS $step: LOST, server deleted, a new worker, SUCCEEDED on attempt 2 with its output after the cut-off node died, one run at a time"
}

faults_lost_node() { faults_node_cut lost-node lost kill; }

faults_partition() { faults_node_cut partition partition partition; }

# ---- an agent killed and restarted by systemd under the same worker id (by hand, and in --soak) ---
faults_worker_ready() { [[ "$(faults_worker_state "$1")" == READY ]]; }

faults_agent_restarts() { docker exec "$1" systemctl show -P NRestarts rgrid-worker.service; }

faults_agent_restarted() { (($(faults_agent_restarts "$1") > $2)); } # NODE RESTARTS_BEFORE

faults_agent_restart() {
    local from id view worker node restarts killed t_back t_end events order
    from="$(date +%s)"
    faults_start_run agent-restart agent-restart 40 "$from"
    restarts="$(faults_agent_restarts "$node")"
    killed="$(date +%s)"
    # SIGKILL to the agent alone (its container keeps running, orphaned); systemd's Restart=always
    # starts it again under the same worker id, with the same work dir, 5 s later.
    log "agent-restart: RUNNING on $worker; systemctl kill -s SIGKILL rgrid-worker.service on $node"
    docker exec "$node" systemctl kill -s SIGKILL rgrid-worker.service
    faults_until agent-restart 120 "systemd restarted the agent on $node" faults_agent_restarted "$node" "$restarts"
    faults_until agent-restart 180 "worker $worker READY again" faults_worker_ready "$worker"
    t_back=$(($(date +%s) - killed))
    faults_await_terminal agent-restart 600 "$id"
    t_end=$(($(date +%s) - killed))
    view="$(faults_execution "$id")"
    sleep 2 # the last die event reaches the node's Docker
    events="$(faults_events "$node" "$from" "$id")"
    log "figure: agent-restart: kill -> READY again $t_back s, -> $(jq -r .state <<<"$view") on attempt $(jq -r .attempt <<<"$view") $t_end s"
    printf '  events on %s: %s\n' "$worker" "${events//$'\n'/; }"
    [[ $(jq -r .state <<<"$view") == SUCCEEDED ]] \
        || faults_fail agent-restart "execution $id ended $(jq -r '"\(.state) on attempt \(.attempt)"' <<<"$view")"
    [[ $(faults_worker_state "$worker") == READY ]] \
        || faults_fail agent-restart "worker $worker is $(faults_worker_state "$worker"), not READY: a restart is not a loss"
    # One run at a time on the node: every start is followed by its own die before the next start.
    order="$(awk '{ if ($2 == "start") { if (open != "") bad = 1; open = $3 } else if ($2 == "die") { if (open != $3) bad = 1; open = "" } }
        END { print (bad || open != "") ? "overlap" : "ok" }' <<<"$events")"
    [[ $order == ok ]] || faults_fail agent-restart "runs of $id overlap or did not end on $node: ${events//$'\n'/; }"
    (($(grep -c ' start ' <<<"$events") == $(jq -r .attempt <<<"$view"))) \
        || faults_fail agent-restart "not one run per attempt on $node: ${events//$'\n'/; }"
    for other in $(docker ps --filter "label=rgrid.rehearsal=$name" --format '{{.Names}}'); do
        [[ $other == "$control" || $other == "$node" ]] && continue
        [[ -z $(faults_events "$other" "$from" "$id") ]] || faults_fail agent-restart "$other ran execution $id too"
    done
    log "PASS agent-restart: the agent back under the same worker id, the worker never LOST, $id SUCCEEDED, one run at a time"
}

# ---- every worker's create -> first heartbeat so far (before the restart empties the timelines) -
faults_timelines() {
    log "timelines: created -> first heartbeat of every worker this orchestrator provisioned (goal <= 60 s)"
    python3 - "$(orchestrator_api /v1/workers)" <<'PY'
import json, sys
from datetime import datetime
at = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
for w in sorted(json.loads(sys.argv[1]), key=lambda w: (w.get("timeline") or {}).get("created", "")):
    t = w.get("timeline") or {}
    if "created" not in t or "first_heartbeat" not in t:
        continue
    since = lambda step: f"{(at(t[step]) - at(t['created'])).total_seconds():.1f} s" if step in t else "-"
    print(f"  {w['id']}: created -> running {since('running')}, -> ssh ready {since('ssh_ready')}, "
          f"-> first heartbeat {since('first_heartbeat')}")
PY
    in_control journalctl -u orchestrator --no-pager -o cat | grep -o '[^ ]*: bootstrapped in .*' | sed 's/^/  /' || true
}

# ---- 4. a control-plane restart ----------------------------------------------------------------
faults_ids() { api '/api/v1/executions?limit=500' | jq -c '[.items[] | {id, state, attempt}] | sort_by(.id)'; }

faults_ready() { api_ready && in_control curl -sf http://127.0.0.1:8001/q/health/ready >/dev/null 2>&1; }

# The monotonic time a unit's state property says (microseconds since boot).
faults_unit_time() { in_control systemctl show -P "$2" "$1"; }

faults_restart() {
    local t0 before id secs ready view unit dep started up after
    before="$(faults_ids)"
    id="$(faults_submit restart 40)" || faults_fail restart "rgrid run --detach failed"
    log "restart: execution $id (40 s); waiting for it to run"
    faults_until restart 420 "execution $id RUNNING" faults_running "$id"
    t0=$SECONDS
    log "restart: docker restart $control (systemd shuts down, boots)"
    docker restart -t 120 "$control" >/dev/null
    secs="$(await_boot "$control" 300)"
    faults_until restart 300 "API through nginx/TLS and orchestrator ready" faults_ready
    ready=$((SECONDS - t0))
    for unit in postgresql rgrid-kafka rgrid-s3proxy rgrid-api orchestrator nginx docker-registry; do
        in_control systemctl is-active --quiet "$unit" || faults_fail restart "$unit is not active after the restart"
    done
    for unit in rgrid-api orchestrator; do
        started="$(faults_unit_time "$unit" ExecMainStartTimestampMonotonic)"
        for dep in postgresql rgrid-kafka rgrid-s3proxy; do
            up="$(faults_unit_time "$dep" ActiveEnterTimestampMonotonic)"
            ((up <= started)) || faults_fail restart "$unit started before $dep was active"
        done
    done
    faults_await_terminal restart 600 "$id"
    view="$(faults_execution "$id")"
    after="$(faults_ids | jq -c --arg id "$id" '[.[] | select(.id != $id)]')"
    log "figure: restart: systemd running after $secs s, API and orchestrator ready after $ready s, execution $(jq -r .state <<<"$view") $((SECONDS - t0)) s after the restart"
    [[ $(jq -r '"\(.state) \(.attempt)"' <<<"$view") == "SUCCEEDED 1" ]] \
        || faults_fail restart "execution $id ended $(jq -r '"\(.state) on attempt \(.attempt)"' <<<"$view"), not SUCCEEDED on attempt 1"
    [[ $before == "$after" ]] || faults_fail restart "the earlier executions changed across the restart"
    log "PASS restart: every service back (api and orchestrator after PostgreSQL, Kafka, S3), the execution ran once, $(jq length <<<"$before") earlier executions unchanged"
}

# ---- 5. backup and restore ---------------------------------------------------------------------
# Every execution with its state, attempt, the sha256 of its log and its outputs' names and sizes.
faults_inventory() {
    local id
    for id in $(api '/api/v1/executions?limit=500' | jq -r '.items[].id' | sort); do
        printf '%s %s %s %s\n' "$id" "$(faults_execution "$id" | jq -r '"\(.state) \(.attempt)"')" \
            "$(api "/api/v1/executions/$id/logs" | sha256sum | cut -c1-16)" \
            "$(api "/api/v1/executions/$id/outputs" | jq -c '[.outputs[] | {name, size}]')"
    done
}

faults_backup() {
    local t0=$SECONDS before dir db bucket after n
    before="$(faults_inventory)"
    dir="$(in_control /opt/rgrid/infra/backup.sh --out /root/rehearsal/backups 2>"$faults_dir/backup.log")" \
        || { cat "$faults_dir/backup.log" >&2; faults_fail backup "infra/backup.sh failed"; }
    log "figure: backup: $((SECONDS - t0)) s, $(in_control du -sh "$dir" | cut -f1), $(in_control grep '^objects=' "$dir/MANIFEST")"
    db="$(in_control sed -n 's#^DATABASE_URL=.*/\([^/?]*\).*#\1#p' /opt/rgrid/.env)"
    bucket="$(in_control sed -n 's/^MINIO_BUCKET_NAME=//p' /opt/rgrid/.env)"
    log "backup: wipe: services stopped, schemas api and orchestrator of $db dropped, bucket $bucket removed"
    in_control systemctl stop orchestrator rgrid-api rgrid-s3proxy
    in_control runuser -u postgres -- env PGOPTIONS=--client-min-messages=warning psql -q -v ON_ERROR_STOP=1 -d "$db" \
        -c 'DROP SCHEMA api CASCADE; DROP SCHEMA orchestrator CASCADE' || faults_fail backup "the wipe failed"
    in_control rm -rf "/var/lib/rgrid-s3/$bucket"
    in_control systemctl start rgrid-s3proxy
    faults_until backup 60 "S3Proxy answering" in_control sh -c 'curl -s -o /dev/null http://127.0.0.1:9000/'
    t0=$SECONDS
    in_control /opt/rgrid/infra/restore.sh "$dir" >"$faults_dir/restore.log" 2>&1 \
        || { cat "$faults_dir/restore.log" >&2; faults_fail backup "infra/restore.sh failed"; }
    log "figure: restore: $((SECONDS - t0)) s"
    in_control systemctl start rgrid-api orchestrator
    faults_until backup 300 "API and orchestrator ready after the restore" faults_ready
    after="$(faults_inventory)"
    n="$(wc -l <<<"$before")"
    diff <(echo "$before") <(echo "$after") >&2 || faults_fail backup "executions, logs or outputs differ after the restore"
    log "PASS backup: $n executions with their logs and outputs identical after backup, wipe and restore"
}

# The steps given (default: all, in order), each in a subshell so one failing does not hide the
# next; the test fails when any did.
faults_steps=(scale-out billing lost-node timelines restart backup)
# Steps only by name or in --soak: agent-restart waits out the orchestrator's 60 s missing-grace,
# partition its lost-after and a new server's boot, about 3 minutes each that CI's 60 cannot spare.
faults_by_hand=(agent-restart partition)
faults_run() { # [STEP...]
    local t0=$SECONDS step rc
    local -a steps=("$@") passed=() failed=()
    ((${#steps[@]})) || steps=("${faults_steps[@]}")
    for step in "${steps[@]}"; do
        [[ " ${faults_steps[*]} ${faults_by_hand[*]} " == *" $step "* ]] \
            || die "unknown fault step '$step' (${faults_steps[*]} ${faults_by_hand[*]})"
    done
    [[ -n ${faults_dir:-} ]] || faults_begin
    for step in "${steps[@]}"; do
        set +e
        (
            set -e
            "faults_${step//-/_}"
        )
        rc=$?
        set -e
        if ((rc == 0)); then passed+=("$step"); else failed+=("$step"); fi
    done
    $faults_keep_polling || faults_end
    log "figure: the fault steps took $((SECONDS - t0)) s; passed: ${passed[*]:-none}; failed: ${failed[*]:-none}"
    ((${#failed[@]} == 0)) || die "fault steps failed: ${failed[*]}"
}

# test --soak: every step RGRID_REHEARSAL_SOAK_ROUNDS times with a larger scale-out; fails when a
# round did (each round runs all its steps, as faults_run does).
faults_soak() {
    local rounds="${RGRID_REHEARSAL_SOAK_ROUNDS:-3}" round t0=$SECONDS failed=()
    faults_batch="${RGRID_REHEARSAL_SOAK_EXECUTIONS:-36}"
    faults_keep_polling=true
    [[ $rounds =~ ^[1-9][0-9]*$ && $faults_batch =~ ^[1-9][0-9]*$ ]] \
        || die "RGRID_REHEARSAL_SOAK_ROUNDS and RGRID_REHEARSAL_SOAK_EXECUTIONS must be positive whole numbers"
    for round in $(seq 1 "$rounds"); do
        log "soak: round $round of $rounds ($faults_batch executions in the scale-out)"
        (faults_run "${faults_steps[@]}" "${faults_by_hand[@]}") || failed+=("$round")
    done
    faults_end
    log "figure: soak: $rounds round(s) in $((SECONDS - t0)) s; failed rounds: ${failed[*]:-none}"
    ((${#failed[@]} == 0)) || die "soak: rounds failed: ${failed[*]}"
}
