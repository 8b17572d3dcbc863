package io.rgrid.orchestrator.bench;

import com.sun.net.httpserver.HttpServer;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Ids;
import io.rgrid.model.Json;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.NetworkMode;
import io.rgrid.model.Topics;
import io.rgrid.model.agent.Assignment;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.storage.StorageKeys;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.SignedRecords;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The orchestrator's benchmark (run by {@code bench/orchestrator-dispatch.sh}): the packaged
 * orchestrator as a child process on the shared test servers, with the {@code static} provider
 * pointing at 10 agents this benchmark plays. The benchmark's agents accept every assignment
 * and report it SUCCEEDED at once: they are the benchmark's own, not a runtime users can pick.
 * <ol>
 *   <li>Dispatch latency with 10 idle workers: executions submitted one at a time; latency =
 *       submit (Kafka produce) → the assignment's POST reaching an agent, p50/p99; and the
 *       orchestrator's own queued → ASSIGNED histogram from /q/metrics.</li>
 *   <li>Drain, twice in one orchestrator: cold (10,000 executions QUEUED in its table before it
 *       starts, as after a restart) and warm (10,000 more queued once those are done); each time
 *       from the first to the last assignment received (assignments/s) and until all are
 *       SUCCEEDED in its table; then the orchestrator's peak RSS (VmHWM).</li>
 * </ol>
 */
public final class OrchestratorBenchmark {

    private static final String DATABASE = "orchbench";
    private static final String PREFIX = "orchbench.";
    private static final String BUCKET = "orchbench";
    /** The no-op script every execution of run 2 runs. */
    private static final String NOOP_KEY = "bench/noop.py";

    public static void main(String[] args) {
        int status = 0;
        try {
            run(args);
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        }
        // The benchmark agents' HTTP executors and the shared servers' lease thread are not daemons.
        System.exit(status);
    }

    private static void run(String[] args) throws Exception {
        int workers = intArg(args, 0, 10);
        int latencySamples = intArg(args, 1, 300);
        int drainCount = intArg(args, 2, 10_000);
        int slots = intArg(args, 3, 1000);
        int processDrain = intArg(args, 4, 10_000);
        int processSlots = intArg(args, 5, 4);
        String only = System.getProperty("bench.only", "");
        Path jar = Path.of(System.getProperty("orchestrator.jar",
                "orchestrator-service/target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("build the orchestrator first: " + jar);
        }
        Servers servers = SharedServers.get();
        String jdbcUrl = servers.jdbcUrl(DATABASE);
        KafkaProducer<String, byte[]> producer = producer(servers.kafka().admin());
        if (!only.equals("process")) {
            runBenchAgents(jar, servers, jdbcUrl, producer, workers, latencySamples, drainCount, slots);
        }
        if (!only.equals("bench") && processDrain > 0) {
            runProcessAgents(jar, servers, jdbcUrl, producer, workers, Math.max(1, latencySamples / 3), processDrain,
                    processSlots);
        }
        producer.close();
    }

    /** Run 1: the benchmark's own agents (accept and complete at once): the orchestrator alone. */
    private static void runBenchAgents(Path jar, Servers servers, String jdbcUrl, KafkaProducer<String, byte[]> producer,
                                       int workers, int latencySamples, int drainCount, int slots) throws Exception {
        System.out.println("== run 1: benchmark agents (accept and complete at once)");
        List<BenchAgent> agents = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            agents.add(new BenchAgent(Ids.newWorkerId(), "t" + UUID.randomUUID(), slots, producer));
        }
        String staticList = String.join(",", agents.stream().map(a -> a.workerId + "=" + a.address() + "=" + a.token)
                .toList());
        clear(jdbcUrl, servers);

        // 1. Latency with idle workers.
        int port = freePort();
        List<String> staticProvider = List.of("-Drgrid.orchestrator.provider=static",
                "-Drgrid.orchestrator.static.agents=" + staticList);
        Process orchestrator = start(jar, servers, jdbcUrl, staticProvider, port, "latency");
        try {
            waitReady(jdbcUrl, servers, workers);
            List<Long> latencies = new ArrayList<>();
            for (int i = 0; i < latencySamples; i++) {
                UUID id = Ids.newExecutionId();
                long sent = System.nanoTime();
                BenchAgent.SUBMITTED.put(id, sent);
                send(producer, Topics.EXECUTIONS, new ExecutionSubmitted(id, "bench", 1, spec(), StorageKeys.script(id),
                        Map.of(), null, Instant.now()));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!BenchAgent.RECEIVED.containsKey(id) && System.nanoTime() < deadline) {
                    Thread.sleep(0, 200_000);
                }
                Long got = BenchAgent.RECEIVED.get(id);
                if (got != null) {
                    latencies.add(got - sent);
                }
                Thread.sleep(20);
            }
            Collections.sort(latencies);
            System.out.printf("LATENCY submit->assignment at agent, %d idle workers, %d samples: p50 %.1f ms, "
                            + "p99 %.1f ms, max %.1f ms%n", workers, latencies.size(), pct(latencies, 50),
                    pct(latencies, 99), latencies.getLast() / 1e6);
            String metrics = httpGet("http://127.0.0.1:" + port + "/q/metrics");
            metrics.lines().filter(l -> l.startsWith("rgrid_orchestrator_dispatch_latency_seconds_count")
                            || l.startsWith("rgrid_orchestrator_dispatch_latency_seconds_sum")
                            || l.startsWith("rgrid_orchestrator_dispatch_latency_seconds_max"))
                    .forEach(l -> System.out.println("METRIC " + l));
            histogramQuantiles(metrics, "rgrid_orchestrator_dispatch_latency_seconds_bucket");
        } finally {
            stop(orchestrator);
        }

        // 2. Drain of queued executions, twice in one orchestrator: cold (it starts with the backlog
        // already queued, as after a restart) and warm (a second backlog once the first is done).
        clear(jdbcUrl, servers);
        insertQueued(jdbcUrl, servers, drainCount);
        port = freePort();
        long started = System.nanoTime();
        orchestrator = start(jar, servers, jdbcUrl, staticProvider, port, "drain");
        try {
            drain("cold: the orchestrator starts with them queued", jdbcUrl, servers, drainCount, workers, slots,
                    started, drainCount);
            insertQueued(jdbcUrl, servers, drainCount);
            drain("warm: queued while the same orchestrator runs", jdbcUrl, servers, drainCount, workers, slots,
                    System.nanoTime(), 2 * drainCount);
            System.out.println("RSS " + rss(orchestrator.pid()) + " (orchestrator JVM options: "
                    + System.getProperty("orchestrator.jvm-opts", "default") + ")");
        } finally {
            stop(orchestrator);
            agents.forEach(BenchAgent::close);
        }
    }

    /**
     * Waits until the benchmark's agents have received {@code drainCount} assignments and the
     * orchestrator's table holds {@code succeededTotal} SUCCEEDED, then prints the assignment rate
     * (first → last assignment received) and the time since {@code started}.
     */
    private static void drain(String label, String jdbcUrl, Servers servers, int drainCount, int workers, int slots,
                              long started, int succeededTotal) throws Exception {
        BenchAgent.RECEIVED.clear();
        BenchAgent.ASSIGNMENTS.set(0);
        BenchAgent.FIRST.set(0);
        BenchAgent.LAST.set(0);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        long allAssigned = 0;
        while (System.nanoTime() < deadline) {
            if (allAssigned == 0 && BenchAgent.ASSIGNMENTS.get() >= drainCount) {
                allAssigned = System.nanoTime();
            }
            if (allAssigned != 0 && count(jdbcUrl, servers, "SUCCEEDED") >= succeededTotal) {
                break;
            }
            Thread.sleep(100);
        }
        long done = System.nanoTime();
        double window = (BenchAgent.LAST.get() - BenchAgent.FIRST.get()) / 1e9;
        System.out.printf("DRAIN %d queued (%s), %d workers x %d slots: first->last assignment %.2f s "
                        + "(%.0f assignments/s); start->all SUCCEEDED in its table %.2f s; assignments received %d%n",
                drainCount, label, workers, slots, window, BenchAgent.ASSIGNMENTS.get() / Math.max(window, 1e-3),
                (done - started) / 1e9, BenchAgent.ASSIGNMENTS.get());
    }

    /**
     * Run 2: real worker-agents the orchestrator starts itself (local provider, {@code workers}
     * of them, each with {@code slots} slots) on the process runtime, running a no-op script.
     * Latency: executions submitted one at a time, each waited for; submit → ASSIGNED recorded
     * (its {@code assigned_at}), plus the orchestrator's histogram. Drain: {@code n} executions
     * QUEUED at once once the agents are up; first → last assignment recorded, all terminal.
     */
    private static void runProcessAgents(Path jar, Servers servers, String jdbcUrl,
                                         KafkaProducer<String, byte[]> producer, int workers, int latencySamples,
                                         int n, int slots) throws Exception {
        System.out.printf("== run 2: %d real worker-agents (process runtime, %d slots each), no-op script%n", workers,
                slots);
        Path agentJar = Path.of(System.getProperty("build.repo.root", "."),
                "worker-agent/target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        if (!Files.isRegularFile(agentJar)) {
            throw new IllegalStateException("build the worker-agent first: " + agentJar);
        }
        clear(jdbcUrl, servers);
        MinioClient s3 = MinioClient.builder().endpoint(servers.s3Endpoint())
                .credentials(servers.s3AccessKey(), servers.s3SecretKey()).region("us-east-1").build();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(BUCKET).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(BUCKET).build());
        }
        byte[] noop = "pass\n".getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(BUCKET).object(NOOP_KEY)
                .stream(new ByteArrayInputStream(noop), noop.length, -1).build());

        int port = freePort();
        List<String> options = new ArrayList<>(List.of(
                "-Drgrid.storage.access-key=" + servers.s3AccessKey(),
                "-Drgrid.storage.secret-key=" + servers.s3SecretKey(),
                "-Drgrid.storage.bucket=" + BUCKET,
                "-Drgrid.orchestrator.provider=local",
                "-Drgrid.orchestrator.local.agent-jar=" + agentJar,
                "-Drgrid.orchestrator.local.work-dir=" + Path.of("orchestrator-service/target/bench-workers")
                        .toAbsolutePath(),
                "-Drgrid.orchestrator.local.first-port=" + (20_000 + port % 20_000),
                "-Drgrid.orchestrator.local.agent-env.RGRID_WORKER_RUNTIME=process",
                "-Drgrid.orchestrator.local.agent-env.RGRID_WORKER_SLOTS=" + slots,
                "-Drgrid.orchestrator.local.agent-env.RGRID_WORKER_HEARTBEAT_INTERVAL=2s",
                // The production agent unit's heap settings (deploy/systemd/rgrid-worker.service).
                "-Drgrid.orchestrator.local.agent-env.JAVA_TOOL_OPTIONS=-Xms32m -Xmx96m -XX:TieredStopAtLevel=1 "
                        + "-XX:+UseSerialGC",
                "-Drgrid.orchestrator.scaling.min-workers=" + workers,
                "-Drgrid.orchestrator.scaling.max-workers=" + workers,
                "-Drgrid.orchestrator.scaling.interval=1s"));
        Process orchestrator = start(jar, servers, jdbcUrl, options, port, "process");
        try {
            waitReady(jdbcUrl, servers, workers);
            List<Long> latencies = new ArrayList<>();
            for (int i = 0; i < latencySamples; i++) {
                UUID id = Ids.newExecutionId();
                Instant submitted = Instant.now();
                send(producer, Topics.EXECUTIONS, new ExecutionSubmitted(id, "bench", 1, processSpec(), NOOP_KEY, Map.of(),
                        null, submitted));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                Instant assignedAt = null;
                while (System.nanoTime() < deadline) {
                    String[] row = row(jdbcUrl, servers, id);
                    if (row != null && ExecutionState.valueOf(row[0]).isTerminal()) {
                        assignedAt = row[1] == null ? null : Instant.parse(row[1]);
                        break;
                    }
                    Thread.sleep(20);
                }
                if (assignedAt != null) {
                    latencies.add(Duration.between(submitted, assignedAt).toNanos());
                }
            }
            Collections.sort(latencies);
            System.out.printf("LATENCY submit->ASSIGNED recorded, %d idle real workers, %d samples: p50 %.1f ms, "
                            + "p99 %.1f ms, max %.1f ms%n", workers, latencies.size(), pct(latencies, 50),
                    pct(latencies, 99), latencies.isEmpty() ? Double.NaN : latencies.getLast() / 1e6);
            histogramQuantiles(httpGet("http://127.0.0.1:" + port + "/q/metrics"),
                    "rgrid_orchestrator_dispatch_latency_seconds_bucket");

            insertQueued(jdbcUrl, servers, n, NOOP_KEY, processSpec());
            long started = System.nanoTime();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
            while (System.nanoTime() < deadline && countNotTerminal(jdbcUrl, servers) > 0) {
                Thread.sleep(250);
            }
            long done = System.nanoTime();
            double window = assignmentWindowSeconds(jdbcUrl, servers);
            System.out.printf("DRAIN %d queued, %d real workers x %d slots: first->last assignment %.2f s "
                            + "(%.0f assignments/s); queued->all terminal %.2f s; SUCCEEDED %d, other states %d%n",
                    n, workers, slots, window, n / Math.max(window, 1e-3), (done - started) / 1e9,
                    count(jdbcUrl, servers, "SUCCEEDED"), n + latencySamples - count(jdbcUrl, servers, "SUCCEEDED"));
            System.out.println("RSS " + rss(orchestrator.pid()) + " (orchestrator JVM options: "
                    + System.getProperty("orchestrator.jvm-opts", "default") + ")");
        } finally {
            stop(orchestrator);
        }
    }

    private static ExecutionSpec spec() {
        return new ExecutionSpec("rgrid/python:3.11-local", List.of(), Map.of(), 0.01, 1, 60, NetworkMode.NONE, 3,
                Map.of());
    }

    /** Run 2's executions: the process runtime applies the memory as an address-space limit. */
    private static ExecutionSpec processSpec() {
        return new ExecutionSpec("rgrid/python:3.11-local", List.of(), Map.of(), 0.1, 256, 60, NetworkMode.NONE, 3,
                Map.of());
    }

    private static Process start(Path jar, Servers servers, String jdbcUrl, List<String> options, int port, String name)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        // e.g. -Dorchestrator.jvm-opts="-Xmx128m -XX:+UseSerialGC": the orchestrator's heap settings.
        String jvmOpts = System.getProperty("orchestrator.jvm-opts", "").trim();
        if (!jvmOpts.isEmpty()) {
            command.addAll(List.of(jvmOpts.split("\\s+")));
        }
        command.addAll(List.of(
                "-Dquarkus.http.port=" + port,
                // One Kafka identity for every orchestrator the benchmark starts, as a production restart keeps
                // it (host name and port 8001): with the default, host-port, each run's new port made a new static
                // member, and the cold drain's status consumer waited the session timeout (45 s) for the last one.
                "-Drgrid.messaging.instance-id=bench-orchestrator",
                "-Dquarkus.datasource.jdbc.url=" + jdbcUrl,
                "-Dquarkus.datasource.username=" + servers.dbUser(),
                "-Dquarkus.datasource.password=" + servers.dbPassword(),
                "-Drgrid.reports.signing-key=" + SignedRecords.controlPlaneKey(),
                "-Drgrid.kafka.topic-prefix=" + PREFIX,
                "-Drgrid.storage.endpoint=" + servers.s3Endpoint()));
        command.addAll(servers.kafka().javaOptions(KafkaPrincipals.ORCHESTRATOR));
        command.addAll(options);
        command.addAll(List.of("-jar", jar.toString()));
        Path log = Path.of("orchestrator-service/target/bench-orchestrator-" + name + ".log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void waitReady(String jdbcUrl, Servers servers, int workers) throws Exception {
        // Ten agent JVMs booting on a busy two-core machine can take minutes.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, servers.dbUser(), servers.dbPassword());
                 ResultSet rows = c.createStatement().executeQuery(
                         "SELECT count(*) FROM orchestrator.workers WHERE state = 'READY'")) {
                rows.next();
                if (rows.getInt(1) >= workers) {
                    Thread.sleep(2000); // let the first heartbeats' wake-ups settle
                    return;
                }
            } catch (SQLException e) {
                // schema not migrated yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("workers not READY in time");
    }

    private static void clear(String jdbcUrl, Servers servers) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, servers.dbUser(), servers.dbPassword());
             Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM orchestrator.executions");
            s.executeUpdate("DELETE FROM orchestrator.workers");
            s.executeUpdate("DELETE FROM orchestrator.outbox");
        } catch (SQLException e) {
            // first run: no schema yet
        }
    }

    /** Executions QUEUED before the orchestrator starts, as its consumer would have inserted them. */
    private static void insertQueued(String jdbcUrl, Servers servers, int n) throws Exception {
        insertQueued(jdbcUrl, servers, n, null, spec());
    }

    /** @param scriptKey the script every execution runs, or null for each its own (never fetched) */
    private static void insertQueued(String jdbcUrl, Servers servers, int n, String scriptKey, ExecutionSpec spec)
            throws Exception {
        // The schema exists once the latency phase ran the orchestrator (Flyway).
        String specJson = Json.mapper().writeValueAsString(spec);
        try (Connection c = DriverManager.getConnection(jdbcUrl, servers.dbUser(), servers.dbPassword())) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO orchestrator.executions (id, project_id, "
                    + "attempt, state, spec, script_key, max_attempts, submitted_at, queued_at, updated_at) "
                    + "VALUES (?, ?, 1, 'QUEUED', ?::jsonb, ?, 3, ?, now(), now())")) {
                Instant t = Instant.now();
                for (int i = 0; i < n; i++) {
                    UUID id = Ids.newExecutionId();
                    insert.setObject(1, id);
                    insert.setString(2, "bench-" + (i % 7));
                    insert.setString(3, specJson);
                    insert.setString(4, scriptKey == null ? StorageKeys.script(id) : scriptKey);
                    insert.setTimestamp(5, Timestamp.from(t.plusNanos(i * 1000L)));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            c.commit();
        }
    }

    private static int count(String jdbcUrl, Servers servers, String state) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, servers.dbUser(), servers.dbPassword());
             PreparedStatement select = c.prepareStatement(
                     "SELECT count(*) FROM orchestrator.executions WHERE state = ?")) {
            select.setString(1, state);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    private static int countNotTerminal(String jdbcUrl, Servers servers) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, servers.dbUser(), servers.dbPassword());
             ResultSet rows = c.createStatement().executeQuery("SELECT count(*) FROM orchestrator.executions "
                     + "WHERE state IN ('QUEUED', 'ASSIGNED', 'RUNNING')")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /** Seconds between the first and the last assignment the orchestrator recorded. */
    private static double assignmentWindowSeconds(String jdbcUrl, Servers servers) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, servers.dbUser(), servers.dbPassword());
             ResultSet rows = c.createStatement().executeQuery("SELECT extract(epoch FROM max(assigned_at) - "
                     + "min(assigned_at)) FROM orchestrator.executions WHERE script_key = '" + NOOP_KEY + "' "
                     + "AND project_id LIKE 'bench-%'")) {
            rows.next();
            return rows.getDouble(1);
        }
    }

    /** State and assigned_at (ISO) of one execution, or null while it is unknown. */
    private static String[] row(String jdbcUrl, Servers servers, UUID id) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, servers.dbUser(), servers.dbPassword());
             PreparedStatement select = c.prepareStatement(
                     "SELECT state, assigned_at FROM orchestrator.executions WHERE id = ?")) {
            select.setObject(1, id);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return null;
                }
                Timestamp at = rows.getTimestamp(2);
                return new String[] {rows.getString(1), at == null ? null : at.toInstant().toString()};
            }
        }
    }

    private static String rss(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("VmHWM") || l.startsWith("VmRSS"))
                    .map(l -> l.replaceAll("\\s+", " ")).reduce((a, b) -> a + ", " + b).orElse("?");
        } catch (IOException e) {
            return "unavailable: " + e.getMessage();
        }
    }

    private static void histogramQuantiles(String metrics, String bucket) {
        List<double[]> buckets = new ArrayList<>();
        for (String line : metrics.lines().filter(l -> l.startsWith(bucket)).toList()) {
            String le = line.replaceAll(".*le=\"([^\"]+)\".*", "$1");
            double count = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            buckets.add(new double[] {le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), count});
        }
        if (buckets.isEmpty()) {
            return;
        }
        double total = buckets.getLast()[1];
        for (int q : new int[] {50, 99}) {
            for (double[] b : buckets) {
                if (b[1] >= total * q / 100.0) {
                    System.out.printf("METRIC orchestrator queued->ASSIGNED p%d <= %.1f ms (histogram bucket)%n", q,
                            b[0] * 1000);
                    break;
                }
            }
        }
    }

    private static String httpGet(String url) throws Exception {
        var client = HttpClient.newHttpClient();
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1))) / 1e6;
    }

    private static int intArg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static KafkaProducer<String, byte[]> producer(Map<String, Object> client) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    static void send(KafkaProducer<String, byte[]> producer, String topic, Event event) {
        producer.send(SignedRecords.signed(Topics.named(PREFIX, topic), event));
    }

    /** The benchmark's agent: accepts every assignment, reports it SUCCEEDED at once, heartbeats every second. */
    static final class BenchAgent implements AutoCloseable {
        static final Map<UUID, Long> SUBMITTED = new ConcurrentHashMap<>();
        static final Map<UUID, Long> RECEIVED = new ConcurrentHashMap<>();
        static final AtomicInteger ASSIGNMENTS = new AtomicInteger();
        static final AtomicLong FIRST = new AtomicLong();
        static final AtomicLong LAST = new AtomicLong();

        final String workerId;
        final String token;
        private final int slots;
        private final HttpServer server;
        private final KafkaProducer<String, byte[]> producer;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

        BenchAgent(String workerId, String token, int slots, KafkaProducer<String, byte[]> producer) throws IOException {
            this.workerId = workerId;
            this.token = token;
            this.slots = slots;
            this.producer = producer;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
            server.setExecutor(Executors.newFixedThreadPool(4));
            server.createContext("/v1/assignments", exchange -> {
                try (exchange) {
                    long now = System.nanoTime();
                    Assignment a = Json.mapper().readValue(exchange.getRequestBody(), Assignment.class);
                    RECEIVED.putIfAbsent(a.executionId(), now);
                    FIRST.compareAndSet(0, now);
                    LAST.set(now);
                    ASSIGNMENTS.incrementAndGet();
                    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(202, body.length);
                    exchange.getResponseBody().write(body);
                    // RUNNING then SUCCEEDED, as an agent reports them (ASSIGNED -> SUCCEEDED is not a transition).
                    send(producer, Topics.EXECUTION_STATUS, new ExecutionStatusChanged(a.executionId(), a.attempt(),
                            ExecutionState.RUNNING, workerId, null, null, null, workerId, Instant.now()));
                    send(producer, Topics.EXECUTION_STATUS, new ExecutionStatusChanged(a.executionId(), a.attempt(),
                            ExecutionState.SUCCEEDED, workerId, 0, null, null, workerId, Instant.now()));
                }
            });
            server.start();
            timer.scheduleAtFixedRate(() -> producer.send(SignedRecords.heartbeat(
                    Topics.named(PREFIX, Topics.WORKER_HEARTBEATS), new WorkerHeartbeat(workerId, address(), slots, slots,
                            slots * 1024, List.of(), "bench", "bench", false), token)), 0, 1, TimeUnit.SECONDS);
        }

        String address() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            timer.shutdownNow();
            server.stop(0);
        }
    }
}
