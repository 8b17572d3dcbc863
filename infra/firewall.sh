#!/usr/bin/env bash
# The control plane's firewall (seed: "only expose 22, 80, 443"; docs/design.md, Production network:
# everything else on the Hetzner private network only), with ufw:
#   public:  22/tcp (ssh), 80/tcp (redirect + ACME), 443/tcp (the API through nginx)
#   private: everything from the private network (Kafka 9092, MinIO 9000, Ray GCS 6380 and client
#            10001 with Ray's token authentication, PostgreSQL 5432, agents 8002), nothing of it
#            from the internet; executions on workers reach none of it (deploy/worker-egress.sh)
#   nowhere: the Ray dashboard and Jobs API (8265) listen on loopback only (docs/security.md, Ray),
#            so no rule here opens them; reach them with ssh -L 8265:localhost:8265
#
# Usage: infra/firewall.sh [--private-cidr 10.0.0.0/16] [--worker] [--dry-run]
#   --worker   for a worker node: 22 public, no 80/443 (the agent's 8002 is private-only)
#   --dry-run  print the ufw commands instead of running them
#
# ufw does not see ports Docker publishes (Docker writes its own iptables rules before ufw's):
# that is why docs/operations.md binds MinIO's published ports to the private address and
# 127.0.0.1 instead of relying on this firewall. Idempotent: ufw ignores rules it already has.
set -euo pipefail

cidr=10.0.0.0/16
dry_run=false
worker=false
while [[ $# -gt 0 ]]; do
    case $1 in
        --private-cidr) [[ $# -ge 2 ]] || { echo "firewall: --private-cidr needs a value" >&2; exit 2; }; cidr=$2; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        --worker) worker=true; shift ;;
        -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "firewall: unknown option $1" >&2; exit 2 ;;
    esac
done
if [[ ! $cidr =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ ]]; then
    echo "firewall: not an IPv4 CIDR: $cidr" >&2
    exit 2
fi

run() {
    if $dry_run; then
        printf 'ufw'; printf ' %q' "$@"; printf '\n'
    else
        ufw "$@"
    fi
}

if ! $dry_run && ! command -v ufw >/dev/null; then
    echo "firewall: ufw is not installed (apt install -y ufw)" >&2
    exit 1
fi

run default deny incoming
run default allow outgoing
run allow 22/tcp comment 'ssh'
if ! $worker; then
    run allow 80/tcp comment 'http: redirect, ACME'
    run allow 443/tcp comment 'https: RGrid API via nginx'
fi
run allow from "$cidr" comment 'Hetzner private network: Kafka, S3, Ray GCS/client, PostgreSQL, agents'
run --force enable
