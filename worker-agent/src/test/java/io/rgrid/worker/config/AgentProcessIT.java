package io.rgrid.worker.config;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.Json;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.api.Auth;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.Processes;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.TestKafka;
import io.rgrid.testinfra.Servers;
import io.rgrid.worker.runtime.docker.DockerRuntime;
import io.rgrid.worker.runtime.docker.DockerRuntimeTest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged agent as a real process (the way the orchestrator's local provider starts it):
 * orphan containers (docker runtime) and orphan processes (process runtime) killed after
 * {@code kill -9}, and the SIGTERM drain. Runs in the
 * integration-test phase (after {@code package} built {@code target/quarkus-app}), on the shared
 * Kafka and S3 and the Docker engine.
 */
class AgentProcessIT {

    private static final String TOKEN = "it-worker-token";
    private static final String NAMESPACE = "worker-it";
    private static final String IMAGE = "rgrid/python:3.11-local";
    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private static Servers servers;
    private static MinioClient s3;
    private static DockerClient docker;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Process> agents = new ArrayList<>();
    /** Processes a test expects an agent to kill; killed after the test in case it did not. */
    private final List<Long> strays = new ArrayList<>();

    @BeforeAll
    static void connect() throws Exception {
        DockerRuntimeTest.requireDocker();
        assertThat(JAR).as("the packaged agent (mvn package builds it before this test runs)").exists();
        servers = SharedServers.get();
        // No control plane here, and the broker creates no topic: the agent's topics exist as in a grid.
        TestKafka.createTopics(servers.kafkaBootstrap(), NAMESPACE + ".");
        s3 = MinioClient.builder().endpoint(servers.s3Endpoint())
                .credentials(servers.s3AccessKey(), servers.s3SecretKey()).region("us-east-1").build();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(NAMESPACE).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(NAMESPACE).build());
        }
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix:///var/run/docker.sock").build();
        docker = DockerClientImpl.getInstance(config,
                new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build());
    }

    @AfterAll
    static void disconnect() throws IOException {
        if (docker != null) {
            docker.close();
        }
    }

    @AfterEach
    void stopAgents() throws InterruptedException {
        for (Process agent : agents) {
            if (agent.isAlive()) {
                agent.destroyForcibly();
                agent.waitFor(10, TimeUnit.SECONDS);
            }
        }
        strays.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    private static String newWorkerId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder id = new StringBuilder(Ids.WORKER_ID_PREFIX);
        for (int i = 0; i < 6; i++) {
            id.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return id.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Starts the agent jar with the environment the orchestrator's local provider gives it. */
    private Process startAgent(String workerId, int port, Path logFile, Map<String, String> extra) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // The agent's own JVM options, as every launcher passes them (src/main/jvm/jvm.options).
                "@" + JAR.resolveSibling("jvm.options").toAbsolutePath(), "-jar", JAR.toString());
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("RGRID_WORKER_ID", workerId);
        env.put("RGRID_WORKER_TOKEN", TOKEN);
        env.put("RGRID_WORKER_ADVERTISED_ADDRESS", "http://127.0.0.1:" + port);
        env.put("RGRID_WORKER_RUNTIME", "docker");
        env.put("RGRID_WORKER_EGRESS_POLICY", "off"); // no worker-egress.sh on a test machine
        env.put("RGRID_WORKER_WORK_DIR", Path.of("target", "it-work", workerId).toAbsolutePath().toString());
        env.put("RGRID_WORKER_HEARTBEAT_INTERVAL", "1s");
        env.put("RGRID_KAFKA_BOOTSTRAP_SERVERS", servers.kafkaBootstrap());
        env.put("RGRID_KAFKA_TOPIC_PREFIX", NAMESPACE + ".");
        env.put("RGRID_STORAGE_ENDPOINT", servers.s3Endpoint());
        env.put("RGRID_STORAGE_ACCESS_KEY", servers.s3AccessKey());
        env.put("RGRID_STORAGE_SECRET_KEY", servers.s3SecretKey());
        env.put("RGRID_STORAGE_BUCKET", NAMESPACE);
        env.putAll(extra);
        Files.createDirectories(logFile.getParent());
        builder.redirectErrorStream(true).redirectOutput(logFile.toFile());
        Process agent = builder.start();
        agents.add(agent);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> {
                    assertThat(agent.isAlive()).as(Files.readString(logFile)).isTrue();
                    return get(port, AgentApi.HEALTH).statusCode() == 200;
                });
        return agent;
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header(Auth.HEADER, Auth.header(TOKEN)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> assign(int port, Assignment assignment) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + AgentApi.ASSIGNMENTS))
                .header(Auth.HEADER, Auth.header(TOKEN)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(Json.mapper().writeValueAsString(assignment))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Assignment putScript(String script) throws Exception {
        UUID id = Ids.newExecutionId();
        byte[] bytes = script.getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(NAMESPACE).object(StorageKeys.script(id))
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
        ExecutionSpec spec = new ExecutionSpec(IMAGE, List.of(), Map.of(), 0.25, 128, 300, NetworkMode.NONE, 3, Map.of());
        return new Assignment(id, "p", 1, spec, NAMESPACE, StorageKeys.script(id), Map.of(), null);
    }

    private static List<Container> containersOf(String workerId) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerRuntime.LABEL_WORKER_ID, workerId)).exec();
    }

    @Test
    void containersLeftByAKilledAgentAreRemovedWhenItStartsAgain() throws Exception {
        String workerId = newWorkerId();
        int port = freePort();
        Path logs = Path.of("target", "it-logs");
        Process first = startAgent(workerId, port, logs.resolve(workerId + "-1.log"), Map.of());
        Assignment sleeper = putScript("import time\nprint('sleeping', flush=True)\ntime.sleep(300)\n");
        assertThat(assign(port, sleeper).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> containersOf(workerId).stream().anyMatch(c -> "running".equals(c.getState())));

        first.destroyForcibly(); // SIGKILL: no drain, no cleanup
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(containersOf(workerId)).as("the container outlives a killed agent").isNotEmpty();

        Path secondLog = logs.resolve(workerId + "-2.log");
        startAgent(workerId, port, secondLog, Map.of());
        assertThat(containersOf(workerId)).as("no orphan survives the restart").isEmpty();
        assertThat(Files.readString(secondLog)).contains("Orphan container").contains(sleeper.executionId().toString());
    }

    @Test
    void processesLeftByAKilledAgentAreKilledWhenItStartsAgainWithTheProcessRuntime() throws Exception {
        String workerId = newWorkerId();
        int port = freePort();
        Path logs = Path.of("target", "it-logs");
        Map<String, String> processRuntime = Map.of("RGRID_WORKER_RUNTIME", "process",
                "RGRID_WORKER_ALLOW_PROCESS_RUNTIME", "true");
        Process first = startAgent(workerId, port, logs.resolve(workerId + "-1.log"), processRuntime);
        // The script reports its pid and its child's (the agent's grandchild) through a file: no
        // output after the agent is gone, where a write would fail on the broken pipe.
        Path pids = Path.of("target", "it-work", workerId + "-pids.txt").toAbsolutePath();
        Assignment sleeper = putScript("""
                import os, subprocess, sys, time
                child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])
                with open(%s + '.tmp', 'w') as f:
                    f.write('%%d %%d' %% (os.getpid(), child.pid))
                os.rename(%s + '.tmp', %s)
                time.sleep(300)
                """.formatted(pyString(pids), pyString(pids), pyString(pids)));
        assertThat(assign(port, sleeper).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> Files.exists(pids));
        String[] both = Files.readString(pids).trim().split(" ");
        long script = Long.parseLong(both[0]);
        long grandchild = Long.parseLong(both[1]);
        strays.add(script);
        strays.add(grandchild);

        first.destroyForcibly(); // SIGKILL: no drain, no cleanup
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(500);
        assertThat(Processes.running(script)).as("the script outlives a killed agent").isTrue();
        assertThat(Processes.running(grandchild)).as("so does the process it started").isTrue();

        Path secondLog = logs.resolve(workerId + "-2.log");
        startAgent(workerId, port, secondLog, processRuntime);
        // Killed before the agent takes work: by the time it answers, nothing is left.
        assertThat(Processes.running(script)).as("no orphan survives the restart").isFalse();
        assertThat(Processes.running(grandchild)).as("nor its child").isFalse();
        assertThat(Files.readString(secondLog)).contains("Orphan process group " + script)
                .contains(sleeper.executionId().toString());
    }

    private static String pyString(Path path) {
        return "'" + path.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Test
    void sigtermDrainsRunningWorkRefusesNewWorkAndSendsAFinalDrainingHeartbeat() throws Exception {
        String workerId = newWorkerId();
        int port = freePort();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers.kafkaBootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "worker-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(NAMESPACE + ".rgrid.execution-status.v1", NAMESPACE + ".rgrid.worker-heartbeats.v1"));
            List<Event> seen = new ArrayList<>();
            Runnable poll = () -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Optional<Envelope<Event>> envelope = EventCodec.decode(record.value());
                    envelope.ifPresent(e -> seen.add(e.payload()));
                }
            };

            Process agent = startAgent(workerId, port, Path.of("target", "it-logs", workerId + ".log"),
                    Map.of("RGRID_WORKER_DRAIN_TIMEOUT", "60s"));
            Assignment shortJob = putScript("import time\nprint('working', flush=True)\ntime.sleep(4)\nprint('done')\n");
            assertThat(assign(port, shortJob).statusCode()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                poll.run();
                return seen.stream().anyMatch(e -> e instanceof ExecutionStatusChanged s
                        && s.executionId().equals(shortJob.executionId()) && s.state() == ExecutionState.RUNNING);
            });

            agent.destroy(); // SIGTERM
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> get(port, AgentApi.HEALTH).body().contains("\"draining\":true"));
            HttpResponse<String> refused = assign(port, putScript("print('too late')\n"));
            assertThat(refused.statusCode()).isEqualTo(409);
            assertThat(refused.body()).contains("INVALID_STATE");

            assertThat(agent.waitFor(60, TimeUnit.SECONDS)).as("the agent exits once drained").isTrue();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
                poll.run();
                return seen.stream().anyMatch(e -> e instanceof ExecutionStatusChanged s
                        && s.executionId().equals(shortJob.executionId()) && s.state().isTerminal());
            });
            ExecutionStatusChanged terminal = seen.stream()
                    .filter(e -> e instanceof ExecutionStatusChanged s && s.executionId().equals(shortJob.executionId())
                            && s.state().isTerminal())
                    .map(ExecutionStatusChanged.class::cast).findFirst().orElseThrow();
            assertThat(terminal.state()).isEqualTo(ExecutionState.SUCCEEDED);

            for (int i = 0; i < 10; i++) {
                poll.run(); // the final heartbeat was written before the process exited
            }
            List<WorkerHeartbeat> beats = seen.stream()
                    .filter(e -> e instanceof WorkerHeartbeat h && h.workerId().equals(workerId))
                    .map(WorkerHeartbeat.class::cast).toList();
            assertThat(beats).isNotEmpty();
            WorkerHeartbeat last = beats.getLast();
            assertThat(last.draining()).isTrue();
            assertThat(last.running()).isEmpty();
            assertThat(containersOf(workerId)).isEmpty();
        }
    }
}
