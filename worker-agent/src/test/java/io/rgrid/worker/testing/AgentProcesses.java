package io.rgrid.worker.testing;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.Ids;
import io.rgrid.model.Json;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.api.Auth;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.KafkaLogins;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.TestKafka;
import io.rgrid.testinfra.WorkerContainers;

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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged agent ({@code target/quarkus-app}, built by {@code package}) as real processes, the
 * way the orchestrator's local provider starts them, for the {@code *IT} classes: on the test
 * run's shared S3 (bucket = the namespace: the test stores scripts with the server's keys, the agent
 * gets presigned URLs only, as from the orchestrator) and a given Kafka broker (topics
 * {@code <namespace>.rgrid.*}, created here as the control plane would). {@link #close} kills the
 * agents it started.
 */
public final class AgentProcesses implements AutoCloseable {

    public static final String TOKEN = "it-worker-token";
    public static final String IMAGE = "rgrid/python:3.11-local";
    public static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    /** Set by the pom's integration-test execution, which runs after package built {@link #JAR}. */
    static final String PACKAGED = "rgrid.it.packaged";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Servers servers;
    private final KafkaLogins kafka;
    private final String namespace;
    private final MinioClient s3;
    private final List<Process> agents = new ArrayList<>();
    /** The ids of the agents started, whose attempt keys every assignment of {@link #putScript} carries. */
    private final List<String> workerIds = new ArrayList<>();

    public AgentProcesses(Servers servers, KafkaLogins kafka, String namespace) throws Exception {
        requirePackagedAgent();
        this.servers = servers;
        this.kafka = kafka;
        this.namespace = namespace;
        // No control plane here, and the broker creates no topic: the agent's topics exist as in a grid.
        TestKafka.createTopics(kafka, topicPrefix());
        s3 = MinioClient.builder().endpoint(servers.s3Endpoint())
                .credentials(servers.s3AccessKey(), servers.s3SecretKey()).region("us-east-1").build();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(namespace).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(namespace).build());
        }
    }

    /**
     * Skips the calling test outside the integration-test phase ({@code -Dtest=…IT} selects it in the
     * test phase too, before package) and fails when the packaged agent is missing.
     */
    public static void requirePackagedAgent() {
        assumeTrue(Boolean.getBoolean(PACKAGED), "an *IT class runs in the integration-test phase, after package ("
                + PACKAGED + "=true there, worker-agent's pom)");
        assertThat(JAR).as("the packaged agent (mvn package builds it before this test runs)").exists();
    }

    /** The broker the agents report to, and its logins. */
    public KafkaLogins kafka() {
        return kafka;
    }

    public String topicPrefix() {
        return namespace + ".";
    }

    public static String newWorkerId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder id = new StringBuilder(Ids.WORKER_ID_PREFIX);
        for (int i = 0; i < 6; i++) {
            id.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return id.toString();
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * Starts the agent jar with the environment the orchestrator's local provider gives it (plus
     * {@code extra}), its output in {@code logFile}, and returns once {@code GET /v1/health} answers.
     */
    public Process start(String workerId, int port, Path logFile, Map<String, String> extra) throws IOException {
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
        env.putAll(kafka.agentEnv()); // as the workers' principal, like a real worker
        env.put("RGRID_KAFKA_TOPIC_PREFIX", topicPrefix());
        env.putAll(extra);
        Files.createDirectories(logFile.getParent());
        builder.redirectErrorStream(true).redirectOutput(logFile.toFile());
        Process agent = builder.start();
        agents.add(agent);
        workerIds.add(workerId);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> {
                    assertThat(agent.isAlive()).as(Files.readString(logFile)).isTrue();
                    return get(port, AgentApi.HEALTH).statusCode() == 200;
                });
        return agent;
    }

    /** An authorised GET on the agent at {@code port}, answered within 5 s or failed. */
    public static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header(Auth.HEADER, Auth.header(TOKEN)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** An authorised POST without a body (a fence, a cancel) on the agent at {@code port}, answered within 5 s or failed. */
    public static HttpResponse<String> post(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header(Auth.HEADER, Auth.header(TOKEN)).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    public static HttpResponse<String> assign(int port, Assignment assignment) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + AgentApi.ASSIGNMENTS))
                .header(Auth.HEADER, Auth.header(TOKEN)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(Json.mapper().writeValueAsString(assignment))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Stores {@code script} as a new execution's script and returns its attempt 1 (0.25 CPU, 128 MiB, network none). */
    public Assignment putScript(String script) throws Exception {
        UUID id = Ids.newExecutionId();
        byte[] bytes = script.getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(namespace).object(StorageKeys.script(id))
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
        ExecutionSpec spec = new ExecutionSpec(IMAGE, List.of(), Map.of(), 0.25, 128, 300, NetworkMode.NONE, 3, Map.of());
        return new PresignedAssignments(servers, namespace, workerIds.toArray(String[]::new))
                .of(id, "p", 1, spec, Map.of(), null);
    }

    /**
     * Kills the agents started since the last call (SIGKILL) and removes the containers they left
     * (a killed agent cannot: its runs, its warm containers), so none outlives the test.
     */
    @Override
    public void close() throws InterruptedException {
        for (Process agent : agents) {
            if (agent.isAlive()) {
                agent.destroyForcibly();
                agent.waitFor(10, TimeUnit.SECONDS);
            }
        }
        agents.clear();
        for (String workerId : workerIds) {
            WorkerContainers.remove(workerId);
        }
    }
}
