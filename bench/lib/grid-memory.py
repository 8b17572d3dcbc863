#!/usr/bin/env python3
"""Memory of each component of a local grid, from /proc (Linux only).

    grid-memory.py DATA_DIR [--sample SECONDS --interval S]

Finds the grid's processes: every process whose command line names DATA_DIR (the supervisor,
PostgreSQL's postmaster, Kafka, the S3 server) and all their descendants (PostgreSQL's backends,
api-service, orchestrator-service, the worker-agents the orchestrator starts). Prints, per
component, the number of processes, RSS summed, and PSS summed (proportional set size: shared
pages split among the processes that share them, so PostgreSQL's shared buffers count once).
With --sample, samples every --interval seconds for SECONDS (or until SIGTERM) and prints each
component's peak.
"""
import os
import signal
import sys
import time

COMPONENTS = ["postgresql", "kafka", "s3", "api-service", "orchestrator", "worker-agent", "grid-supervisor"]


def read(path, binary=False):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data if binary else data.decode(errors="replace")
    except OSError:
        return None


def processes():
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = read("/proc/%s/stat" % entry)
        cmd = read("/proc/%s/cmdline" % entry, binary=True)
        if stat is None or cmd is None:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        comm = stat[stat.find("(") + 1:stat.rfind(")")]
        procs[int(entry)] = (ppid, comm, cmd.replace(b"\0", b" ").decode(errors="replace"))
    return procs


def classify(comm, cmd):
    if comm.startswith("postgres") or "/bin/postgres" in cmd or cmd.startswith("postgres:"):
        return "postgresql"
    if "kafka.Kafka" in cmd or "kafka/server.properties" in cmd:
        return "kafka"
    if "s3proxy" in cmd:
        return "s3"
    if "api-service" in cmd:
        return "api-service"
    if "orchestrator-service" in cmd:
        return "orchestrator"
    if "worker-agent" in cmd:
        return "worker-agent"
    if "local-grid" in cmd:
        return "grid-supervisor"
    return None


def kib(pid, field, path):
    text = read(path % pid)
    if not text:
        return 0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure(data_dir):
    procs = processes()
    roots = {pid for pid, (_, _, cmd) in procs.items() if data_dir in cmd and pid != os.getpid()}
    children = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    grid = set()
    stack = list(roots)
    while stack:
        pid = stack.pop()
        if pid in grid:
            continue
        grid.add(pid)
        stack.extend(children.get(pid, []))
    out = {c: [0, 0, 0] for c in COMPONENTS}
    for pid in grid:
        _, comm, cmd = procs[pid]
        component = classify(comm, cmd)
        if component is None:
            continue
        out[component][0] += 1
        out[component][1] += kib(pid, "VmRSS", "/proc/%d/status")
        out[component][2] += kib(pid, "Pss", "/proc/%d/smaps_rollup")
    return out


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    data_dir = os.path.abspath(sys.argv[1])
    seconds = 0.0
    interval = 0.5
    args = sys.argv[2:]
    while args:
        flag = args.pop(0)
        if flag == "--sample":
            seconds = float(args.pop(0))
        elif flag == "--interval":
            interval = float(args.pop(0))
        else:
            print("unknown option " + flag, file=sys.stderr)
            sys.exit(2)
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(True))
    peak = measure(data_dir)
    deadline = time.time() + seconds
    samples = 1
    while time.time() < deadline and not stopped:
        time.sleep(interval)
        now = measure(data_dir)
        samples += 1
        for c in COMPONENTS:
            for i in range(3):
                peak[c][i] = max(peak[c][i], now[c][i])
    label = "peak over %d samples" % samples if seconds > 0 else "one sample"
    print("| component | processes | RSS (MiB) | PSS (MiB) |   (%s)" % label)
    print("|---|---:|---:|---:|")
    total_rss = total_pss = 0
    for c in COMPONENTS:
        n, rss, pss = peak[c]
        total_rss += rss
        total_pss += pss
        print("| %s | %d | %.0f | %.0f |" % (c, n, rss / 1024, pss / 1024))
    print("| total | | %.0f | %.0f |" % (total_rss / 1024, total_pss / 1024))


if __name__ == "__main__":
    main()
