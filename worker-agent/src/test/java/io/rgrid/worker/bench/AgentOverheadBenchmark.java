package io.rgrid.worker.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
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
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.worker.testing.PresignedAssignments;
import io.rgrid.worker.runtime.RunRequest;
import io.rgrid.worker.runtime.WorkDirs;
import io.rgrid.worker.runtime.docker.DockerRuntime;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.ByteArrayInputStream;
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
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Per-execution overhead of the worker-agent over raw docker-java, and its idle RSS. Not a test:
 * run it with {@code bench/worker-overhead.sh} (from the repository root, after
 * {@code ./mvnw -o install -pl worker-agent -DskipTests}).
 *
 * <p>Three paths run the same script ({@code print('hello')}) in the same hardened container
 * (image, binds, limits, user, caps, read-only root, network none), interleaved:
 * <ol>
 *   <li>raw: docker-java create, start, wait, remove;</li>
 *   <li>runtime: {@code DockerRuntime.run} (adds the image check, log following, inspect);</li>
 *   <li>agent: the packaged agent as a process, from {@code POST /v1/assignments} until its
 *       terminal status is read from Kafka (adds the S3 fetch of the script, the RUNNING report,
 *       the log upload, the terminal report).</li>
 * </ol>
 * Then the agent idles 30 s and its RSS is read with {@code ps -o rss=}.
 */
public final class AgentOverheadBenchmark {

    private static final String IMAGE = "rgrid/python:3.11-local";
    private static final String SCRIPT = "print('hello')\n";
    private static final String TOKEN = "bench-token";
    private static final String NAMESPACE = "worker-bench";
    /**
     * Extra JVM options for the agent, after its own list ({@code jvm.options} next to the jar, as
     * every launcher passes it): {@code -Dbench.agent-jvm-opts="-Xmx64m ..."} to compare settings.
     */
    static final List<String> EXTRA_AGENT_JVM_OPTS = List.of(System.getProperty("bench.agent-jvm-opts", "")
            .trim().split("\\s+")).stream().filter(s -> !s.isEmpty()).toList();

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Path jar = Path.of(args.length > 1 ? args[1] : "worker-agent/target/quarkus-app/quarkus-run.jar");
        Path tmp = Files.createTempDirectory("rgrid-bench");
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost("unix:///var/run/docker.sock").build();
        Servers servers = SharedServers.get();
        MinioClient s3 = MinioClient.builder().endpoint(servers.s3Endpoint())
                .credentials(servers.s3AccessKey(), servers.s3SecretKey()).region("us-east-1").build();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(NAMESPACE).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(NAMESPACE).build());
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String workerId = Ids.newWorkerId();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path jvmOptions = jar.toAbsolutePath().resolveSibling("jvm.options");
        command.add("@" + jvmOptions);
        command.addAll(EXTRA_AGENT_JVM_OPTS);
        // Per-phase timings of every attempt (AttemptRunner, DockerRuntime), read back below.
        command.add("-Dquarkus.log.category.\"io.rgrid.worker.timings\".level=DEBUG");
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("RGRID_WORKER_ID", workerId);
        env.put("RGRID_WORKER_TOKEN", TOKEN);
        env.put("RGRID_WORKER_RUNTIME", "docker");
        env.put("RGRID_WORKER_EGRESS_POLICY", "off"); // no worker-egress.sh on a bench machine
        env.putAll(servers.kafka().agentEnv());
        env.put("RGRID_KAFKA_TOPIC_PREFIX", NAMESPACE + ".");
        builder.redirectErrorStream(true).redirectOutput(tmp.resolve("agent.log").toFile());
        Process agent = builder.start();
        HttpClient http = HttpClient.newHttpClient();
        try (DockerClient docker = DockerClientImpl.getInstance(config,
                new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build());
             DockerRuntime runtime = new DockerRuntime("unix:///var/run/docker.sock",
                     new DockerRuntime.Settings(256, 64, Duration.ofMinutes(1)));
             KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(servers.kafka().admin(Map.of(
                     ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID(),
                     ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                     ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)),
                     new StringDeserializer(), new ByteArrayDeserializer())) {
            waitForHealth(http, port, agent);
            consumer.subscribe(List.of(NAMESPACE + ".rgrid.execution-status.v1"));
            consumer.poll(Duration.ofSeconds(2)); // join the group before the first run

            List<Long> raw = new ArrayList<>();
            List<Long> viaRuntime = new ArrayList<>();
            List<Long> viaAgent = new ArrayList<>();
            List<Long> accepted = new ArrayList<>();
            List<String> measuredRuns = new ArrayList<>();
            int warmUp = 3;
            for (int i = 0; i < warmUp + runs; i++) {
                long r = raw(docker, workDir(tmp));
                long t = runtime(runtime, workDir(tmp));
                AgentRun a = agent(http, port, workerId, s3, consumer);
                if (i >= warmUp) {
                    raw.add(r);
                    viaRuntime.add(t);
                    viaAgent.add(a.millis());
                    accepted.add(a.acceptedMillis());
                    measuredRuns.add(a.runId());
                    System.out.printf(Locale.ROOT, "run %2d: raw %4d ms, runtime %4d ms, agent %4d ms (202 after %d ms)%n",
                            i - warmUp + 1, r, t, a.millis(), a.acceptedMillis());
                }
            }
            long mr = median(raw);
            long mt = median(viaRuntime);
            long ma = median(viaAgent);
            System.out.printf(Locale.ROOT, "median of %d: raw docker-java %d ms, DockerRuntime.run %d ms "
                            + "(overhead %+d ms, ratio %.2f), full agent path %d ms (overhead %+d ms, ratio %.2f)%n",
                    runs, mr, mt, mt - mr, (double) mt / mr, ma, ma - mr, (double) ma / mr);
            System.out.printf(Locale.ROOT, "agent path: POST answered 202 after %d ms (median)%n", median(accepted));
            printPhases(tmp.resolve("agent.log"), measuredRuns);

            Thread.sleep(30_000); // idle: heartbeats only
            Process ps = new ProcessBuilder("ps", "-o", "rss=", "-p", Long.toString(agent.pid()))
                    .redirectErrorStream(true).start();
            String rss = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            ps.waitFor();
            System.out.printf(Locale.ROOT, "agent idle RSS after 30 s: %d MiB (JVM options: %s%s)%n",
                    Long.parseLong(rss) / 1024, String.join(" ", Files.readAllLines(jvmOptions).stream()
                            .filter(l -> !l.isBlank() && !l.startsWith("#")).toList()),
                    EXTRA_AGENT_JVM_OPTS.isEmpty() ? "" : " " + String.join(" ", EXTRA_AGENT_JVM_OPTS));
        } finally {
            agent.destroy();
            if (!agent.waitFor(30, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
            WorkDirs.deleteTree(tmp);
        }
        System.exit(0);
    }

    private static void waitForHealth(HttpClient http, int port, Process agent) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && agent.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + AgentApi.HEALTH))
                        .header(Auth.HEADER, Auth.header(TOKEN)).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the agent did not become healthy");
    }

    private static Path workDir(Path tmp) throws Exception {
        Path dir = tmp.resolve("w-" + UUID.randomUUID());
        Files.createDirectories(dir.resolve(RunRequest.INPUTS));
        Files.createDirectories(dir.resolve(RunRequest.OUTPUTS));
        Files.writeString(dir.resolve(RunRequest.SCRIPT), SCRIPT);
        return dir;
    }

    /** The same container the agent creates (see ContainerSpecs#createCmd), through docker-java alone. */
    private static long raw(DockerClient docker, Path dir) throws Exception {
        long start = System.nanoTime();
        WorkDirs.openForUnprivilegedUser(dir);
        long memory = 256L * 1024 * 1024;
        HostConfig host = HostConfig.newHostConfig()
                .withBinds(new Bind(dir.toString(), new Volume("/work"), AccessMode.rw),
                        new Bind(dir.resolve("inputs").toString(), new Volume("/work/inputs"), AccessMode.ro))
                .withMemory(memory).withMemorySwap(memory).withNanoCPUs(1_000_000_000L).withPidsLimit(256L)
                .withNetworkMode("none").withCapDrop(Capability.ALL).withSecurityOpts(List.of("no-new-privileges"))
                .withReadonlyRootfs(true).withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=64m"));
        String id = docker.createContainerCmd(IMAGE).withCmd("python3", "script.py").withWorkingDir("/work")
                .withUser("65534:65534").withEnv("PYTHONUNBUFFERED=1", "HOME=/tmp").withHostConfig(host).exec().getId();
        docker.startContainerCmd(id).exec();
        docker.waitContainerCmd(id).exec(new WaitContainerResultCallback()).awaitStatusCode(60, TimeUnit.SECONDS);
        docker.removeContainerCmd(id).withForce(true).exec();
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static long runtime(DockerRuntime runtime, Path dir) throws Exception {
        long start = System.nanoTime();
        runtime.run(new RunRequest("bench-" + UUID.randomUUID(), dir, IMAGE, List.of(), Map.of(), 1.0, 256,
                Duration.ofSeconds(60), NetworkMode.NONE, Map.of()), (stream, text) -> { });
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** One run through the agent: until the terminal report was read, until the POST was answered. */
    private record AgentRun(String runId, long millis, long acceptedMillis) {
    }

    /**
     * Medians of the phases the agent logged (category io.rgrid.worker.timings) for the measured
     * runs: "attempt RUN: total T ms: phase a ms, ..." and "docker RUN: step b ms, ...".
     */
    private static void printPhases(Path agentLog, List<String> runIds) throws Exception {
        Thread.sleep(500); // the last run's cleanup line comes after its report
        Map<String, Map<String, List<Double>>> bySource = new java.util.LinkedHashMap<>();
        java.util.regex.Pattern phase = java.util.regex.Pattern.compile("([a-z+()-]+) ([0-9.]+) ms");
        for (String line : Files.readAllLines(agentLog, StandardCharsets.UTF_8)) {
            for (String source : List.of("attempt", "docker")) {
                for (String runId : runIds) {
                    int at = line.indexOf(source + " " + runId + ": ");
                    if (at < 0) {
                        continue;
                    }
                    var m = phase.matcher(line.substring(at + source.length() + runId.length() + 3));
                    while (m.find()) {
                        bySource.computeIfAbsent(source, k -> new java.util.LinkedHashMap<>())
                                .computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(Double.parseDouble(m.group(2)));
                    }
                }
            }
        }
        bySource.forEach((source, phases) -> {
            StringBuilder out = new StringBuilder(source.equals("attempt") ? "agent phases" : "docker steps");
            out.append(" (median ms of ").append(runIds.size()).append(" runs):");
            phases.forEach((name, values) -> out.append(' ').append(name).append(' ')
                    .append(String.format(Locale.ROOT, "%.1f", values.stream().sorted().toList().get(values.size() / 2)))
                    .append(','));
            out.setLength(out.length() - 1);
            System.out.println(out);
        });
    }

    private static AgentRun agent(HttpClient http, int port, String workerId, MinioClient s3,
                                  KafkaConsumer<String, byte[]> consumer)
            throws Exception {
        UUID id = Ids.newExecutionId();
        byte[] bytes = SCRIPT.getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(NAMESPACE).object(StorageKeys.script(id))
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
        ExecutionSpec spec = new ExecutionSpec(IMAGE, List.of(), Map.of(), 1.0, 256, 60, NetworkMode.NONE, 1, Map.of());
        Assignment assignment = new PresignedAssignments(SharedServers.get(), NAMESPACE, workerId).of(id, "bench", 1, spec,
                Map.of(), null);
        long start = System.nanoTime();
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + AgentApi.ASSIGNMENTS))
                .header(Auth.HEADER, Auth.header(TOKEN)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.mapper().writeValueAsString(assignment))).build(),
                HttpResponse.BodyHandlers.ofString());
        long acceptedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (accepted.statusCode() != 202) {
            throw new IllegalStateException("assignment refused: " + accepted.body());
        }
        long deadline = start + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                var event = EventCodec.decode(record.value());
                if (event.isPresent() && event.get().payload() instanceof ExecutionStatusChanged s
                        && s.executionId().equals(id) && s.state().isTerminal()) {
                    if (s.exitCode() == null || s.exitCode() != 0) {
                        throw new IllegalStateException("bench run failed: " + s);
                    }
                    return new AgentRun(id + "-1", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                            acceptedMillis);
                }
            }
        }
        throw new IllegalStateException("no terminal status for " + id);
    }

    static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
