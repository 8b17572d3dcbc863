#!/usr/bin/env bash
# The control plane's install on its real path, on a throwaway host: a container booted with
# systemd as PID 1 (the flags of "Hosts in containers": no --privileged) stands in for the server;
# infra/deploy_orchestrator.sh --artifacts --tls-cert --s3proxy runs in it as an operator would
# (scripts unpacked into /opt/rgrid, no --prefix), then the orchestrator is started and the API
# must answer through nginx and TLS: `curl --cacert <the test CA>` to https://<RGRID_DOMAIN>/q/health/ready.
# A second deploy must succeed and leave the API answering (idempotent upgrade). Prints each step's time.
#
# Usage: infra/check-deploy-host.sh --image IMAGE [--artifacts DIR] [--subnet 10.77.0.0/24] [--keep]
#   --image IMAGE    a Debian 12 image with systemd, dbus, PostgreSQL 15, nginx, ufw, openssl, curl
#                    installed (this script builds none: the rehearsal's node image has them)
#   --artifacts DIR  holds rgrid-control-plane.tar.gz (default: infra/package.sh --skip-build now)
#   --subnet CIDR    the Docker network made for the host (the host is its .2)
#   --keep           leave the container and network running (default: removed at the end)
# Exit 0 passed, 1 failed. Traffic goes only to the network this script makes.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
image=""
artifacts=""
subnet=10.77.0.0/24
keep=false
die() { printf 'check-deploy-host: %s\n' "$*" >&2; exit 1; }
while [[ $# -gt 0 ]]; do
    case $1 in
        --image) [[ $# -ge 2 ]] || die "--image needs a name"; image=$2; shift 2 ;;
        --artifacts) [[ $# -ge 2 ]] || die "--artifacts needs a directory"; artifacts=$2; shift 2 ;;
        --subnet) [[ $# -ge 2 ]] || die "--subnet needs a CIDR"; subnet=$2; shift 2 ;;
        --keep) keep=true; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
[[ -n $image ]] || die "--image is required"
docker image inspect "$image" >/dev/null 2>&1 || die "no image $image"
[[ $subnet =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]] || die "--subnet must be a /24 ending in .0"
ip=${BASH_REMATCH[1]}.2
name=rgrid-check-deploy-host
net=rgrid-check-deploy-net
domain=rgrid.test
work=$(mktemp -d "${TMPDIR:-/tmp}/rgrid-check-host.XXXXXX")
cleanup() {
    if ! $keep; then
        docker rm -f "$name" >/dev/null 2>&1 || true
        docker network rm "$net" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
started=$(date +%s%N)
lap() { printf '%-40s %6.1f s\n' "$1" "$(( ($(date +%s%N) - started) / 1000000 ))e-3"; started=$(date +%s%N); }
in_host() { docker exec "$name" "$@"; }

if [[ -z $artifacts ]]; then
    bash "$repo/infra/package.sh" --skip-build --out "$work/dist" >"$work/package.log" 2>&1 \
        || { cat "$work/package.log"; die "infra/package.sh failed"; }
    artifacts=$work/dist
    lap "package (infra/package.sh --skip-build)"
fi
[[ -f $artifacts/rgrid-control-plane.tar.gz ]] || die "no rgrid-control-plane.tar.gz in $artifacts"

# A test CA and a server certificate for the domain and localhost.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=rgrid check CA" \
    -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$domain" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:localhost\n' "$domain" >"$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 \
    -extfile "$work/ext" -out "$work/server.pem" 2>/dev/null
# The .env: the repository's example on this network, with a static agent address inside it (the
# hetzner default would call Hetzner's API).
sed -e "s/^RGRID_PRIVATE_IP=.*/RGRID_PRIVATE_IP=$ip/" -e "s#^RGRID_PRIVATE_CIDR=.*#RGRID_PRIVATE_CIDR=$subnet#" \
    -e "s/^KAFKA_BOOTSTRAP_SERVERS=.*/KAFKA_BOOTSTRAP_SERVERS=$ip:9092/" -e "s/^RGRID_DOMAIN=.*/RGRID_DOMAIN=$domain/" \
    -e 's/^RGRID_ORCHESTRATOR_PROVIDER=.*/RGRID_ORCHESTRATOR_PROVIDER=static/' "$repo/.env.example" >"$work/test.env"
printf 'RGRID_ORCHESTRATOR_STATIC_AGENTS=w1=http://%s.3:8002=%s\n' "${ip%.*}" "$(openssl rand -hex 16)" >>"$work/test.env"

docker rm -f "$name" >/dev/null 2>&1 || true
docker network inspect "$net" >/dev/null 2>&1 || docker network create --subnet "$subnet" "$net" >/dev/null
docker run -d --name "$name" --hostname rgrid-cp --cap-add SYS_ADMIN --cap-add NET_ADMIN \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run --tmpfs /run/lock --network "$net" --ip "$ip" "$image" /sbin/init >/dev/null
for _ in $(seq 1 120); do
    [[ $(in_host systemctl is-system-running 2>/dev/null || true) =~ ^(running|degraded)$ ]] && break
    sleep 0.5
done
lap "boot ($(in_host systemctl is-system-running || true))"

in_host mkdir -p /root/dist /root/tls /opt/rgrid
docker cp "$artifacts/rgrid-control-plane.tar.gz" "$name:/root/dist/"
for file in server.pem server.key ca.pem test.env; do docker cp "$work/$file" "$name:/root/tls/"; done
in_host tar -C /opt/rgrid --strip-components=1 -xzf /root/dist/rgrid-control-plane.tar.gz \
    rgrid-control-plane/infra rgrid-control-plane/deploy rgrid-control-plane/.env.example
lap "copy the distribution in"

deploy() { in_host /opt/rgrid/infra/deploy_orchestrator.sh --artifacts /root/dist --s3proxy "$@"; }
deploy --tls-cert /root/tls/server.pem --tls-key /root/tls/server.key --env /root/tls/test.env >"$work/deploy1.log" 2>&1 \
    || { tail -n 40 "$work/deploy1.log"; die "the first deploy failed"; }
lap "deploy_orchestrator.sh (first)"
in_host systemctl start orchestrator.service

healthy() { # through nginx, TLS verified against the test CA only
    in_host curl -sf --cacert /root/tls/ca.pem --resolve "$domain:443:127.0.0.1" "https://$domain/q/health/ready" >/dev/null 2>&1
}
wait_healthy() {
    for _ in $(seq 1 240); do healthy && return 0; sleep 1; done
    return 1
}
wait_healthy || { in_host journalctl -u rgrid-api --no-pager | tail -n 30; die "no answer through nginx/TLS"; }
lap "API ready through nginx + TLS"
for unit in postgresql rgrid-s3proxy rgrid-kafka rgrid-api orchestrator nginx; do
    [[ $(in_host systemctl is-active "$unit" || true) == active ]] || die "$unit is not active"
done
orchestrator=false
for _ in $(seq 1 120); do
    if in_host curl -sf http://127.0.0.1:8001/q/health/ready >/dev/null 2>&1; then orchestrator=true; break; fi
    sleep 1
done
$orchestrator || die "the orchestrator is not ready"
lap "orchestrator ready"
in_host curl -sS --cacert /root/tls/ca.pem "https://localhost/q/health" | tr -d ' \n' | head -c 300
echo

deploy >"$work/deploy2.log" 2>&1 || { tail -n 40 "$work/deploy2.log"; die "the second deploy failed"; }
lap "deploy_orchestrator.sh (second, upgrade)"
wait_healthy || die "no answer through nginx/TLS after the second deploy"
lap "API ready again"
echo "check-deploy-host: passed"
