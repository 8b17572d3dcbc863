#!/usr/bin/env bash
# Slow readers of a large log against api-service at its production heap (-Xmx256m, the flags of
# deploy/systemd/rgrid-api.service, ExitOnOutOfMemoryError included): READERS clients follow
# (logs?follow=true) one execution whose stored log is LOG_MB MB, each on a socket with a 4 KiB
# receive buffer that nobody reads. For SECONDS it samples the API's heap
# (jvm_memory_used_bytes{area="heap"}), the SSE bytes it holds for the readers
# (rgrid_streams_queued_bytes), its RSS and /q/health; then one reader reads its stream until it has
# the whole stored log, and the bytes it got are checked against the log (the execution stays QUEUED:
# no orchestrator, so the stream sends the stored log and then waits, without an end event).
# Prints the peaks and whether the API stayed up.
#
# Starts its own PostgreSQL, Kafka and S3 (local-grid's test-servers, free loopback ports, under a
# temporary directory) and api-service as the packaged jar (no orchestrator, no worker); the log is
# put into S3 directly (curl --aws-sigv4), as a worker would have stored it. Stops all it started.
#
#   bench/slow-readers.sh [READERS (3)] [LOG_MB (300)] [SECONDS (30)]
#   API_JAR=/path/to/quarkus-run.jar bench/slow-readers.sh …   (another build, e.g. the code before)
#
# The API runs with RGRID_LOGS_MAX_BYTES=1073741824 (unless set), above the log, because the
# default cap (64 MiB) would serve only the log's first 64 MiB; the worst case is a log as large
# as the issue's 300 MB, whether from an agent of an older release or from a raised cap.
#
# Needs local-grid/target/local-grid.jar (build local-grid first); builds api-service itself.
set -euo pipefail
cd "$(dirname "$0")/.."
readers="${1:-3}"; log_mb="${2:-300}"; seconds="${3:-30}"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"; export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
heap_flags=(-Xms64m -Xmx256m -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=64m -Xss512k -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError)

work="$(mktemp -d /tmp/rgrid-bench-slow.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  mkdir -p target/slow-readers
  cp "$work/api.log" target/slow-readers/api.log 2>/dev/null || true  # kept for a look
  rm -rf "$work"
}
trap cleanup EXIT

[ -f local-grid/target/local-grid.jar ] || { echo "build local-grid first: ./mvnw -o package -pl local-grid -am -DskipTests" >&2; exit 1; }
api_jar="${API_JAR:-api-service/target/quarkus-app/quarkus-run.jar}"
[ -n "${API_JAR:-}" ] || ./mvnw -q -o package -pl api-service -am -DskipTests >/dev/null

# shellcheck source=bench/lib/api-alone.sh
. bench/lib/api-alone.sh
start_test_servers
s3="$(json s3Endpoint)"; s3_key="$(json s3AccessKey)"; s3_secret="$(json s3SecretKey)"
export RGRID_LOGS_MAX_BYTES="${RGRID_LOGS_MAX_BYTES:-1073741824}"
# shellcheck disable=SC2086 # API_JAVA_OPTS holds several options
start_api "$api_jar" "${heap_flags[@]}" ${API_JAVA_OPTS:-}

printf 'print(1)\n' >"$work/main.py"
submitted="$(curl -sf -H "Authorization: Bearer $key" -F "script=@$work/main.py" "$url/api/v1/executions")"
id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$submitted")"
attempt="$(python3 -c 'import json,sys; print(max(1, json.loads(sys.argv[1]).get("attempt") or 1))' "$submitted")"
python3 - "$work/log" "$log_mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
line = "line %09d of a long log, written by a chatty script ......................\n"
with open(path, "w") as f:
    written, i = 0, 0
    while written < mb * 1_000_000:
        text = line % i
        f.write(text); written += len(text); i += 1
PY
put="$(curl -s -o "$work/put.out" -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" --user "$s3_key:$s3_secret" \
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$work/log" "$s3/bench/executions/$id/attempts/$attempt/log")"
[ "$put" = 200 ] || { echo "storing the log failed ($put): $(head -c 500 "$work/put.out")" >&2; exit 1; }
log_bytes="$(stat -c %s "$work/log")"
served="$(curl -sf -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $key" "$url/api/v1/executions/$id/logs")"
[ "$served" = "$log_bytes" ] || { echo "the API serves $served of the $log_bytes bytes stored" >&2; exit 1; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%dT%H:%MZ); API JVM: $(java -version 2>&1 | head -1)"
echo "API flags: ${heap_flags[*]}"
echo "log: $log_bytes bytes; readers: $readers; sampling for $seconds s"
echo "API RSS idle: $(( $(awk '/VmRSS/ {print $2}' /proc/$api_pid/status) / 1024 )) MiB"
python3 - "$url" "$key" "$id" "$readers" "$seconds" "$api_pid" "$log_bytes" <<'PY'
import json, os, re, socket, sys, time, urllib.request
url, key, eid, n, seconds, pid, log_bytes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
host, port = url.split("//")[1].split(":")

def open_reader():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
    s.connect((host, int(port)))
    s.sendall(("GET /api/v1/executions/%s/logs?follow=true HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
               "Accept: text/event-stream\r\n\r\n" % (eid, host, key)).encode())
    return s

def metrics():
    text = urllib.request.urlopen(url + "/q/metrics", timeout=10).read().decode()
    heap = sum(float(m.group(1)) for m in re.finditer(r'^jvm_memory_used_bytes\{area="heap"[^}]*\} ([0-9.eE+]+)', text, re.M))
    queued = re.search(r'^rgrid_streams_queued_bytes(?:\{[^}]*\})? ([0-9.eE+]+)', text, re.M)
    return heap, float(queued.group(1)) if queued else float("nan")

def health():
    try:
        return json.loads(urllib.request.urlopen(url + "/q/health", timeout=10).read())["status"]
    except Exception as e:
        return "DOWN(%s)" % e

def rss():
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) // 1024

readers = [open_reader() for _ in range(n)]
peak_heap = peak_queued = peak_rss = 0
states = set()
for second in range(1, seconds + 1):
    time.sleep(1)
    if not os.path.exists("/proc/%d" % pid) or open("/proc/%d/stat" % pid).read().split()[2] == "Z":
        print("API process is gone after %d s (peak heap %d MiB, peak RSS %d MiB; %s)"
              % (second, peak_heap / 2**20, peak_rss, ", ".join(sorted(states)) or "no sample"))
        sys.exit(1)
    try:
        heap, queued = metrics()
    except Exception as e:
        states.add("no answer to /q/metrics (%s)" % e)
        continue
    peak_heap, peak_queued, peak_rss = max(peak_heap, heap), max(peak_queued, queued), max(peak_rss, rss())
    states.add(health())
print("peak heap used: %d MiB; peak SSE bytes held for the readers: %.0f KiB; peak RSS: %d MiB; health: %s"
      % (peak_heap / 2**20, peak_queued / 1024, peak_rss, ",".join(sorted(states))))

# One reader now reads its stream: it must get the whole stored log, exactly.
t0 = time.time()
readers[0].settimeout(120)  # a stream that stalls fails the run instead of hanging it
f = readers[0].makefile("rb")
while f.readline() not in (b"\r\n", b""):
    pass  # status line and headers
got, end = 0, None
event = None
def lines():
    while True:
        size = int(f.readline().split(b";")[0], 16)
        if size == 0:
            return
        yield f.read(size)
        f.readline()
buf = b""
for chunk in lines():
    if got >= log_bytes or end:
        break
    buf += chunk
    *complete, buf = buf.split(b"\n")
    for line in complete:
        if line.startswith(b"event: "):
            event = line[7:].decode()
        elif line.startswith(b"data: "):
            data = json.loads(line[6:])
            if event == "log":
                got += len(data["text"].encode())
            elif event in ("end", "resume"):
                end = (event, data)
print("reader 1 then read its stream in %.1f s: %d of %d bytes%s"
      % (time.time() - t0, got, log_bytes, "; it ended with " + end[0] if end else ""))
for r in readers:
    r.close()
print("API alive at the end: %s; health: %s; RSS %d MiB" % (os.path.exists("/proc/%d" % pid), health(), rss()))
sys.exit(0 if got == log_bytes and not end else 1)
PY
echo "load on the machine at the end (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
