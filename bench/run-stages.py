#!/usr/bin/env python3
"""Where the time of `./rgrid run examples/hello.py` goes, stage by stage, on a warm local grid.

    bench/run-stages.py [RUNS]      (default 10, after 2 warm-up runs)

Each run starts the real launcher, stamps every stderr line as it arrives, and afterwards reads
the execution and its transitions from the API (URL and key from the CLI's config file, so the
grid `./rgrid local up` started, with XDG_CONFIG_HOME honoured). One host, one clock:

  cli start -> Submitted   JVM start, config, the POST (upload, S3 write, commit, answer)
  Submitted -> ASSIGNED    outbox relay, Kafka, the orchestrator's dispatch, the agent's accept
  ASSIGNED -> RUNNING      the agent fetching the script and starting the container
  RUNNING -> finished      the script in its container (as the agent reports it)
  finished -> CLI saw end  the report through Kafka, the API applying it, the CLI hearing of it
  CLI saw end -> exit      log remainder, outputs listing, JVM exit

"Submitted" and "CLI saw end" are when those lines reached stderr. The API's own time for the
POST (mean, from its /q/metrics, read on loopback before and after) splits the first stage: the
CLI's own share of a run is that stage minus the POST's server time, plus the last stage. Prints
each run and the medians, with each stage's share of the median total.
"""
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STAGES = ["cli start -> Submitted", "Submitted -> ASSIGNED", "ASSIGNED -> RUNNING", "RUNNING -> finished",
          "finished -> CLI saw end", "CLI saw end -> exit"]


def config():
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    with open(os.path.join(base, "rgrid", "config.json")) as f:
        c = json.load(f)
    return c["apiUrl"].rstrip("/"), c["apiKey"]


def get(url, key):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def epoch(instant):
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).timestamp()


def one_run():
    start = time.time()
    proc = subprocess.Popen([str(REPO / "rgrid"), "run", str(REPO / "examples/hello.py")],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = [(time.time(), line.rstrip("\n")) for line in proc.stderr]
    code = proc.wait()
    end = time.time()
    if code != 0:
        raise SystemExit("rgrid run exited %d:\n%s" % (code, "\n".join(l for _, l in lines)))
    ident = next(l.split()[1] for _, l in lines if l.startswith("Submitted "))
    submitted = next(t for t, l in lines if l.startswith("Submitted "))
    saw_end = next(t for t, l in lines if "SUCCEEDED" in l)
    return start, end, ident, submitted, saw_end


def stages(api, key, start, end, ident, submitted, saw_end):
    view = get("%s/api/v1/executions/%s" % (api, ident), key)
    at = {t["to"]: epoch(t["at"]) for t in get("%s/api/v1/executions/%s/transitions" % (api, ident), key)["items"]}
    points = [start, submitted, at["ASSIGNED"], at["RUNNING"], epoch(view["finishedAt"]), saw_end, end]
    return [round((b - a) * 1000) for a, b in zip(points, points[1:])], round((end - start) * 1000)


def post_seconds(api):
    """Sum and count of the API's POST /api/v1/executions timings (Micrometer's http_server_requests)."""
    total = count = 0.0
    with urllib.request.urlopen(api + "/q/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if 'method="POST"' in line and 'uri="/api/v1/executions"' in line:
                if line.startswith("http_server_requests_seconds_sum"):
                    total += float(line.rsplit(" ", 1)[1])
                elif line.startswith("http_server_requests_seconds_count"):
                    count += float(line.rsplit(" ", 1)[1])
    return total, count


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    api, key = config()
    for _ in range(2):
        one_run()
    rows = []
    sum0, count0 = post_seconds(api)
    for i in range(runs):
        parts, total = stages(api, key, *one_run())
        rows.append((parts, total))
        print("run %d: total %d ms | %s" % (i + 1, total, ", ".join("%s %d" % (s, p) for s, p in zip(STAGES, parts))))
    sum1, count1 = post_seconds(api)
    total = statistics.median(t for _, t in rows)
    print("\nmedian over %d runs: total %d ms" % (runs, total))
    if count1 > count0:
        post = 1000 * (sum1 - sum0) / (count1 - count0)
        first = statistics.median(p[0] for p, _ in rows)
        last = statistics.median(p[-1] for p, _ in rows)
        print("the API answering the POST: %.0f ms (mean); the CLI's own share: %.0f ms (first stage less that, "
              "plus the last)" % (post, first - post + last))
    print("| stage | median ms | share of the median total |")
    print("|---|---|---|")
    for n, name in enumerate(STAGES):
        m = statistics.median(p[n] for p, _ in rows)
        print("| %s | %d | %d %% |" % (name, m, round(100 * m / total)))


if __name__ == "__main__":
    main()
