# shellcheck shell=bash
# shellcheck disable=SC2154 # repo, state, control, name and the addresses are set by infra/rehearse.sh
# The control plane's deploy for infra/rehearse.sh (sourced by it; uses its settings and helpers):
# the packaged artifacts, a private CA and server certificate, the .env of the rehearsal's grid,
# Debian's docker-registry with the base image, and infra/deploy_orchestrator.sh run on the node.
# infra/README.md, "Rehearsal"; docs/operations.md, "Rehearsing the production grid".

# The distributions, built once: RGRID_REHEARSAL_ARTIFACTS when set, else target/dist, (re)made only
# when a source it is made of is newer than its archive.
up_artifacts() {
    if [[ -n ${RGRID_REHEARSAL_ARTIFACTS:-} ]]; then
        [[ -f $RGRID_REHEARSAL_ARTIFACTS/rgrid-control-plane.tar.gz ]] \
            || die "no rgrid-control-plane.tar.gz in RGRID_REHEARSAL_ARTIFACTS=$RGRID_REHEARSAL_ARTIFACTS"
        dist="$RGRID_REHEARSAL_ARTIFACTS"
        log "artifacts from $dist"
        return
    fi
    dist="$repo/target/dist"
    local archive="$dist/rgrid-control-plane.tar.gz" newer
    if [[ -f $archive ]]; then
        newer="$(find "${sources[@]/#/$repo/}" -newer "$archive" -type f -print -quit 2>/dev/null || true)"
        if [[ -z $newer ]]; then
            log "artifacts in $dist are newer than their sources: reused"
            return
        fi
        log "artifacts in $dist are older than $newer: packaging again"
    fi
    log "infra/package.sh --skip-build --out $dist"
    "$repo/infra/package.sh" --skip-build --out "$dist" >"$state/package.log" 2>&1 \
        || { tail -n 30 "$state/package.log" >&2; die "infra/package.sh failed (log: $state/package.log)"; }
}

# What the modules are made of, and what the archives are made of besides (relative to the repository).
module_sources=(pom.xml common-model/src common-model/pom.xml service-platform/src service-platform/pom.xml
    ray-task/src ray-task/pom.xml
    api-service/src api-service/pom.xml orchestrator-service/src orchestrator-service/pom.xml worker-agent/src
    worker-agent/pom.xml local-grid/pom.xml deploy)
sources=("${module_sources[@]}" infra/package.sh infra/deploy_orchestrator.sh infra/firewall.sh .env.example)

# The services, local-grid (Kafka and S3Proxy jars) and the CLI, with offline Maven, when a jar is
# missing or older than the sources.
build_modules() {
    local jar stale=false
    for jar in api-service/target/quarkus-app/quarkus-run.jar orchestrator-service/target/quarkus-app/quarkus-run.jar \
        worker-agent/target/quarkus-app/quarkus-run.jar local-grid/target/local-grid.jar cli/target/rgrid-cli.jar; do
        if [[ ! -f $repo/$jar ]] \
            || [[ -n "$(find "${module_sources[@]/#/$repo/}" "$repo/cli/src" -newer "$repo/$jar" -type f -print -quit 2>/dev/null || true)" ]]; then
            stale=true
        fi
    done
    $stale || return 0
    log "building api-service, orchestrator-service, worker-agent, local-grid, cli (offline Maven, no tests)"
    (cd "$repo" && ./mvnw -B -q -ntp -o package -DskipTests -pl api-service,orchestrator-service,worker-agent,local-grid,cli -am) \
        >"$state/build.log" 2>&1 || { tail -n 30 "$state/build.log" >&2; die "the build failed (log: $state/build.log)"; }
}

# A private CA and the control plane's certificate (SAN 127.0.0.1, localhost and its name), made once.
up_certificates() {
    [[ -s $state/ca.crt && -s $state/server.crt ]] && return
    log "private CA ($state/ca.crt) and the server certificate (127.0.0.1, localhost, $control)"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$name CA" \
        -keyout "$state/ca.key" -out "$state/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$control" \
        -keyout "$state/server.key" -out "$state/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:%s,DNS:control\n' "$control" >"$state/server.ext"
    openssl x509 -req -in "$state/server.csr" -CA "$state/ca.crt" -CAkey "$state/ca.key" -CAcreateserial \
        -days 30 -extfile "$state/server.ext" -out "$state/server.crt" 2>/dev/null
    rm -f "$state/server.csr" "$state/server.ext" "$state/ca.srl"
}

# The control plane's .env: the repository's example with the rehearsal's addresses, provider hetzner
# against the emulator, the workers' Kafka/S3 on the control plane's private address and the image in
# the rehearsal's registry (plain HTTP on the private network, listed insecure).
write_env() {
    local registry="$control_ip:5000"
    sed -e "s/^RGRID_PRIVATE_IP=.*/RGRID_PRIVATE_IP=$control_ip/" \
        -e "s#^RGRID_PRIVATE_CIDR=.*#RGRID_PRIVATE_CIDR=$private_cidr#" \
        -e "s/^KAFKA_BOOTSTRAP_SERVERS=.*/KAFKA_BOOTSTRAP_SERVERS=$control_ip:9092/" \
        -e "s/^RGRID_DOMAIN=.*/RGRID_DOMAIN=$control/" \
        -e 's/^RGRID_ORCHESTRATOR_PROVIDER=.*/RGRID_ORCHESTRATOR_PROVIDER=hetzner/' \
        -e "s/^API_SECRET_KEY=.*/API_SECRET_KEY=$(cat "$state/api-key")/" \
        -e "s/^HETZNER_API_TOKEN=.*/HETZNER_API_TOKEN=$(cat "$state/emulator-token")/" \
        -e "s#^HETZNER_SSH_KEY_PATH=.*#HETZNER_SSH_KEY_PATH=/opt/rgrid/infra/hetzner_worker.key#" \
        -e "s#^RGRID_ORCHESTRATOR_BOOTSTRAP_WORKER_STORAGE_ENDPOINT=.*#RGRID_ORCHESTRATOR_BOOTSTRAP_WORKER_STORAGE_ENDPOINT=http://$control_ip:9000#" \
        "$repo/.env.example"
    cat <<EOF

# ---- infra/rehearse.sh: the rehearsal's grid ----
RGRID_ORCHESTRATOR_HETZNER_API_URL=$emulator_url
RGRID_ORCHESTRATOR_HETZNER_NETWORK_NAME=rgrid-private
RGRID_ORCHESTRATOR_HETZNER_NETWORK_IP_RANGE=$private_cidr
RGRID_ORCHESTRATOR_HETZNER_SUBNET_IP_RANGE=$worker_subnet
RGRID_ORCHESTRATOR_BOOTSTRAP_WORKER_KAFKA_BOOTSTRAP_SERVERS=$control_ip:9092
RGRID_API_DEFAULTS_IMAGE=$registry/$base_image
RGRID_ORCHESTRATOR_BOOTSTRAP_DOCKER_INSECURE_REGISTRIES=$registry
$(faults_env)
$(ray_env)
EOF
}

# Debian's docker-registry on the control plane (private address, :5000) holding the base image:
# `docker save` here, loaded and pushed by the control plane's Docker over its loopback.
up_registry() {
    # Debian's config asks for htpasswd logins; the rehearsal's registry is open on the private
    # network only (as Kafka and S3Proxy: the firewall closes it to the rest), so its own config.
    if ! in_control test -f /etc/systemd/system/docker-registry.service.d/rehearsal.conf; then
        in_control sh -c 'sed "/^auth:/,/^[^ ]/{/^auth:/d;/^  /d}" /etc/docker/registry/config.yml \
                >/etc/docker/registry/rehearsal.yml \
            && mkdir -p /etc/systemd/system/docker-registry.service.d \
            && printf "[Service]\nExecStart=\nExecStart=/usr/bin/docker-registry serve /etc/docker/registry/rehearsal.yml\n" \
                >/etc/systemd/system/docker-registry.service.d/rehearsal.conf \
            && systemctl daemon-reload && systemctl restart docker-registry'
    fi
    in_control systemctl enable --now docker-registry docker >/dev/null 2>&1 \
        || die "control plane: docker-registry or docker does not start"
    local ref="127.0.0.1:5000/$base_image" i
    for i in $(seq 1 60); do
        in_control curl -sf http://127.0.0.1:5000/v2/ >/dev/null 2>&1 && break
        ((i < 60)) || die "control plane: the registry does not answer on :5000"
        sleep 0.5
    done
    if in_control curl -sf -o /dev/null "http://127.0.0.1:5000/v2/${base_image%%:*}/manifests/${base_image##*:}"; then
        log "registry $control_ip:5000 holds $base_image"
        return
    fi
    docker image inspect "$base_image" >/dev/null 2>&1 || die "no image $base_image here (infra/build-base-image.sh)"
    log "registry $control_ip:5000: pushing $base_image (docker save here | load, tag, push on the control plane)"
    docker save "$base_image" | docker exec -i "$control" docker load >/dev/null
    in_control docker tag "$base_image" "$ref"
    in_control docker push -q "$ref" >/dev/null || die "control plane: docker push $ref failed"
}

api_ready() {
    curl -sf --cacert "$state/ca.crt" "https://127.0.0.1:$https_port/q/health/ready" >/dev/null 2>&1
}

up_deploy() {
    build_modules
    up_artifacts
    up_certificates
    [[ -s $state/hetzner_worker.key ]] || ssh-keygen -q -t ed25519 -N '' -C "$name-workers" -f "$state/hetzner_worker.key"
    write_env >"$state/control.env"
    up_registry
    local sum deployed
    sum="$(cat "$dist/rgrid-control-plane.tar.gz" "$state/server.crt" | sha256sum | cut -c1-64)"
    deployed="$(in_control cat /opt/rgrid/.rehearsal-deployed 2>/dev/null || true)"
    if [[ $sum == "$deployed" ]] && api_ready; then
        log "control plane deployed from these artifacts; API answers through nginx/TLS"
        return
    fi
    log "control plane: copying the distribution, .env, certificate and the workers' SSH key in"
    in_control mkdir -p /root/dist /root/rehearsal /opt/rgrid/infra
    docker cp "$dist/rgrid-control-plane.tar.gz" "$control:/root/dist/"
    local f
    for f in control.env server.crt server.key; do docker cp "$state/$f" "$control:/root/rehearsal/$f"; done
    docker cp "$state/hetzner_worker.key" "$control:/opt/rgrid/infra/hetzner_worker.key"
    docker cp "$state/hetzner_worker.key.pub" "$control:/opt/rgrid/infra/hetzner_worker.key.pub"
    # deploy_orchestrator.sh installs --env only when none is there: a redeploy keeps the installed
    # .env with the secrets it generated (database, S3) that the running services use.
    in_control tar -C /opt/rgrid --strip-components=1 -xzf /root/dist/rgrid-control-plane.tar.gz \
        rgrid-control-plane/infra rgrid-control-plane/deploy rgrid-control-plane/.env.example
    log "control plane: infra/deploy_orchestrator.sh --artifacts --tls-cert --tls-key --s3proxy (log: $state/deploy.log)"
    local t0=$SECONDS
    in_control /opt/rgrid/infra/deploy_orchestrator.sh --artifacts /root/dist --s3proxy \
        --tls-cert /root/rehearsal/server.crt --tls-key /root/rehearsal/server.key \
        --env /root/rehearsal/control.env >"$state/deploy.log" 2>&1 \
        || { tail -n 40 "$state/deploy.log" >&2; die "deploy_orchestrator.sh failed on $control"; }
    log "figure: deploy_orchestrator.sh took $((SECONDS - t0)) s"
    ray_control_plane
    in_control systemctl start orchestrator.service
    t0=$SECONDS
    until api_ready; do
        if ((SECONDS - t0 > 300)); then
            in_control journalctl -u rgrid-api -u nginx --no-pager -n 30 >&2 || true
            die "the API does not answer through nginx/TLS on 127.0.0.1:$https_port after 300 s"
        fi
        sleep 1
    done
    until in_control curl -sf http://127.0.0.1:8001/q/health/ready >/dev/null 2>&1; do
        if ((SECONDS - t0 > 300)); then
            in_control journalctl -u orchestrator --no-pager -n 30 >&2 || true
            die "the orchestrator is not ready after 300 s"
        fi
        sleep 1
    done
    log "figure: API ready through nginx/TLS and orchestrator ready $((SECONDS - t0)) s after the deploy"
    echo "$sum" | docker exec -i "$control" sh -c 'cat >/opt/rgrid/.rehearsal-deployed'
}
