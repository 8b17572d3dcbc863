package io.rgrid.e2e.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.e2e.grid.Api;
import io.rgrid.e2e.grid.GridExtension;
import io.rgrid.e2e.grid.KillableGrid;
import io.rgrid.e2e.grid.SuiteOrder;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hostile script, run by a real worker-agent in a Docker container with network {@code none}
 * and a 256 MiB limit, tries to break out: write the root filesystem, gain privileges and
 * capabilities, reach the network, fork-bomb, allocate past its memory limit, reach the Docker
 * socket, read /etc/shadow and the agent's own files and credentials on the host. Every attempt
 * must fail (the script reports each as one {@code CHECK} line), and the worker must survive and
 * run the next execution. (worker-agent's DockerRuntimeTest checks the container settings one by
 * one; this is the whole path, through the API and a real agent.)
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.SECURITY)
class ContainerHardeningTest {

    static final String HOSTILE = """
            import json, os, socket, subprocess, sys, time

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

            def become_root():
                os.setuid(0)
                return "setuid(0) worked, uid now %d" % os.getuid()

            def capabilities():
                status = open("/proc/self/status").read()
                caps = {l.split(":")[0]: l.split(":")[1].strip() for l in status.splitlines() if l.startswith("Cap")}
                nnp = [l for l in status.splitlines() if l.startswith("NoNewPrivs")]
                return must(caps.get("CapEff") != "0000000000000000" or caps.get("CapPrm") != "0000000000000000"
                            or caps.get("CapBnd") != "0000000000000000" or nnp != ["NoNewPrivs:\\t1"],
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
                s = socket.create_connection(("1.1.1.1", 53), timeout=3)
                return "connected to 1.1.1.1:53"

            def network_dns():
                return socket.gethostbyname("example.com")

            def network_host():
                gw = sys.argv[1]
                s = socket.create_connection(("172.17.0.1", int(gw)), timeout=3)
                return "connected to the host's API port through the bridge gateway"

            def interfaces():
                # Hosts that load the ipip/sit/gre modules give every new namespace their fallback
                # devices (tunl0, sit0, ...): present but down, they carry nothing. What matters is an
                # interface that is up besides lo.
                names = sorted(os.listdir("/sys/class/net"))
                up = [n for n in names if n != "lo" and int(open("/sys/class/net/%s/flags" % n).read(), 16) & 1]
                return must(up, "interfaces up besides lo: %s (all: %s)" % (up, names))

            def docker_socket():
                s = socket.socket(socket.AF_UNIX)
                s.connect("/var/run/docker.sock")
                return "connected to the Docker socket"

            def shadow():
                return open("/etc/shadow").read()[:40]

            def host_file():
                return open(sys.argv[2]).read()[:80]

            def agent_credentials():
                found = [k for k in os.environ if k.startswith(("RGRID_", "QUARKUS_", "HETZNER", "MINIO", "API_", "AWS"))]
                for pid in os.listdir("/proc"):
                    if pid.isdigit():
                        try:
                            env = open("/proc/%s/environ" % pid, "rb").read().decode(errors="replace")
                            found += [e.split("=")[0] for e in env.split("\\0") if e.startswith(("RGRID_", "HETZNER", "MINIO"))]
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
                    "b = []\\nfor i in range(64):\\n    b.append(bytearray(16 * 1024 * 1024))\\nprint('allocated 1 GiB')"],
                    capture_output=True, text=True)
                if child.returncode == 0:
                    return "allocated 1 GiB: " + child.stdout
                raise MemoryError("the allocating process ended with %d (killed: %s)" % (child.returncode, child.returncode in (-9, 137)))

            check("write the root filesystem (/etc)", write_root)
            check("write the root filesystem (/usr/bin)", write_usr)
            check("become root (setuid 0)", become_root)
            check("hold capabilities or allow new privileges", capabilities)
            check("chown a file to root", chown_file)
            check("mount a filesystem", mount_proc)
            check("reach the internet with network none", network_out)
            check("resolve a name with network none", network_dns)
            check("reach the host with network none", network_host)
            check("have a network interface besides lo", interfaces)
            check("connect to the Docker socket", docker_socket)
            check("read /etc/shadow", shadow)
            check("read the agent's log on the host", host_file)
            check("see the agent's or the cloud's credentials", agent_credentials)
            check("fork without limit", fork_bomb)
            check("allocate past the memory limit", memory)
            print("hostile script done")
            """;

    @Test
    void everyEscapeAttemptFailsAndTheWorkerRunsTheNextExecution(KillableGrid grid) throws IOException {
        ProjectKeys.Key key = ProjectKeys.create(grid, "hostile-" + Long.toString(System.nanoTime(), 36));
        Api api = new Api(grid.apiUrl());
        List<String> agentLogs = grid.knownWorkerIds();
        String hostFile = grid.workersDir().resolve(agentLogs.isEmpty() ? "none.log" : agentLogs.getFirst() + ".log").toString();
        String port = grid.apiUrl().substring(grid.apiUrl().lastIndexOf(':') + 1);
        String spec = """
                {"network": "none", "memory": "256m", "cpus": 1, "timeoutSeconds": 180, "args": ["%s", "%s"]}""".formatted(port, hostFile);
        JsonNode hostile = ProjectKeys.runToEnd(grid, key.secret(), HOSTILE, spec, Duration.ofMinutes(5));
        String id = hostile.path("id").asText();
        String log = api.getPatiently("/api/v1/executions/" + id + "/logs", key.secret(), Duration.ofMinutes(1)).text();
        System.out.println("[security] hostile script " + hostile.path("state").asText() + " on " + hostile.path("workerId").asText()
                + ":\n" + log);
        // The script runs to its end: only its allocating child was killed for memory, and the
        // script carried on and exited 0. So it SUCCEEDED, and its log says what the limit killed:
        // on every machine, from the kernel's own record where Docker never flags the kill.
        assertThat(log).contains("hostile script done");
        assertThat(hostile.path("state").asText()).as(hostile.toString()).isEqualTo("SUCCEEDED");
        assertThat(log).contains("a process of this run was killed for exceeding the memory limit of 256 MiB (--memory 256m");

        Map<String, JsonNode> checks = new LinkedHashMap<>();
        for (String line : log.split("\n")) {
            if (line.startsWith("CHECK ")) {
                JsonNode check = Api.JSON.readTree(line.substring(6));
                checks.put(check.path("name").asText(), check);
            }
        }
        assertThat(checks).as("every attempt reported\n" + log).hasSize(16);
        List<String> allowed = new ArrayList<>();
        checks.forEach((name, check) -> {
            if (!check.path("blocked").asBoolean()) {
                allowed.add(name + ": " + check.path("detail").asText());
            }
        });
        assertThat(allowed).as("attempts that were NOT blocked").isEmpty();
        assertThat(log).containsPattern("forked \\d+ before the limit");
        int forked = Integer.parseInt(log.replaceAll("(?s).*forked (\\d+) before the limit.*", "$1"));
        assertThat(forked).as("the pids limit stops a fork bomb").isLessThan(512);
        assertThat(log).doesNotContain(grid.s3SecretKey(), grid.adminKey(), KillableGrid.FAKE_HETZNER_TOKEN);

        // The worker survived: it is still registered and its process is alive, and it runs the next execution.
        String worker = hostile.path("workerId").asText();
        assertThat(grid.liveAgents()).as("the agent that ran the hostile script is still running")
                .anyMatch(agent -> agent.getKey().equals(worker));
        JsonNode next = ProjectKeys.runToEnd(grid, key.secret(), "print('still standing')\n", "{\"network\": \"none\"}", Duration.ofMinutes(3));
        assertThat(next.path("state").asText()).as(next.toString()).isEqualTo("SUCCEEDED");
        JsonNode workers = api.getPatiently("/api/v1/workers", grid.adminKey(), Duration.ofMinutes(1)).json();
        assertThat(workers.toString()).as("the hostile script's worker is still listed").contains(worker);
    }
}
