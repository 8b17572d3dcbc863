# A hostile script (e2e-tests ContainerHardeningTest): every attempt to break out must fail, each
# reported as one CHECK line. Arguments: the network it was given ("none" or "default"), a file of
# the agent's on the host, the local grid's ports (comma-separated), this host's IPv4 addresses.
import errno, json, os, socket, subprocess, sys, time

network, host_file, ports, host_addresses = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4].split(",")

def check(name, attempt):
    try:
        detail = attempt()
        print("CHECK", json.dumps({"name": name, "blocked": False, "detail": str(detail)[:300]}))
    except Exception as e:
        print("CHECK", json.dumps({"name": name, "blocked": True, "detail": type(e).__name__ + ": " + str(e)[:200]}))

def must(bad, detail):
    # For checks that observe rather than attempt: what was seen is reported as
    # allowed when it is bad, and as blocked (raised) when it is safe.
    if bad:
        return detail
    raise PermissionError(detail)

def write_root():
    open("/etc/rgrid-pwned", "w").write("x")
    return "wrote /etc/rgrid-pwned"

def write_usr():
    open("/usr/bin/rgrid-pwned", "w").write("x")
    return "wrote /usr/bin/rgrid-pwned"

def write_where_nobody_may():
    # /etc and /usr are root's: uid 65534 fails there even on a writable root (EACCES). A directory
    # of the root file system that this user may write by its permissions fails only because the
    # file system is read-only: EROFS, nothing else, proves it.
    places = [d for d in ("/var/tmp", "/var/lock", "/run/lock") if os.path.isdir(d)
              and os.stat(d).st_mode & 0o002 and os.stat(d).st_dev == os.stat("/").st_dev]
    if not places:
        return "no world-writable directory on the root file system to try (the check proves nothing)"
    for d in places:
        try:
            open(os.path.join(d, "rgrid-pwned"), "w").write("x")
            return "wrote %s/rgrid-pwned" % d
        except OSError as e:
            if e.errno != errno.EROFS:
                return "%s refused with %s, not EROFS: the root file system may be writable" % (d, errno.errorcode.get(e.errno))
    raise PermissionError("EROFS in %s" % places)

def become_root():
    os.setuid(0)
    return "setuid(0) worked, uid now %d" % os.getuid()

def capabilities():
    status = open("/proc/self/status").read()
    caps = {l.split(":")[0]: l.split(":")[1].strip() for l in status.splitlines() if l.startswith("Cap")}
    nnp = [l for l in status.splitlines() if l.startswith("NoNewPrivs")]
    return must(caps.get("CapEff") != "0000000000000000" or caps.get("CapPrm") != "0000000000000000"
                or caps.get("CapBnd") != "0000000000000000" or nnp != ["NoNewPrivs:\t1"],
                "no capabilities, no_new_privs set: %s %s" % (caps, nnp))

def chown_file():
    open("/tmp/x", "w").write("x")
    os.chown("/tmp/x", 0, 0)
    return "chown to root worked"

def mount_proc():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) != 0:
        raise OSError(ctypes.get_errno(), "mount refused")
    return "mounted a tmpfs"

def network_out():
    socket.create_connection(("1.1.1.1", 53), timeout=3)
    return "connected to 1.1.1.1:53"

def network_dns():
    return socket.gethostbyname("example.com")

def gateway():
    for line in open("/proc/net/route").read().splitlines()[1:]:
        f = line.split()
        if f[1] == "00000000":
            return socket.inet_ntoa(int(f[2], 16).to_bytes(4, "little"))
    return None

def interfaces_up():
    # Hosts that load the ipip/sit/gre modules give every new namespace their fallback devices
    # (tunl0, sit0, ...): present but down, they carry nothing. What matters is an interface that is up.
    names = sorted(os.listdir("/sys/class/net"))
    return [n for n in names if n != "lo" and int(open("/sys/class/net/%s/flags" % n).read(), 16) & 1], names

def interfaces():
    up, names = interfaces_up()
    return must(up, "interfaces up besides lo: %s (all: %s)" % (up, names))

def grid_services():
    # Every port of the local grid (PostgreSQL, Kafka, S3, API, orchestrator, agents) on every
    # address of the host a container can route to: they listen on loopback only.
    targets = sorted(set(a for a in host_addresses + [gateway() or "172.17.0.1"] if a))
    reached = []
    for address in targets:
        for port in ports:
            try:
                socket.create_connection((address, int(port)), timeout=1).close()
                reached.append("%s:%s" % (address, port))
            except OSError:
                pass
    return must(reached, "none of ports %s on %s answers" % (ports, targets))

def docker_socket():
    s = socket.socket(socket.AF_UNIX)
    s.connect("/var/run/docker.sock")
    return "connected to the Docker socket"

def shadow():
    return open("/etc/shadow").read()[:40]

def read_host_file():
    return open(host_file).read()[:80]

def agent_credentials():
    found = [k for k in os.environ if k.startswith(("RGRID_", "QUARKUS_", "HETZNER", "MINIO", "API_", "AWS"))]
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                env = open("/proc/%s/environ" % pid, "rb").read().decode(errors="replace")
                found += [e.split("=")[0] for e in env.split("\0") if e.startswith(("RGRID_", "HETZNER", "MINIO"))]
            except OSError:
                pass
    return must(found, "no agent, storage or cloud credentials in reach: %s" % sorted(os.environ))

def fork_bomb():
    children = []
    try:
        for i in range(5000):
            pid = os.fork()
            if pid == 0:
                try:  # exec at once: a tiny sleep, not a copy of the interpreter, so memory is not what stops the bomb
                    os.execv("/bin/sleep", ["sleep", "20"])
                finally:
                    os._exit(0)
            children.append(pid)
        return "forked %d processes" % len(children)
    finally:
        for pid in children:
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except OSError:
                pass
        print("forked", len(children), "before the limit", flush=True)

def memory():
    child = subprocess.run([sys.executable, "-c",
        "b = []\nfor i in range(64):\n    b.append(bytearray(16 * 1024 * 1024))\nprint('allocated 1 GiB')"],
        capture_output=True, text=True)
    if child.returncode == 0:
        return "allocated 1 GiB: " + child.stdout
    raise MemoryError("the allocating process ended with %d (killed: %s)" % (child.returncode, child.returncode in (-9, 137)))

print("NETWORK", json.dumps({"network": network, "up": interfaces_up()[0], "gateway": gateway()}))
check("write the root filesystem (/etc)", write_root)
check("write the root filesystem (/usr/bin)", write_usr)
check("write the root filesystem where uid 65534 may (EROFS)", write_where_nobody_may)
check("become root (setuid 0)", become_root)
check("hold capabilities or allow new privileges", capabilities)
check("chown a file to root", chown_file)
check("mount a filesystem", mount_proc)
if network == "none":
    check("reach the internet with network none", network_out)
    check("resolve a name with network none", network_dns)
    check("have a network interface besides lo", interfaces)
check("reach the grid's services through the host's addresses", grid_services)
check("connect to the Docker socket", docker_socket)
check("read /etc/shadow", shadow)
check("read the agent's log on the host", read_host_file)
check("see the agent's or the cloud's credentials", agent_credentials)
check("fork without limit", fork_bomb)
check("allocate past the memory limit", memory)
print("hostile script done")
