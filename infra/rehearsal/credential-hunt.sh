# shellcheck shell=bash
# shellcheck disable=SC2154 # state, name, control, control_ip, egress_cli, egress_workers, in_control are rehearse.sh's
# The credential hunt of `infra/rehearse.sh test` (sourced by rehearse.sh after the egress check; uses its
# settings and helpers): an execution tries every credential it can find on its worker and gets
# nothing (docs/security.md, "The credential hunt").
#
#   1. an execution (`rgrid run credential-hunt.py hunt …`, default network) looks in its environment,
#      the files it can read and /proc, and tries the metadata address, the agent (worker address and
#      the execution network's gateway, port 8002, GET /v1/workers/self with no token and each value
#      it found), Kafka, PostgreSQL, the object store, the API and Ray on the control plane's private
#      address, Ray's dashboard and Jobs API with each value found
#   2. it must have found none of the real credentials (compared by SHA-256 with the values of the
#      worker's env file and the control plane's /opt/rgrid/.env, which never leave their containers)
#      and reached no target
#   3. positive control: the same hunt as the agent's user (rgrid-worker) on that worker host finds
#      the worker's token and its Kafka password

hunt_script="$repo/infra/rehearsal/credential-hunt.py"

# NAME SHA256 lines of the real credentials: on the worker WORKER and on the control plane. The values
# stay in the containers; only their hashes come out.
hunt_real_hashes() { # WORKER
    docker exec -i "$1" python3 - hashes /etc/rgrid/worker.env <"$hunt_script"
    in_control sh -c 'cat >/root/credential-hunt.py' <"$hunt_script"
    in_control python3 /root/credential-hunt.py hashes /opt/rgrid/.env
}

# Fails unless the HUNT json of OUTPUT_FILE found no hash of REAL_FILE (NAME SHA256 lines) and reached
# nothing; prints what it tried.
hunt_expect_nothing() { # OUTPUT_FILE REAL_FILE
    local json
    grep '^HUNT-TRIED' "$1" | sed 's/^/    /'
    json="$(grep -o '^HUNT {.*' "$1" | tail -n 1 | cut -c6-)"
    [[ -n $json ]] || { cat "$1" >&2; die "credential hunt: the execution printed no HUNT line"; }
    jq -r '.reached | to_entries[] | "    tried \(.key): \(.value)"' <<<"$json"
    jq -r '.found[] | "    found \(.name) in \(.where)"' <<<"$json"
    printf '%s\n' "$json" >"$1.json"
    python3 - "$1.json" "$2" <<'PY' || die "credential hunt: the execution got something (above)"
import json, sys
hunt = json.load(open(sys.argv[1]))
real = dict(reversed(line.split()) for line in open(sys.argv[2]) if line.strip())
real = {h[:16]: n for h, n in real.items()}  # the hunt prints 64 bits of each hash
got = [f"{real[h]} (at {where})" for h, where in hunt["values"].items() if h in real]
reached = [f"{t}: {r}" for t, r in hunt["reached"].items() if not r.startswith("no answer")]
for g in got:
    print("    GOT the real credential", g, file=sys.stderr)
for r in reached:
    print("    REACHED", r, file=sys.stderr)
print(f"    checked against {len(real)} real credential(s): none found, no target reached" if not got + reached else "")
sys.exit(1 if got or reached else 0)
PY
}

check_credential_hunt() {
    local t0=$SECONDS w worker exec_id gateway="" targets=() real="$state/credential-hashes" out="$state/credential-hunt.out"
    for w in $(egress_workers); do
        targets+=("http://$(docker inspect --format "{{(index .NetworkSettings.Networks \"$name-private\").IPAddress}}" "$w"):8002/v1/workers/self")
        gateway="$(docker exec "$w" docker network inspect rgrid-exec --format '{{(index .IPAM.Config 0).Gateway}}' || true)"
    done
    [[ -z $gateway ]] || targets+=("http://$gateway:8002/v1/workers/self" "$gateway:22")
    targets+=("169.254.169.254:80" "http://169.254.169.254/hetzner/v1/metadata" "$control_ip:9092" "$control_ip:5432"
        "$control_ip:9000" "http://$control_ip:8000/api/v1/executions" "https://$control_ip/api/v1/executions"
        "http://$control_ip:8001/v1/workers" "$control_ip:6380" "$control_ip:10001" "http://$control_ip:8265/api/jobs/")

    log "credential hunt: from an execution (default network), every credential it can find, tried everywhere"
    egress_cli "$out" --cpus 0.5 --memory 256m "$hunt_script" hunt "${targets[@]}" \
        || { cat "$out" >&2; die "credential hunt: the execution failed"; }
    exec_id="$(grep -oE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$out" | tail -n 1 || true)"
    [[ -n $exec_id ]] || exec_id="$(api '/api/v1/executions?limit=1' | jq -r '.items[0].id')"
    worker="$name-$(api "/api/v1/executions/$exec_id" | jq -r .workerId)"
    (umask 077; hunt_real_hashes "$worker" >"$real") || die "credential hunt: $worker is gone before its credentials were read"
    if ! grep -q '^RGRID_WORKER_TOKEN ' "$real" || ! grep -q '^RGRID_KAFKA_PASSWORD ' "$real"; then
        die "credential hunt: $worker's env file has no worker token or Kafka password to look for"
    fi
    hunt_expect_nothing "$out" "$real"

    log "credential hunt: positive control, as rgrid-worker on $worker: the same hunt finds the worker's credentials"
    docker exec -i -u rgrid-worker "$worker" python3 - hunt 127.0.0.1:1 <"$hunt_script" >"$out.control"
    for w in RGRID_WORKER_TOKEN RGRID_KAFKA_PASSWORD; do
        grep -o '^HUNT {.*' "$out.control" | cut -c6- | jq -e --arg h "$(awk -v k="$w" '$1 == k {print $2}' "$real")" \
            '.values | has($h[0:16])' >/dev/null || die "credential hunt: the positive control did not find $w"
        log "credential hunt: positive control found $w"
    done
    log "figure: credential hunt (execution, real credentials' hashes, positive control) took $((SECONDS - t0)) s"
}
