# shellcheck shell=bash
# shellcheck disable=SC2154 # $work and pids come from the sourcing script
# Sourced by the bench scripts that run api-service alone (bench/api-submit.sh,
# bench/slow-readers.sh): its PostgreSQL, Kafka and S3 from local-grid's test-servers (free
# loopback ports, under $work/servers), then the packaged api-service on a free loopback port.
# The caller sets $work (a temporary directory) and the array pids (stopped by its EXIT trap).

# Starts the servers and keeps renewing their lease.
start_test_servers() {
  java -jar local-grid/target/local-grid.jar test-servers --dir "$work/servers" --idle-timeout-seconds 900 \
    >"$work/servers.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 180); do [ -f "$work/servers/servers.json" ] && break; sleep 1; done
  [ -f "$work/servers/servers.json" ] || { echo "servers did not start; see $work/servers.log" >&2; exit 1; }
  ( while sleep 30; do touch "$work/servers/lease"; done ) & pids+=("$!")
}

# json FIELD [KEY]: a field of the servers' servers.json (KEY: an entry of an object field).
json() { python3 -c "import json,sys; v=json.load(open('$work/servers/servers.json'))['$1']; print(v['${2:-}'] if '${2:-}' else v)"; }

# start_api JAR [JAVA_OPTION...]: api-service against those servers (bucket "bench") with a new
# admin key, its log in $work/api.log; sets key, api_port, api_pid and url, and returns once it
# is ready. Further settings come from the caller's exported environment.
start_api() {
  local jar="$1"; shift
  key="$(openssl rand -hex 32)"
  api_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  local s3; s3="$(json s3Endpoint)"
  API_SECRET_KEY="$key" API_HASH_SECRET="$(openssl rand -hex 32)" API_HOST=127.0.0.1 API_PORT="$api_port" \
  RGRID_REPORTS_SIGNING_KEY="${RGRID_REPORTS_SIGNING_KEY:-$(openssl rand -hex 32)}" \
  DATABASE_URL="postgresql://postgres@127.0.0.1:$(json postgresPort)/postgres" \
  KAFKA_BOOTSTRAP_SERVERS="$(json kafkaBootstrap)" RGRID_KAFKA_CA_FILE="$(json kafkaCaFile)" \
  RGRID_KAFKA_USERNAME=rgrid-api RGRID_KAFKA_PASSWORD="$(json kafkaPasswords rgrid-api)" \
  MINIO_ENDPOINT="${s3#http://}" MINIO_USE_SSL=false \
  MINIO_ACCESS_KEY="$(json s3AccessKey)" MINIO_SECRET_KEY="$(json s3SecretKey)" MINIO_BUCKET_NAME=bench \
    java "$@" -jar "$jar" >"$work/api.log" 2>&1 &
  api_pid=$!; pids+=("$api_pid")
  url="http://127.0.0.1:$api_port"
  for _ in $(seq 1 120); do curl -sf "$url/q/health/ready" >/dev/null && break; sleep 1; done
  curl -sf "$url/q/health/ready" >/dev/null || { echo "api did not get ready; see $work/api.log" >&2; tail -20 "$work/api.log" >&2; exit 1; }
}
