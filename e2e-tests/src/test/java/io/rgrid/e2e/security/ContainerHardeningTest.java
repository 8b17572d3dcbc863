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
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hostile script ({@code security/hostile.py}), run by a real worker-agent in a Docker container
 * with a 256 MiB limit, tries to break out: write the root filesystem (also where uid 65534 could
 * write by permissions, which must fail with EROFS), gain privileges and capabilities, reach the
 * local grid's services through every address of the host, fork-bomb, allocate past its memory
 * limit, reach the Docker socket, read /etc/shadow and the agent's own files and credentials on
 * the host. Every attempt must fail (the script reports each as one {@code CHECK} line), and the
 * worker must survive and run the next execution. It runs twice: with network {@code none} (also:
 * no internet, no name resolution, no interface) and on the default network, Docker's bridge in the
 * local grid (egress policy off): there the grid is out of reach because everything of it listens on
 * loopback only, which the test first shows answering from here (docs/security.md). (worker-agent's
 * DockerRuntimeTest checks the container settings one by one; this is the whole path, through the
 * API and a real agent.)
 */
@ExtendWith(GridExtension.class)
@Order(SuiteOrder.SECURITY)
class ContainerHardeningTest {

    static final String HOSTILE = resource("/security/hostile.py");

    @Test
    void everyEscapeAttemptFailsWithNetworkNoneAndTheWorkerRunsTheNextExecution(KillableGrid grid) throws IOException {
        ProjectKeys.Key key = ProjectKeys.create(grid, "hostile-" + Long.toString(System.nanoTime(), 36));
        JsonNode hostile = runHostile(grid, key, "none", 17);
        // The worker survived: it is still registered and its process is alive, and it runs the next execution.
        String worker = hostile.path("workerId").asText();
        assertThat(grid.agents().live()).as("the agent that ran the hostile script is still running")
                .anyMatch(agent -> agent.getKey().equals(worker));
        JsonNode next = ProjectKeys.runToEnd(grid, key.secret(), "print('still standing')\n", "{\"network\": \"none\"}", Duration.ofMinutes(3));
        assertThat(next.path("state").asText()).as(next.toString()).isEqualTo("SUCCEEDED");
        JsonNode workers = new Api(grid.apiUrl()).getPatiently("/api/v1/workers", grid.adminKey(), Duration.ofMinutes(1)).json();
        assertThat(workers.toString()).as("the hostile script's worker is still listed").contains(worker);
    }

    @Test
    void everyEscapeAttemptFailsOnTheDefaultNetwork(KillableGrid grid) throws IOException {
        ProjectKeys.Key key = ProjectKeys.create(grid, "hostile-net-" + Long.toString(System.nanoTime(), 36));
        runHostile(grid, key, "default", 14);
    }

    /** Runs the hostile script; every check must be reported and blocked. */
    private static JsonNode runHostile(KillableGrid grid, ProjectKeys.Key key, String network, int checkCount) throws IOException {
        Api api = new Api(grid.apiUrl());
        List<String> agentLogs = grid.agents().knownWorkerIds();
        String hostFile = grid.workersDir().resolve(agentLogs.isEmpty() ? "none.log" : agentLogs.getFirst() + ".log").toString();
        List<Integer> ports = grid.listeningPorts();
        // Positive control: each port answers here on loopback, so "unreachable" from the container means something.
        for (int port : ports) {
            awaitAnswer(port);
        }
        String args = Api.JSON.writeValueAsString(List.of(network, hostFile,
                ports.stream().map(String::valueOf).collect(Collectors.joining(",")), String.join(",", hostAddresses())));
        // The default network: no "network" in the spec at all.
        String spec = """
                {%s"memory": "256m", "cpus": 1, "timeoutSeconds": 180, "args": %s}""".formatted(
                network.equals("none") ? "\"network\": \"none\", " : "", args);
        JsonNode hostile = ProjectKeys.runToEnd(grid, key.secret(), HOSTILE, spec, Duration.ofMinutes(5));
        String id = hostile.path("id").asText();
        String log = api.getPatiently("/api/v1/executions/" + id + "/logs", key.secret(), Duration.ofMinutes(1)).text();
        System.out.println("[security] hostile script (network " + network + ") " + hostile.path("state").asText() + " on "
                + hostile.path("workerId").asText() + ":\n" + log);
        // The script runs to its end: only its allocating child was killed for memory, and the
        // script carried on and exited 0. So it SUCCEEDED, and its log says what the limit killed:
        // on every machine, from the kernel's own record where Docker never flags the kill.
        assertThat(log).contains("hostile script done");
        assertThat(hostile.path("state").asText()).as(hostile.toString()).isEqualTo("SUCCEEDED");
        assertThat(log).contains("a process of this run was killed for exceeding the memory limit of 256 MiB (--memory 256m");
        JsonNode net = Api.JSON.readTree(log.lines().filter(l -> l.startsWith("NETWORK ")).findFirst().orElseThrow().substring(8));
        if (network.equals("default")) {
            assertThat(net.path("up").size()).as("the default network really is a network: " + net).isPositive();
            assertThat(net.path("gateway").isTextual()).as("a route out: " + net).isTrue();
        }

        Map<String, JsonNode> checks = new LinkedHashMap<>();
        for (String line : log.split("\n")) {
            if (line.startsWith("CHECK ")) {
                JsonNode check = Api.JSON.readTree(line.substring(6));
                checks.put(check.path("name").asText(), check);
            }
        }
        assertThat(checks).as("every attempt reported\n" + log).hasSize(checkCount);
        List<String> allowed = new ArrayList<>();
        checks.forEach((name, check) -> {
            if (!check.path("blocked").asBoolean()) {
                allowed.add(name + ": " + check.path("detail").asText());
            }
        });
        assertThat(allowed).as("attempts that were NOT blocked").isEmpty();
        assertThat(checks.get("write the root filesystem where uid 65534 may (EROFS)").path("detail").asText())
                .contains("EROFS");
        assertThat(log).containsPattern("forked \\d+ before the limit");
        int forked = Integer.parseInt(log.replaceAll("(?s).*forked (\\d+) before the limit.*", "$1"));
        assertThat(forked).as("the pids limit stops a fork bomb").isLessThan(512);
        assertThat(log).doesNotContain(grid.s3SecretKey(), grid.adminKey(), KillableGrid.FAKE_HETZNER_TOKEN);
        return hostile;
    }

    /** Waits until 127.0.0.1:port accepts (an agent the grid just started may not listen yet). */
    private static void awaitAnswer(int port) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 3000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the grid's port " + port + " does not answer on loopback: " + e, e);
                }
                Api.sleep(500);
            }
        }
    }

    /** This host's IPv4 addresses other than loopback: what a container could try the grid's ports on. */
    private static List<String> hostAddresses() throws IOException {
        return NetworkInterface.networkInterfaces().filter(ContainerHardeningTest::isUp)
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .map(a -> a.getHostAddress()).distinct().toList();
    }

    private static boolean isUp(NetworkInterface nic) {
        try {
            return nic.isUp();
        } catch (IOException e) {
            return false;
        }
    }

    private static String resource(String name) {
        try (InputStream in = ContainerHardeningTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the test classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
