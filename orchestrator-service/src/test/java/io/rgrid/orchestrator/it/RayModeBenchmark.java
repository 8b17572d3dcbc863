package io.rgrid.orchestrator.it;

import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.Topics;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SignedRecords;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Ray mode against agent mode, side by side in one run ({@code bench/ray-latency.sh}): one Ray
 * 2.58 head on loopback that is also the only node, one real worker-agent (process runtime), and
 * the packaged orchestrator started alternately in agent mode and in Ray mode, same agent, same
 * servers. Per sample: one execution ({@code print}) submitted, its latency from submission to the
 * agent's RUNNING report ({@code at} of the report minus the submission instant; one host, one
 * clock); the next is submitted once it SUCCEEDED. Then memory: the orchestrator's RSS in each mode,
 * the Ray head's processes, Ray's Java worker JVMs.
 *
 * <p>Args: {@code [samples per round=20] [rounds=2]}.
 */
public final class RayModeBenchmark {

    private static final String[] RAY_JVM_FLAGS = {
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.math=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"};

    private static final Map<UUID, Instant> RUNNING = new ConcurrentHashMap<>();
    private static final Map<UUID, Boolean> ENDED = new ConcurrentHashMap<>();

    public static void main(String[] args) {
        int status = 0;
        RayGridResource grid = new RayGridResource();
        try {
            run(grid, args);
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        } finally {
            grid.stop();
        }
        System.exit(status);
    }

    private static void run(RayGridResource grid, String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path jar = Path.of(System.getProperty("orchestrator.jar",
                "orchestrator-service/target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        Map<String, String> config = grid.start();
        String prefix = config.get("rgrid.kafka.topic-prefix");
        String bucket = config.get("rgrid.storage.bucket");
        MinioClient s3 = MinioClient.builder().endpoint(config.get("rgrid.storage.endpoint"))
                .credentials(config.get("rgrid.storage.access-key"), config.get("rgrid.storage.secret-key")).build();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            try {
                s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            } catch (io.minio.errors.ErrorResponseException e) {
                if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                    throw e; // not a race with another creator
                }
            }
        }
        Properties p = new Properties();
        p.putAll(SharedServers.get().kafka().admin());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Thread listener = listen(config.get("rgrid.kafka.bootstrap-servers"), Topics.named(prefix, Topics.EXECUTION_STATUS));

        Map<String, List<Long>> latencies = new java.util.LinkedHashMap<>();
        Map<String, Long> orchestratorRss = new java.util.LinkedHashMap<>();
        byte[] script = "print('hello')\n".getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < rounds; round++) {
            for (String mode : List.of("agent", "ray")) {
                Process orchestrator = startOrchestrator(jar, config, mode.equals("ray"), mode + "-" + round);
                try {
                    // Warm-up: the first execution (and, in Ray mode, the first Java worker) is not a sample.
                    for (int i = -2; i < samples; i++) {
                        UUID id = Ids.newExecutionId();
                        s3.putObject(PutObjectArgs.builder().bucket(bucket).object(StorageKeys.script(id))
                                .stream(new ByteArrayInputStream(script), script.length, -1).build());
                        Instant submitted = Instant.now();
                        producer.send(SignedRecords.signed(Topics.named(prefix, Topics.EXECUTIONS),
                                new ExecutionSubmitted(id, "bench", 1, spec(), StorageKeys.script(id), Map.of(), null,
                                        submitted))).get(10, TimeUnit.SECONDS);
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(i < 0 ? 180 : 60);
                        while (!ENDED.containsKey(id) && System.nanoTime() < deadline) {
                            Thread.sleep(5);
                        }
                        Instant running = RUNNING.get(id);
                        if (running == null || !ENDED.containsKey(id)) {
                            throw new IllegalStateException(mode + ": " + id + " did not run and end in time");
                        }
                        if (i >= 0) {
                            latencies.computeIfAbsent(mode, m -> new ArrayList<>())
                                    .add(Duration.between(submitted, running).toNanos());
                        }
                    }
                    orchestratorRss.merge(mode, rssKb(orchestrator.pid()), Math::max);
                    if (mode.equals("ray")) {
                        System.out.println("RSS ray head session (no Java workers) " + headRssKb(false) + " kB, "
                                + "Java workers " + headRssKb(true) + " kB (" + javaWorkers() + " JVMs)");
                    }
                } finally {
                    orchestrator.destroy();
                    if (!orchestrator.waitFor(60, TimeUnit.SECONDS)) {
                        orchestrator.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
            }
        }
        producer.close();
        listener.interrupt();
        double agentP50 = 0;
        for (Map.Entry<String, List<Long>> e : latencies.entrySet()) {
            List<Long> sorted = new ArrayList<>(e.getValue());
            Collections.sort(sorted);
            double p50 = pct(sorted, 50);
            if (e.getKey().equals("agent")) {
                agentP50 = p50;
            }
            System.out.printf("LATENCY %s mode, submit -> RUNNING report, %d samples: p50 %.0f ms, p90 %.0f ms, "
                            + "max %.0f ms, mean %.0f ms%n", e.getKey(), sorted.size(), p50, pct(sorted, 90),
                    sorted.getLast() / 1e6, sorted.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6);
        }
        List<Long> ray = new ArrayList<>(latencies.get("ray"));
        Collections.sort(ray);
        System.out.printf("RATIO ray/agent p50 %.2f%n", pct(ray, 50) / agentP50);
        orchestratorRss.forEach((mode, kb) -> System.out.println("RSS orchestrator in " + mode + " mode " + kb + " kB"));
    }

    private static ExecutionSpec spec() {
        return new ExecutionSpec("rgrid/python:3.11-local", List.of(), Map.of(), 0.5, 128, 60, NetworkMode.NONE, 1,
                Map.of());
    }

    private static Process startOrchestrator(Path jar, Map<String, String> config, boolean ray, String name)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(List.of(RAY_JVM_FLAGS));
        command.add("-Dquarkus.http.port=" + RayGridResource.freePort());
        config.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-Drgrid.orchestrator.ray.enabled=" + ray);
        command.addAll(List.of("-jar", jar.toString()));
        Path log = Path.of("orchestrator-service/target/ray-grid/bench-orchestrator-" + name + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // Ready once started and the static agent is READY (the first phase logs it becoming READY;
        // later phases find it READY in the registry and get its next heartbeat within 2 s).
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("orchestrator (" + name + ") exited; see " + log);
            }
            String text = Files.readString(log);
            if (text.contains("is READY at") || (text.contains("started in") && !name.equals("agent-0"))) {
                Thread.sleep(4000);
                return process;
            }
            Thread.sleep(200);
        }
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException("orchestrator (" + name + ") not ready; see " + log);
    }

    private static Thread listen(String bootstrap, String topic) {
        Properties props = new Properties();
        props.putAll(SharedServers.get().kafka().admin());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "ray-bench-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        Thread thread = new Thread(() -> {
            try (consumer) {
                while (!Thread.currentThread().isInterrupted()) {
                    consumer.poll(Duration.ofMillis(50)).forEach(r -> {
                        try {
                            EventCodec.decode(r.value()).map(Envelope::payload).ifPresent(RayModeBenchmark::seen);
                        } catch (RuntimeException e) {
                            // not ours
                        }
                    });
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // done
            }
        }, "bench-listener");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void seen(Event event) {
        if (event instanceof ExecutionStatusChanged s && !ExecutionStatusChanged.ORCHESTRATOR.equals(s.reportedBy())) {
            if (s.state() == ExecutionState.RUNNING) {
                RUNNING.putIfAbsent(s.executionId(), s.at());
            } else if (s.state().isTerminal()) {
                ENDED.put(s.executionId(), true);
            }
        }
    }

    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (Exception e) {
            // gone
        }
        return -1;
    }

    private static List<Long> sessionPids() {
        return RayGridResource.head == null ? List.of() : RayGridResource.sessionMembers(RayGridResource.head.pid());
    }

    private static boolean isJavaWorker(long pid) {
        // The raylet's own command line names the Java worker class too (its worker command template).
        String cmd = ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("");
        return cmd.contains("io.ray.runtime.runner.worker.DefaultWorker") && !cmd.contains("/raylet");
    }

    private static long headRssKb(boolean javaWorkers) {
        return sessionPids().stream().filter(pid -> isJavaWorker(pid) == javaWorkers)
                .mapToLong(RayModeBenchmark::rssKb).filter(kb -> kb > 0).sum();
    }

    private static long javaWorkers() {
        return sessionPids().stream().filter(RayModeBenchmark::isJavaWorker).count();
    }

    private static double pct(List<Long> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1e6;
    }
}
