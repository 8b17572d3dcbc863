package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.hetzner.emulator.LocalSshd;
import io.rgrid.model.Ids;
import io.rgrid.model.Topics;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.orchestrator.kafka.WorkerLogin;
import io.rgrid.orchestrator.kafka.WorkerLogins;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.BootstrapException;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.Target;
import io.rgrid.platform.kafkaidentity.KafkaIdentity;
import io.rgrid.testinfra.Requirements;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The SSH bootstrap against a real OpenSSH server on 127.0.0.1 (its own host key, config and
 * authorized_keys, run as the current user) and a real worker-agent started by the bootstrap's
 * start command as a plain process, whose first heartbeat must reach the shared Kafka.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshWorkerBootstrapTest {

    private Path tmp;

    private final List<LocalSshd> sshds = new ArrayList<>();
    private final List<Path> agentPidFiles = new ArrayList<>();
    private Path clientKey;

    @BeforeAll
    void requireSshd() throws IOException {
        tmp = Files.createTempDirectory("rgrid-ssh-bootstrap-test");
        Requirements.sshd();
    }

    @AfterAll
    void stopEverything() throws IOException {
        for (Path pidFile : agentPidFiles) {
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readString(pidFile).strip());
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.destroy();
                    p.onExit().orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> {
                        p.destroyForcibly();
                        return p;
                    }).join();
                });
            }
        }
        sshds.forEach(LocalSshd::close);
        if (tmp != null) {
            try (var walk = Files.walk(tmp)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private Path clientKey() throws IOException {
        if (clientKey == null) {
            clientKey = tmp.resolve("client/hetzner_worker.key");
            Files.createDirectories(clientKey.getParent());
            LocalSshd.keygen(clientKey, "rgrid-workers");
        }
        return clientKey;
    }

    private LocalSshd sshd(String name, int port) throws IOException {
        LocalSshd sshd = LocalSshd.start(tmp.resolve("sshd-" + name), "127.0.0.1", port,
                List.of(Files.readString(Path.of(clientKey() + ".pub")).strip()));
        sshds.add(sshd);
        return sshd;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private SshWorkerBootstrap.Settings settings(String readyCommand, String startCommand, Duration connectTimeout,
                                                 Path key, String topicPrefix, int agentPort) {
        Servers s = SharedServers.get();
        Path remote = tmp.resolve("remote/{server-name}");
        return new SshWorkerBootstrap.Settings(key, System.getProperty("user.name"), tmp.resolve("state/worker_known_hosts"),
                SharedServers.repoRoot().resolve("worker-agent/target/quarkus-app"), remote + "/worker-agent",
                remote + "/etc/worker.env", System.getProperty("user.name"), agentPort, true, readyCommand, startCommand,
                agentKafkaEnv(s, topicPrefix), Path.of(s.kafka().caFile()), Map.of("RGRID_WORKER_HEARTBEAT_INTERVAL", "2s", "RGRID_WORKER_ALLOW_PROCESS_RUNTIME", "true",
                        "RGRID_WORKER_RUNTIME", "process", "RGRID_WORKER_WORK_DIR", remote + "/work"),
                connectTimeout, Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(20),
                Duration.ofSeconds(30));
    }

    /**
     * The worker holds no object-store key (it gets presigned URLs with each assignment): the
     * store's secret key is in none of the files the bootstrap left on the server, nor in the
     * running agent's environment or command line, and its env file sets no store setting.
     */
    private static void assertNoStoreKey(Path server) throws IOException {
        String secret = SharedServers.get().s3SecretKey();
        List<Path> places = new ArrayList<>();
        try (var files = Files.walk(server)) {
            files.filter(Files::isRegularFile).forEach(places::add);
        }
        String pid = Files.readString(server.resolve("worker-agent.pid")).strip();
        places.add(Path.of("/proc", pid, "environ"));
        places.add(Path.of("/proc", pid, "cmdline"));
        for (Path place : places) {
            assertThat(new String(Files.readAllBytes(place), StandardCharsets.ISO_8859_1))
                    .as("%s holds the store's secret key", place).doesNotContain(secret);
        }
        assertThat(places).hasSizeGreaterThan(3);
        assertThat(Files.readString(server.resolve("etc/worker.env"))).doesNotContain("RGRID_STORAGE_")
                .doesNotContain("MINIO_");
    }

    /** The production start command's stand-in: the agent as a plain background process, as the unit would run it. */
    static String plainProcessStart() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Like systemctl restart: a running agent of this server is stopped first.
        String stopOld = "if [ -f {agent-dir}.pid ]; then kill \"$(cat {agent-dir}.pid)\" 2>/dev/null; "
                + "while kill -0 \"$(cat {agent-dir}.pid)\" 2>/dev/null; do sleep 0.2; done; fi; ";
        return stopOld + "cd {agent-dir} && set -a && . {env-file} && set +a && { nohup " + java
                + " -Xmx128m -jar {agent-dir}/quarkus-run.jar > {agent-dir}.log 2>&1 < /dev/null & echo $! > {agent-dir}.pid; }";
    }

    @Test
    void bootstrapsAServerWhoseAgentHeartbeatsWithAPinnedHostKeyAndAPrivateEnvFile() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(SharedServers.repoRoot().resolve(
                "worker-agent/target/quarkus-app/quarkus-run.jar")), "build worker-agent first");
        LocalSshd sshd = sshd("happy", freePort());
        String prefix = "hzboot-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        // The control plane creates the topics (agents create none and the broker auto-creates none).
        TestKafka.createTopics(SharedServers.get().kafka(), prefix);
        int agentPort = freePort();
        SshWorkerBootstrap bootstrap = new SshWorkerBootstrap(settings(
                "test -d " + tmp, plainProcessStart(), Duration.ofSeconds(20), clientKey(), prefix, agentPort));
        String workerId = Ids.newWorkerId();
        String token = "tok-" + UUID.randomUUID();
        // Its own Kafka login, as the orchestrator makes it (a super user's admin call on the test broker).
        WorkerLogins logins = new WorkerLogins(KafkaIdentity.SECURITY_PROTOCOL, prefix,
                SharedServers.get().kafka().admin(), Duration.ofSeconds(20));
        WorkerLogin login = logins.issue(workerId).orElseThrow();
        Target target = new Target(workerId, 101, workerId, token, "127.0.0.1", sshd.port(), null, null, login);
        Path server = tmp.resolve("remote/" + workerId);
        agentPidFiles.add(server.resolve("worker-agent.pid"));

        try (KafkaConsumer<String, byte[]> heartbeats = heartbeatConsumer(prefix)) {
            long start = System.nanoTime();
            bootstrap.bootstrap(target, Duration.ofMinutes(3));
            System.out.printf("bootstrap took %d ms%n", (System.nanoTime() - start) / 1_000_000);

            Path env = server.resolve("etc/worker.env");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env))).isEqualTo("rw-------");
            assertThat(Files.readString(env)).contains("RGRID_WORKER_ID='" + workerId + "'")
                    .contains("RGRID_WORKER_TOKEN='" + token + "'")
                    .contains("QUARKUS_HTTP_PORT='" + agentPort + "'")
                    .as("the worker's own Kafka login, with the broker's CA copied beside the env file")
                    .contains("RGRID_KAFKA_USERNAME='" + workerId + "'")
                    .contains("RGRID_KAFKA_PASSWORD='" + login.password() + "'")
                    .contains("RGRID_KAFKA_CA_FILE='" + server.resolve("etc/kafka-ca.pem") + "'");
            assertThat(server.resolve("etc/kafka-ca.pem")).hasSameTextualContentAs(Path.of(SharedServers.get().kafka().caFile()));
            assertThat(server.resolve("worker-agent/quarkus-run.jar")).isRegularFile();
            assertThat(server.resolve("worker-agent.upload.tar.gz")).doesNotExist();
            assertThat(Files.readString(bootstrap.pins().file()))
                    .contains("[127.0.0.1]:" + sshd.port() + " " + sshd.hostPublicKey().split(" ")[0] + " "
                            + sshd.hostPublicKey().split(" ")[1] + " rgrid-server-id=101 " + workerId);

            WorkerHeartbeat first = awaitHeartbeat(heartbeats, workerId, Duration.ofMinutes(3), server);
            assertThat(first.address()).isEqualTo("http://127.0.0.1:" + agentPort);
            assertNoStoreKey(server);
        }
        // A second bootstrap of the same server (a retry) finds the pinned key and replaces the agent's files.
        bootstrap.bootstrap(target, Duration.ofMinutes(2));
        logins.revoke(workerId);
    }

    @Test
    void aPinnedHostKeyThatChangesIsRefused() throws Exception {
        int port = freePort();
        LocalSshd sshd = sshd("rekeyed", port);
        SshWorkerBootstrap bootstrap = new SshWorkerBootstrap(settings("echo 'cloud-init: not done' >&2; exit 1",
                "true", Duration.ofSeconds(20), clientKey(), "unused.", 1));
        Target target = new Target("rgrid-worker-rekey1", 202, "rgrid-worker-rekey1", "secret-token-202", "127.0.0.1",
                port, null);
        // First contact pins the key; the ready step then fails and names itself and the remote's words.
        assertThatThrownBy(() -> bootstrap.bootstrap(target, Duration.ofSeconds(60)))
                .isInstanceOfSatisfying(BootstrapException.class, e -> {
                    assertThat(e.step()).isEqualTo(SshWorkerBootstrap.READY);
                    assertThat(e.getMessage()).contains("exited with 1").contains("cloud-init: not done")
                            .doesNotContain("secret-token-202");
                });
        assertThat(bootstrap.pins().pinned(202)).isPresent();

        // The "same server" now presents another host key.
        sshd.close();
        Files.delete(sshd.dir().resolve("ssh_host_ed25519_key"));
        sshd(("rekeyed"), port);
        assertThatThrownBy(() -> bootstrap.bootstrap(target, Duration.ofSeconds(60)))
                .isInstanceOfSatisfying(BootstrapException.class, e -> {
                    assertThat(e.step()).isEqualTo(SshWorkerBootstrap.HOST_KEY);
                    assertThat(e.getMessage()).contains("host key different").contains("rgrid-worker-rekey1");
                });
        // Another server id at the same address (Hetzner reuses a deleted server's IP) gets its own
        // pin, which replaces the old server's line.
        Target other = new Target("rgrid-worker-rekey2", 203, "rgrid-worker-rekey2", "t", "127.0.0.1", port, null);
        assertThatThrownBy(() -> bootstrap.bootstrap(other, Duration.ofSeconds(60)))
                .isInstanceOfSatisfying(BootstrapException.class,
                        e -> assertThat(e.step()).isEqualTo(SshWorkerBootstrap.READY));
        assertThat(bootstrap.pins().pinned(203)).isPresent();
        assertThat(bootstrap.pins().pinned(202)).isEmpty();
    }

    @Test
    void anSshdThatNeverAnswersTimesOutInTheConnectStep() throws Exception {
        int port = freePort(); // nothing listens there
        SshWorkerBootstrap bootstrap = new SshWorkerBootstrap(settings("true", "true", Duration.ofSeconds(4),
                clientKey(), "unused.", 1));
        Target target = new Target("rgrid-worker-nossh1", 303, "rgrid-worker-nossh1", "t", "127.0.0.1", port, null);
        long start = System.nanoTime();
        assertThatThrownBy(() -> bootstrap.bootstrap(target, Duration.ofMinutes(1)))
                .isInstanceOfSatisfying(BootstrapException.class, e -> {
                    assertThat(e.step()).isEqualTo(SshWorkerBootstrap.CONNECT);
                    assertThat(e.getMessage()).startsWith("connect: ").contains("127.0.0.1:" + port)
                            .contains("within");
                });
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        // Not a speed bound: it retried until its 4 s connect timeout, and gave up then rather than at the
        // 1 min budget.
        assertThat(took).as("given up at the connect timeout").isBetween(Duration.ofSeconds(3),
                Duration.ofSeconds(30));
    }

    @Test
    void aKeyTheServerDoesNotAuthorizeIsRefusedAtOnce() throws Exception {
        LocalSshd sshd = sshd("badkey", freePort());
        Path stranger = tmp.resolve("client/stranger.key");
        LocalSshd.keygen(stranger, "stranger");
        SshWorkerBootstrap bootstrap = new SshWorkerBootstrap(settings("true", "true", Duration.ofSeconds(30),
                stranger, "unused.", 1));
        Target target = new Target("rgrid-worker-badkey", 404, "rgrid-worker-badkey", "t", "127.0.0.1", sshd.port(),
                null);
        long start = System.nanoTime();
        assertThatThrownBy(() -> bootstrap.bootstrap(target, Duration.ofMinutes(1)))
                .isInstanceOfSatisfying(BootstrapException.class, e -> {
                    assertThat(e.step()).isEqualTo(SshWorkerBootstrap.AUTH);
                    assertThat(e.getMessage()).contains("refused the key").contains("stranger.key");
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not retried until the connect timeout")
                .isLessThan(Duration.ofSeconds(25));
    }

    /** The agent's Kafka settings as the orchestrator writes them: the workers' login. */
    /** The connection without a login: each target brings its own. */
    private static Map<String, String> agentKafkaEnv(Servers s, String topicPrefix) {
        Map<String, String> env = new HashMap<>(s.kafka().agentEnv());
        env.remove("RGRID_KAFKA_USERNAME");
        env.remove("RGRID_KAFKA_PASSWORD");
        env.put("RGRID_KAFKA_TOPIC_PREFIX", topicPrefix);
        return env;
    }

    private static KafkaConsumer<String, byte[]> heartbeatConsumer(String prefix) {
        Properties props = new Properties();
        props.putAll(SharedServers.get().kafka().admin());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "hzboot-test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "1000");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(prefix + Topics.WORKER_HEARTBEATS)));
        return consumer;
    }

    private static WorkerHeartbeat awaitHeartbeat(KafkaConsumer<String, byte[]> consumer, String workerId,
                                                  Duration patience, Path server) throws IOException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            for (var record : consumer.poll(Duration.ofMillis(500))) {
                if (!workerId.equals(record.key())) {
                    continue;
                }
                var envelope = EventCodec.decode(record.value());
                if (envelope.isPresent() && envelope.get().payload() instanceof WorkerHeartbeat hb) {
                    return hb;
                }
            }
        }
        Path log = server.resolve("worker-agent.log");
        fail("no heartbeat from " + workerId + " within " + patience + "; agent log:\n"
                + (Files.exists(log) ? Files.readString(log) : "(none)"));
        return null;
    }
}
