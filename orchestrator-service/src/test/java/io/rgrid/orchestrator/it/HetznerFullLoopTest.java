package io.rgrid.orchestrator.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.rgrid.hetzner.emulator.HetznerEmulator;
import io.rgrid.hetzner.emulator.LocalServerBoot;
import io.rgrid.hetzner.emulator.LocalSshd;
import io.rgrid.hetzner.emulator.ServerInfo;
import io.rgrid.hetzner.emulator.ServerLifecycleListener;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.testinfra.Requirements;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SharedServersResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The full loop with nothing but the Hetzner Cloud API emulated: queued work makes the autoscaler
 * ask the hetzner provider for a worker; the provider creates a server through the emulator's API
 * (with the bundled deploy/cloud-init/worker.yaml as user_data); the emulator "boots" it
 * ({@link LocalServerBoot}: the cloud-init equivalent and a real sshd on the server's own loopback
 * address, authorizing the key the provider registered); the real SSH bootstrap pins its host key,
 * pushes the worker-agent and its credentials and starts the agent as a plain process; its first
 * heartbeat makes the worker READY, it runs the execution, goes idle, and is drained and deleted
 * inside its (20 s) billing period's last 8 s, which stops its agent and its sshd.
 */
@QuarkusTest
@TestProfile(HetznerFullLoopTest.EmulatedCloud.class)
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "orch"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.ORCHESTRATOR)})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HetznerFullLoopTest extends EmulatedHetznerGridTest {

    static final Duration PERIOD = Duration.ofSeconds(20);
    static final Duration WINDOW = Duration.ofSeconds(8);

    public static class EmulatedCloud implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(EmulatedHetznerWithBoot.class));
        }
    }

    /** The emulator with real boot, a generated worker key, and the provider and bootstrap pointed at them. */
    public static class EmulatedHetznerWithBoot implements QuarkusTestResourceLifecycleManager {
        static final String TOKEN = "hz-loop-token-5e1f0c2d";
        static volatile HetznerEmulator emulator;
        static volatile LocalServerBoot boot;
        static volatile boolean skipped;
        static volatile Path dir;
        /**
         * Every server that reached running, kept after its deletion: an idle worker may be drained and deleted
         * within a second of its execution's end (when the end falls in its period's last 8 s), before the test
         * has read the emulator's listing.
         */
        static final List<ServerInfo> booted = new CopyOnWriteArrayList<>();

        @Override
        public Map<String, String> start() {
            if (Requirements.sshdMissing().isPresent()) {
                // Fails here under CI; elsewhere the test aborts, loudly, in EmulatedHetznerGridTest.connect.
                Requirements.skipping("sshd", Requirements.sshdMissing().get());
                skipped = true;
                return Map.of();
            }
            try {
                dir = Files.createTempDirectory("rgrid-hetzner-loop");
                Path key = dir.resolve("hetzner_worker.key");
                LocalSshd.keygen(key, "rgrid-workers");
                int sshPort = freePort();
                emulator = HetznerEmulator.builder().token(TOKEN).publicIpv4Prefix("127.0.100")
                        .bootDelays(Duration.ofMillis(300), Duration.ofMillis(300)).deleteDelay(Duration.ofMillis(100))
                        .build().start();
                Path servers = dir.resolve("servers");
                boot = new LocalServerBoot(emulator, servers, sshPort, 15);
                emulator.addListener(boot);
                emulator.addListener(new ServerLifecycleListener() {
                    @Override
                    public void onRunning(ServerInfo server) {
                        booted.add(server);
                    }
                });
                return settings(emulator.baseUrl(), key, sshPort, servers, dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * The orchestrator's settings for this grid: the hetzner provider at the emulator ({@code apiUrl}, pool
         * "loop"), SSH with {@code key} to each server's sshd at {@code sshPort}, the agent bootstrapped into the
         * server's directory under {@code servers} and started as a plain process, billing periods of 20 s.
         */
        static Map<String, String> settings(String apiUrl, Path key, int sshPort, Path servers, Path dir)
                throws IOException {
            String server = servers + "/{server-name}";
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Map<String, String> config = new HashMap<>();
            config.put("rgrid.orchestrator.provider", "hetzner");
            config.put("rgrid.orchestrator.hetzner.api-url", apiUrl);
            config.put("rgrid.orchestrator.hetzner.api-token", TOKEN);
            config.put("rgrid.orchestrator.hetzner.pool", "loop");
            config.put("rgrid.orchestrator.hetzner.ssh-key-path", key.toString());
            config.put("rgrid.orchestrator.hetzner.ssh-via", "public");
            config.put("rgrid.orchestrator.hetzner.ssh-port", Integer.toString(sshPort));
            config.put("rgrid.orchestrator.hetzner.poll-interval", "200ms");
            config.put("rgrid.orchestrator.hetzner.bootstrap-budget", "4m");
            config.put("rgrid.orchestrator.bootstrap.ssh-user", System.getProperty("user.name"));
            config.put("rgrid.orchestrator.bootstrap.known-hosts", dir.resolve("worker_known_hosts").toString());
            config.put("rgrid.orchestrator.bootstrap.agent-distribution",
                    SharedServers.repoRoot().resolve("worker-agent/target/quarkus-app").toString());
            config.put("rgrid.orchestrator.bootstrap.remote-agent-dir", server + "/worker-agent");
            config.put("rgrid.orchestrator.bootstrap.remote-env-file", server + "/etc/worker.env");
            config.put("rgrid.orchestrator.bootstrap.agent-user", System.getProperty("user.name"));
            config.put("rgrid.orchestrator.bootstrap.agent-port", Integer.toString(freePort()));
            config.put("rgrid.orchestrator.bootstrap.agent-address", "ssh");
            // The stand-ins of `cloud-init status --wait` and `systemctl restart rgrid-worker`.
            config.put("rgrid.orchestrator.bootstrap.ready-command",
                    "test -f " + server + "/" + LocalServerBoot.CLOUD_INIT_DONE);
            config.put("rgrid.orchestrator.bootstrap.start-command", "cd {agent-dir} && set -a && . {env-file} "
                    + "&& set +a && { nohup " + java + " -Xmx128m -jar {agent-dir}/quarkus-run.jar > {agent-dir}.log "
                    + "2>&1 < /dev/null & echo $! > " + server + "/" + LocalServerBoot.AGENT_PID_FILE + "; }");
            config.put("rgrid.orchestrator.bootstrap.agent-env.RGRID_WORKER_HEARTBEAT_INTERVAL", "2s");
            config.put("rgrid.orchestrator.bootstrap.agent-env.RGRID_WORKER_DRAIN_TIMEOUT", "5s");
            config.put("rgrid.orchestrator.bootstrap.agent-env.RGRID_WORKER_SLOTS", "2");
            config.put("rgrid.orchestrator.bootstrap.agent-env.RGRID_WORKER_RUNTIME", "process");
            config.put("rgrid.orchestrator.bootstrap.agent-env.RGRID_WORKER_ALLOW_PROCESS_RUNTIME", "true");
            config.put("rgrid.orchestrator.scaling.billing-period", PERIOD.toSeconds() + "s");
            config.put("rgrid.orchestrator.scaling.terminate-window", WINDOW.toSeconds() + "s");
            config.put("rgrid.orchestrator.scaling.max-workers", "1");
            config.put("rgrid.orchestrator.health.boot-timeout", "5m");
            // A just-started agent on a loaded 2-core CI machine can take seconds to answer its first assignment.
            config.put("rgrid.orchestrator.dispatch.ack-timeout", "30s");
            return config;
        }

        @Override
        public void stop() {
            if (boot != null) {
                boot.close();
            }
            if (emulator != null) {
                emulator.stop();
            }
            if (dir != null) {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    System.err.println("cannot delete " + dir + ": " + e.getMessage());
                }
            }
        }

        static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        }
    }

    @Test
    void aQueuedExecutionGetsAHetznerServerBootstrappedOverSshThatRunsItAndIsDeletedWhenIdle() throws Exception {
        Instant start = Instant.now();
        UUID id = Ids.newExecutionId();
        grid.submit(id, "project-hetzner", GridEvents.spec(0.5, 256, 3), "print('ran on a hetzner worker')\n");

        ExecutionStatusChanged done = fixture.awaitStatus(id, s -> s.state().isTerminal(), Duration.ofMinutes(5));
        assertThat(done.state()).as("terminal state of the execution").isEqualTo(ExecutionState.SUCCEEDED);
        String workerId = done.reportedBy();
        System.out.printf("execution succeeded on %s %d ms after submission%n", workerId,
                Duration.between(start, Instant.now()).toMillis());

        // The server behind the worker: created through the API, booted into a real sshd.
        assertThat(EmulatedHetznerWithBoot.booted).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo(workerId);
            assertThat(s.labels()).containsEntry("managed-by", "rgrid").containsEntry("pool", "loop");
            assertThat(s.publicIpv4()).startsWith("127.0.100.");
            assertThat(s.userData()).startsWith("#cloud-config").contains("rgrid-worker.service")
                    .doesNotContain(config.storage().secretKey());
        });
        Path serverDir = EmulatedHetznerWithBoot.boot.serverDir(workerId);
        // Written by the bootstrap's start command; the agent may already be stopped (see booted).
        long agentPid = Long.parseLong(Files.readString(serverDir.resolve(LocalServerBoot.AGENT_PID_FILE)).strip());

        // Idle: drained and deleted inside the last WINDOW of its billing period; the server, its agent and sshd go.
        fixture.awaitDeleted(List.of(workerId), start);
        fixture.assertDrainedBeforeDeletedNeverLost(workerId);
        await().atMost(Duration.ofSeconds(30)).until(() -> EmulatedHetznerWithBoot.emulator.servers().stream()
                .noneMatch(s -> s.name().equals(workerId)));
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(agentPid).map(p -> !p.isAlive()).orElse(true));
        await().atMost(Duration.ofSeconds(30)).until(() -> EmulatedHetznerWithBoot.boot.running() == 0);
    }
}
