#!/usr/bin/env bash
# Installs the RGrid control plane on this server (the seed guide's step 10) from the distribution
# that infra/package.sh builds (its own Java runtime inside: no JDK package on the server): the
# service users, PostgreSQL 15 with the role and database of DATABASE_URL, S3Proxy (the systemd
# stand-in for MinIO), Kafka, the installed services, the systemd units and the nginx site, the
# database migrations, the firewall, and enables the services. Safe to run again (upgrades do
# exactly this).
#
#   infra/package.sh                                     # on a build machine: target/dist/*.tar.gz
#   sudo ./infra/deploy_orchestrator.sh --artifacts DIR  # on the server, DIR holding those archives
#   systemctl start orchestrator
#
# Options:
#   --artifacts DIR  install DIR/rgrid-control-plane.tar.gz (made by infra/package.sh); without it
#                    the script runs infra/package.sh here first (Maven and a JDK >= 21 on the server)
#   --skip-build     without --artifacts: package the jars already under */target (no Maven)
#   --tls-cert FILE --tls-key FILE
#                    the certificate (full chain) and key nginx serves, installed to /etc/rgrid/tls/;
#                    without them the site is enabled once Let's Encrypt's certificate for
#                    RGRID_DOMAIN exists (certbot certonly --nginx -d RGRID_DOMAIN)
#   --s3proxy        enable rgrid-s3proxy.service (S3Proxy on MINIO_ENDPOINT's port, MINIO_* keys)
#                    instead of the MinIO of docs/operations.md, Step 4 (which stays the real path)
#   --prefix DIR     install under DIR instead of / (a scratch root for tests): no packages are
#                    installed, no users created outside DIR, no database set up, no systemctl, no
#                    firewall; users are written to DIR/etc/passwd by systemd-sysusers --root.
#   --migrate        run the migrations also with --prefix (needs DATABASE_URL in the .env reachable)
#   --skip-migrate   do not run the migrations
#   --no-firewall    leave the firewall alone
#   --env FILE       the .env to install when PREFIX/opt/rgrid/.env does not exist yet
#                    (default: the repository's .env, else .env.example)
#   -h, --help
#
# What it writes (under PREFIX):
#   /usr/local/lib/rgrid/{api-service,orchestrator-service,worker-agent}/  the Quarkus apps
#   /usr/local/lib/rgrid/java/   the runtime   /usr/local/lib/rgrid/worker-agent/java/  the agent's
#   /usr/local/lib/rgrid/kafka/lib/   the Kafka broker jars   /usr/local/lib/rgrid/s3proxy/s3proxy.jar
#   /etc/systemd/system/{rgrid-api,orchestrator,rgrid-worker,rgrid-kafka,rgrid-s3proxy}.service
#   /usr/local/lib/rgrid/worker-egress.sh   (rgrid-worker.service's egress policy, docs/security.md)
#   /etc/sysusers.d/rgrid.conf   /etc/rgrid/{kafka.properties,kafka.env,s3proxy.properties}
#   /etc/rgrid/kafka/{broker.p12,ca.pem}   Kafka's TLS key and the CA its clients trust
#   /etc/rgrid/kafka-format.args   the storage tool's arguments (SCRAM users) for rgrid-kafka.service
#   /etc/rgrid/tls/{fullchain,privkey}.pem (--tls-cert)   /opt/rgrid/.env (0600)
#   /etc/nginx/sites-available/rgrid
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=""
build=true
artifacts=""
tls_cert=""
tls_key=""
s3proxy=false
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
        --artifacts) [[ $# -ge 2 ]] || die "--artifacts needs a directory"; artifacts=$2; shift 2 ;;
        --skip-build) build=false; shift ;;
        --s3proxy) s3proxy=true; shift ;;
        --tls-cert) [[ $# -ge 2 ]] || die "--tls-cert needs a file"; tls_cert=$2; shift 2 ;;
        --tls-key) [[ $# -ge 2 ]] || die "--tls-key needs a file"; tls_key=$2; shift 2 ;;
        --migrate) migrate=true; shift ;;
        --skip-migrate) migrate=false; shift ;;
        --no-firewall) firewall=false; shift ;;
        --env) [[ $# -ge 2 ]] || die "--env needs a file"; env_source=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
[[ -z $tls_cert && -z $tls_key ]] || [[ -f $tls_cert && -f $tls_key ]] \
    || die "--tls-cert and --tls-key go together, each naming a readable file"
[[ -z $artifacts || -f $artifacts/rgrid-control-plane.tar.gz ]] \
    || die "no rgrid-control-plane.tar.gz in $artifacts (infra/package.sh makes it)"

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
work=$(mktemp -d "${TMPDIR:-/tmp}/rgrid-deploy.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- the distribution ------------------------------------------------------------------------
# Everything installed comes from one rgrid-control-plane.tar.gz: given (--artifacts), or made
# here by infra/package.sh from this checkout (Maven on the server: possible, not the default).
if [[ -z $artifacts ]]; then
    package_args=(--out "$work")
    $build || package_args+=(--skip-build)
    log "package this checkout (infra/package.sh ${package_args[*]})"
    "$repo/infra/package.sh" "${package_args[@]}" || die "infra/package.sh failed (it needs a JDK >= 21; or pass --artifacts)"
    artifacts=$work
fi
log "unpack $artifacts/rgrid-control-plane.tar.gz"
tar -C "$work" -xzf "$artifacts/rgrid-control-plane.tar.gz"
dist=$work/rgrid-control-plane
for module in "${modules[@]}"; do
    [[ -f $dist/$module/quarkus-run.jar ]] || die "the distribution lacks $module/quarkus-run.jar"
done
[[ -x $dist/java/bin/java && -x $dist/worker-agent/java/bin/java ]] || die "the distribution lacks its runtime (java/)"
java=$lib/java/bin/java

# --- packages (not with --prefix) ----------------------------------------------------------------
# From the distribution's own repositories, only what is missing: PostgreSQL 15 (the guide's
# version; Debian 12's postgresql-15, else the release's own `postgresql`, see docs/operations.md),
# nginx, ufw, openssl. No Java: the distribution brings its runtime.
if ! $scratch; then
    log "packages"
    need=()
    compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
    command -v nginx >/dev/null || need+=(nginx)
    command -v openssl >/dev/null || need+=(openssl)
    if $firewall && ! command -v ufw >/dev/null; then need+=(ufw); fi
    if [[ ${#need[@]} -gt 0 ]]; then
        apt-get update -q
        if [[ ${need[0]} == postgresql ]] && apt-cache show postgresql-15 >/dev/null 2>&1; then
            need[0]=postgresql-15
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
    fi
    echo "PostgreSQL $(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sed 's#.*/postgresql/\([^/]*\)/.*#\1#' | paste -sd' ' -), $(nginx -v 2>&1)"
fi

# --- users ---------------------------------------------------------------------------------
log "service users (systemd-sysusers)"
install -D -m 0644 "$dist/deploy/sysusers.d/rgrid.conf" "$prefix/etc/sysusers.d/rgrid.conf"
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
    if [[ -e $dest || -L $dest ]]; then mv "$dest" "$dest.old"; fi
    mv "$dest.new" "$dest"
    rm -rf "$dest.old"
}

log "install services into $lib"
for part in java "${modules[@]}" kafka s3proxy; do
    install_tree "$dist/$part" "$lib/$part"
done

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
generate_secret() { # NAME [PLACEHOLDER]: a fresh openssl rand -hex 32 when NAME is empty, a $(...) or PLACEHOLDER
    local value
    value=$(env_value "$1")
    [[ -z $value || $value == *"\$("* || $value == "${2:-}" ]] || return 0
    value=$(openssl rand -hex 32)
    set_env_value "$1" "$value"
    echo "generated $1 in $env_file"
}
generate_secret API_SECRET_KEY
generate_secret API_HASH_SECRET
# Ray's token (RAY_AUTH_MODE=token): the head (infra/ray-compose.yml, --env-file this file), the
# orchestrator's driver and, through worker.env, every Ray worker share it. Made even with Ray off,
# so turning RAY_ENABLED on needs no new secret.
generate_secret RAY_AUTH_TOKEN
# K, which api-service and the orchestrator sign Kafka records with (docs/security.md): both read it
# from this file. Replacing it makes records signed before (in flight, or not yet consumed) fail to verify.
generate_secret RGRID_REPORTS_SIGNING_KEY
private_ip=$(env_value RGRID_PRIVATE_IP)
if [[ -z $private_ip ]]; then
    private_ip=127.0.0.1
    echo "RGRID_PRIVATE_IP is not set: Kafka listens on 127.0.0.1 only (no remote workers)"
fi
domain=$(env_value RGRID_DOMAIN)
domain=${domain:-api.yourdomain.com}

install -d -m 0755 "$etc_rgrid"
if [[ ! -s $etc_rgrid/kafka.env ]]; then
    # KRaft cluster id: 16 random bytes, base64url without padding; kept across upgrades. Never
    # one that starts with '-' (1 in 64 would): kafka-storage would read `-t -…` as an option, as
    # Kafka's own Uuid.randomUuid() avoids too.
    cluster_id=-
    while [[ $cluster_id == -* ]]; do
        cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    done
    (umask 077 && printf 'KAFKA_CLUSTER_ID=%s\n' "$cluster_id" >"$etc_rgrid/kafka.env")
fi
chmod 0600 "$etc_rgrid/kafka.env"
# Kafka's logins (docs/security.md, "Kafka"), each generated once and kept: the SCRAM passwords of
# api-service, the orchestrator and the workers in the .env (the services read them; the
# orchestrator hands the workers' to each worker it boots), the broker's own and its key store's
# in kafka.env (root only). rgrid-kafka.service formats the storage with all four users and the
# anchor from kafka-format.args (0640 root:rgrid-kafka), written here by builtins.
generate_secret KAFKA_API_PASSWORD
generate_secret KAFKA_ORCHESTRATOR_PASSWORD
generate_secret KAFKA_WORKER_PASSWORD
env_file=$etc_rgrid/kafka.env generate_secret KAFKA_BROKER_PASSWORD
env_file=$etc_rgrid/kafka.env generate_secret KAFKA_KEYSTORE_PASSWORD
# The anchor's (no one logs in with it; kept only so a second run writes the same argument file).
env_file=$etc_rgrid/kafka.env generate_secret KAFKA_SCRAM_ANCHOR_PASSWORD
kafka_secret() { env_file=$etc_rgrid/kafka.env env_value "$1"; }
(
    umask 077
    {
        printf '%s\n' kafka.tools.StorageTool format --ignore-formatted -t "$(kafka_secret KAFKA_CLUSTER_ID)" \
            -c /etc/rgrid/kafka.properties
        # The anchor user no one logs in as: without it a broker restarted before its first metadata
        # snapshot can come back with no SCRAM user at all, a Kafka 4.1 bug (KafkaPrincipals.SCRAM_ANCHOR
        # in common-model says why, and why this name).
        printf -- '--add-scram\nSCRAM-SHA-512=[name=rgrid-scram-anchor-hxgvgxt,password=%s]\n' \
            "$(kafka_secret KAFKA_SCRAM_ANCHOR_PASSWORD)"
        printf -- '--add-scram\nSCRAM-SHA-512=[name=rgrid-broker,password=%s]\n' "$(kafka_secret KAFKA_BROKER_PASSWORD)"
        for user in api orchestrator worker; do
            name=KAFKA_${user^^}_PASSWORD
            printf -- '--add-scram\nSCRAM-SHA-512=[name=rgrid-%s,password=%s]\n' "$user" "$(env_value "$name")"
        done
    } >"$etc_rgrid/kafka-format.args.new"
)
$scratch || chown root:rgrid-kafka "$etc_rgrid/kafka-format.args.new"
chmod 0640 "$etc_rgrid/kafka-format.args.new"
mv "$etc_rgrid/kafka-format.args.new" "$etc_rgrid/kafka-format.args"
# The broker's TLS key (broker.p12, 0640 root:rgrid-kafka) and the certificate its clients trust
# (ca.pem): self-signed CN=rgrid-kafka for the private address, 127.0.0.1 and localhost, made with
# the installed runtime's keytool once (again when RGRID_PRIVATE_IP changed); the key store's
# password reaches keytool through its environment, never its arguments.
kafka_tls=$etc_rgrid/kafka
install -d -m 0755 "$kafka_tls"
san="ip:$private_ip,ip:127.0.0.1,dns:localhost"
[[ $private_ip != 127.0.0.1 ]] || san="ip:127.0.0.1,dns:localhost"
if [[ ! -s $kafka_tls/broker.p12 || ! -s $kafka_tls/ca.pem || $(cat "$kafka_tls/san" 2>/dev/null) != "$san" ]]; then
    rm -f "$kafka_tls/broker.p12.new" "$kafka_tls/ca.pem.new"
    RGRID_KEYSTORE_PASSWORD=$(kafka_secret KAFKA_KEYSTORE_PASSWORD) \
        "$lib/java/bin/keytool" -genkeypair -alias rgrid-kafka -keyalg EC -groupname secp256r1 -dname CN=rgrid-kafka \
        -ext "SAN=$san" -validity 3650 -storetype PKCS12 -keystore "$kafka_tls/broker.p12.new" \
        -storepass:env RGRID_KEYSTORE_PASSWORD >/dev/null
    RGRID_KEYSTORE_PASSWORD=$(kafka_secret KAFKA_KEYSTORE_PASSWORD) \
        "$lib/java/bin/keytool" -exportcert -rfc -alias rgrid-kafka -keystore "$kafka_tls/broker.p12.new" \
        -storepass:env RGRID_KEYSTORE_PASSWORD -file "$kafka_tls/ca.pem.new" >/dev/null
    $scratch || chown root:rgrid-kafka "$kafka_tls/broker.p12.new"
    chmod 0640 "$kafka_tls/broker.p12.new"
    chmod 0644 "$kafka_tls/ca.pem.new"
    mv "$kafka_tls/broker.p12.new" "$kafka_tls/broker.p12"
    mv "$kafka_tls/ca.pem.new" "$kafka_tls/ca.pem"
    printf '%s\n' "$san" >"$kafka_tls/san"
    echo "generated Kafka's TLS key and CA in $kafka_tls"
fi
# kafka.properties with the private address and the broker's secrets, by builtins (0640 root:rgrid-kafka).
kafka_properties=$(<"$dist/deploy/kafka/server.properties")
kafka_properties=${kafka_properties//@PRIVATE_IP@/$private_ip}
kafka_properties=${kafka_properties//@BROKER_PASSWORD@/$(kafka_secret KAFKA_BROKER_PASSWORD)}
kafka_properties=${kafka_properties//@KEYSTORE_PASSWORD@/$(kafka_secret KAFKA_KEYSTORE_PASSWORD)}
(umask 077 && printf '%s\n' "$kafka_properties" >"$etc_rgrid/kafka.properties.new")
unset kafka_properties
$scratch || chown root:rgrid-kafka "$etc_rgrid/kafka.properties.new"
chmod 0640 "$etc_rgrid/kafka.properties.new"
mv "$etc_rgrid/kafka.properties.new" "$etc_rgrid/kafka.properties"
# S3Proxy (--s3proxy): its configuration holds the S3 credentials, so it is written by builtins
# into a file only root and rgrid-s3 read. It listens on loopback, and on every address when this
# server has a private one (workers fetch scripts there; infra/firewall.sh closes it to the rest).
if $s3proxy; then
    generate_secret MINIO_SECRET_KEY your_secure_minio_password
    s3_endpoint=$(env_value MINIO_ENDPOINT)
    s3_port=${s3_endpoint##*:}
    [[ $s3_port =~ ^[0-9]+$ ]] || die "MINIO_ENDPOINT=$s3_endpoint has no port (host:9000)"
    s3_listen=127.0.0.1
    [[ $private_ip == 127.0.0.1 ]] || s3_listen=0.0.0.0
    s3_access=$(env_value MINIO_ACCESS_KEY)
    s3_secret=$(env_value MINIO_SECRET_KEY)
    (umask 027 && printf '%s\n' "s3proxy.endpoint=http://$s3_listen:$s3_port" 's3proxy.authorization=aws-v2-or-v4' \
        "s3proxy.identity=$s3_access" "s3proxy.credential=$s3_secret" 'jclouds.provider=filesystem' \
        "jclouds.identity=$s3_access" "jclouds.credential=$s3_secret" \
        'jclouds.filesystem.basedir=/var/lib/rgrid-s3' >"$etc_rgrid/s3proxy.properties.new")
    $scratch || chown root:rgrid-s3 "$etc_rgrid/s3proxy.properties.new"
    chmod 0640 "$etc_rgrid/s3proxy.properties.new"
    mv "$etc_rgrid/s3proxy.properties.new" "$etc_rgrid/s3proxy.properties"
fi
# The certificate nginx serves when given (--tls-cert/--tls-key); kept for later runs.
tls_dir=$etc_rgrid/tls
if [[ -n $tls_cert ]]; then
    install -d -m 0755 "$tls_dir"
    install -m 0644 "$tls_cert" "$tls_dir/fullchain.pem.new"
    (umask 077 && cp "$tls_key" "$tls_dir/privkey.pem.new")
    chmod 0600 "$tls_dir/privkey.pem.new"
    mv "$tls_dir/fullchain.pem.new" "$tls_dir/fullchain.pem"
    mv "$tls_dir/privkey.pem.new" "$tls_dir/privkey.pem"
fi
key=$(env_value HETZNER_SSH_KEY_PATH)
if ! $scratch && [[ -n $key && -f $key ]]; then
    # The orchestrator (hetzner provider) reads the workers' SSH key; nobody else may. It owns the
    # file: its unit runs with Group=rgrid, so a group rgrid-orchestrator grants it nothing (the
    # rehearsal's bootstrap failed with "Permission denied" on root:rgrid-orchestrator 0640).
    chown rgrid-orchestrator:root "$key"
    chmod 0600 "$key"
fi

# --- units and nginx ------------------------------------------------------------------------
log "systemd units and nginx site"
for unit in "$dist"/deploy/systemd/*.service; do
    install -D -m 0644 "$unit" "$prefix/etc/systemd/system/$(basename "$unit")"
done
# rgrid-worker.service's ExecStartPre (the executions' egress policy), for a worker on this host.
install -D -m 0755 "$dist/deploy/worker-egress.sh" "$prefix/usr/local/lib/rgrid/worker-egress.sh"
# The site serves /etc/rgrid/tls when a certificate was given (now or by an earlier run), else Let's
# Encrypt's for RGRID_DOMAIN; with neither it is installed but not enabled.
cert_dir=""
if [[ -f $tls_dir/fullchain.pem && -f $tls_dir/privkey.pem ]]; then
    cert_dir=/etc/rgrid/tls
elif [[ -f $prefix/etc/letsencrypt/live/$domain/fullchain.pem ]]; then
    cert_dir=/etc/letsencrypt/live/$domain
fi
mkdir -p "$prefix/etc/nginx/sites-available"
sed -e "s#/etc/letsencrypt/live/api\.yourdomain\.com/#${cert_dir:-/etc/letsencrypt/live/api.yourdomain.com}/#" \
    -e "s/api\.yourdomain\.com/$domain/g" "$dist/deploy/nginx/rgrid.conf" >"$prefix/etc/nginx/sites-available/rgrid.new"
mv "$prefix/etc/nginx/sites-available/rgrid.new" "$prefix/etc/nginx/sites-available/rgrid"
if [[ -n $cert_dir ]]; then
    mkdir -p "$prefix/etc/nginx/sites-enabled"
    ln -sfn /etc/nginx/sites-available/rgrid "$prefix/etc/nginx/sites-enabled/rgrid"
    echo "nginx site enabled with the certificate in $cert_dir"
else
    echo "nginx site installed but not enabled: no certificate for $domain yet (certbot certonly --nginx -d $domain, then run again, or pass --tls-cert/--tls-key)"
fi

# --- the stores (not with --prefix): PostgreSQL's role and database, S3Proxy ----------------------
# The role and database of DATABASE_URL when it names this host, created by psql reading SQL from
# a here-document (its stdin): the password never reaches a command line. The .env.example's
# placeholder password is replaced by a generated one first.
setup_database() {
    local url user password host port db
    url=$(env_value DATABASE_URL)
    local re='^(postgres(ql)?(\+asyncpg)?)://([a-z_][a-z0-9_]*):([^@]*)@([^:/]+)(:([0-9]+))?/([a-z_][a-z0-9_]*)'
    [[ $url =~ $re ]] || die "DATABASE_URL is not postgresql://USER:PASSWORD@HOST[:PORT]/DB (lower-case names)"
    user=${BASH_REMATCH[4]} password=${BASH_REMATCH[5]} host=${BASH_REMATCH[6]} port=${BASH_REMATCH[8]:-5432}
    db=${BASH_REMATCH[9]}
    if [[ $host != localhost && $host != 127.0.0.1 ]]; then
        echo "DATABASE_URL names $host: no database set up on this server"
        return 0
    fi
    if [[ -z $password || $password == your_secure_password_here ]]; then
        password=$(openssl rand -hex 24)
        set_env_value DATABASE_URL "${BASH_REMATCH[1]}://$user:$password@${url#*@}"
        echo "generated the database password in $env_file"
    fi
    password=$(printf '%b' "${password//%/\\x}") # the URL's %XX escapes
    # The package creates the cluster 15/main at install; where that failed (an image built in a
    # chroot whose root postgres could not enter), nothing listens: create it as the package would.
    if command -v pg_lsclusters >/dev/null && [[ -z $(pg_lsclusters -h) ]]; then
        local version
        version=$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sed 's#.*/postgresql/\([^/]*\)/.*#\1#' | sort -V | tail -n1)
        echo "no PostgreSQL cluster: creating $version/main (pg_createcluster, as the package does)"
        pg_createcluster "$version" main -p "$port" >/dev/null
        systemctl daemon-reload
    fi
    systemctl enable --now postgresql
    local tries=0
    until runuser -u postgres -- pg_isready -q -p "$port"; do
        tries=$((tries + 1))
        [[ $tries -lt 60 ]] || die "PostgreSQL does not answer on port $port"
        sleep 0.5
    done
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres <<SQL || die "creating the role $user or database $db failed"
DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN CREATE ROLE "$user" LOGIN; END IF;
END\$\$;
ALTER ROLE "$user" WITH LOGIN PASSWORD '${password//\'/\'\'}';
SELECT 'CREATE DATABASE "$db" OWNER "$user"' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')\gexec
ALTER DATABASE "$db" OWNER TO "$user";
SQL
    echo "PostgreSQL: role $user owns database $db"
}
if ! $scratch; then
    log "PostgreSQL and S3 storage"
    systemctl daemon-reload
    setup_database
    if $s3proxy; then
        systemctl enable rgrid-s3proxy.service
        systemctl restart rgrid-s3proxy.service
    else
        echo "S3: MinIO as docs/operations.md, Step 4 (--s3proxy runs S3Proxy instead)"
    fi
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
    local cmd=("$java" -Xmx256m -jar "$lib/$module/quarkus-run.jar")
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
        # A migration is no request: wait up to a minute for a connection, not the pool's 5 s (a
        # busy server, PostgreSQL just restarted; seen at load 27 on 2 cores). The .env may override.
        export PATH=/usr/bin:/bin QUARKUS_INIT_AND_EXIT=true QUARKUS_DATASOURCE_JDBC_ACQUISITION_TIMEOUT=60S
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
if [[ -n $cert_dir ]]; then
    nginx -t
    systemctl enable nginx.service
    systemctl reload-or-restart nginx.service
fi
log "done: systemctl start orchestrator; journalctl -u orchestrator -f"
