package io.rgrid.e2e.grid;

import io.rgrid.local.Layout;
import io.rgrid.local.grid.GridSupervisor;
import io.rgrid.local.infra.InfraServers;
import io.rgrid.local.infra.KafkaServer;
import io.rgrid.local.infra.ManagedProcess;
import io.rgrid.local.infra.Ports;
import io.rgrid.local.infra.PostgresServer;
import io.rgrid.local.infra.S3Server;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.testinfra.KafkaLogins;
import io.rgrid.testinfra.SharedServers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.rgrid.testinfra.Processes.kill9;

/**
 * A whole grid (PostgreSQL, Kafka, S3, api-service, orchestrator-service with the local provider,
 * and the worker-agents it starts) whose every component the test can kill and restart. It is
 * built from local-grid's server classes, like {@code rgrid local up}, but without its
 * supervisor: the supervisor restarts a dead service itself and cannot restart PostgreSQL or
 * Kafka, while a chaos run has to decide when each component dies and comes back.
 *
 * <p>Timings are short so a lost worker is noticed within seconds: agents heartbeat every 2 s,
 * a worker silent for 15 s is lost. Everything lives in one directory; {@link #logFiles()} lists
 * every log the run produced. What is done to single agents is {@link LocalAgents} ({@link #agents()}).
 */
public final class KillableGrid implements AutoCloseable {

    public static final String DATABASE = "rgrid";
    public static final String BUCKET = "rgrid";
    /** A fake, recognisable Hetzner token handed to the services: it must never show up in a log or event. */
    public static final String FAKE_HETZNER_TOKEN = "hcloud-FAKE-7f3a9c1e5b2d4680-chaos-token-0xC0FFEE";
    private static final Duration READY = Duration.ofSeconds(180);
    /** The orchestrator's {@code health.lost-after} on this grid. */
    public static final Duration LOST_AFTER = Duration.ofSeconds(15);

    private final Path dir;
    private final Layout layout;
    private final String adminKey = "rgadm_" + InfraServers.randomSecret(24);
    private final String hashSecret = InfraServers.randomSecret(32);
    /** K of this grid's api-service and orchestrator (RGRID_REPORTS_SIGNING_KEY), as the local grid generates it. */
    private final String reportSigningKey = InfraServers.randomSecret(32);
    private final String s3AccessKey = "rgrid-chaos";
    private final String s3SecretKey = "s3sec_" + InfraServers.randomSecret(24);
    private final int postgresPort = Ports.free();
    private final int kafkaPort = Ports.free();
    private final int kafkaControllerPort = Ports.free();
    private final int s3Port = Ports.free();
    private final int apiPort = Ports.free();
    /** The leading orchestrator's port: a new one after {@link #killLeaderWithStandbyRunning()}. */
    private volatile int orchestratorPort = Ports.free();
    private final int firstAgentPort = Ports.free();

    private final AtomicInteger failedStarts = new AtomicInteger();
    private PostgresServer postgres;
    private KafkaServer kafka;
    private S3Server s3;
    private ManagedProcess api;
    private final List<ManagedProcess> otherApis = new ArrayList<>();
    private ManagedProcess orchestrator;
    private final LocalAgents agents;

    private KillableGrid(Path dir) {
        this.dir = dir;
        Path repo = SharedServers.repoRoot();
        this.layout = new Layout(repo, repo.resolve("local-grid").resolve("target"));
        this.agents = new LocalAgents(workersDir());
    }

    /** Starts every component in {@code dir} (created if missing). */
    public static KillableGrid start(Path dir) {
        KillableGrid grid = new KillableGrid(dir);
        try {
            grid.startAll();
        } catch (RuntimeException e) {
            grid.close();
            throw e;
        }
        return grid;
    }

    private void startAll() {
        layout.requireServiceJars("api-service", "orchestrator-service", "worker-agent");
        try {
            Files.createDirectories(logs());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        startPostgres();
        postgres.ensureDatabase(DATABASE);
        startKafka();
        startS3();
        startApi();
        startOrchestrator();
    }

    private void startPostgres() {
        // Durable as production and `rgrid local` are: KILL_POSTGRES must lose no acknowledged commit.
        postgres = PostgresServer.start(dir.resolve("postgres"), postgresPort, PostgresServer.Commits.DURABLE);
    }

    private void startKafka() {
        kafka = KafkaServer.start(layout.libDir(), dir.resolve("kafka"), kafkaPort, kafkaControllerPort, logs().resolve("kafka.log"),
                Duration.ofMinutes(4));
    }

    public void startApi() {
        api = startApiOn(apiPort, "api-service");
    }

    /**
     * Another api-service instance on its own port, sharing this grid's database, broker and store
     * (api-service runs as several instances behind one address in production); stopped by
     * {@link #close()} or {@link #stopOtherApis()}.
     *
     * @return its base URL
     */
    public String startAnotherApi() {
        int port = Ports.free();
        otherApis.add(startApiOn(port, "api-service-" + port));
        return "http://" + Ports.LOOPBACK + ":" + port;
    }

    /** Stops every instance {@link #startAnotherApi()} started. */
    public void stopOtherApis() {
        for (ManagedProcess other : otherApis) {
            other.stop(Duration.ofSeconds(20));
        }
        otherApis.clear();
    }

    private ManagedProcess startApiOn(int port, String name) {
        Map<String, String> env = commonEnv();
        env.put("API_PORT", Integer.toString(port));
        env.put("API_HOST", Ports.LOOPBACK);
        env.put("API_SECRET_KEY", adminKey);
        env.put("API_HASH_SECRET", hashSecret);
        kafkaLogin(env, KafkaPrincipals.API);
        // The reconciliation asks this grid's orchestrator, never one this machine may run on 8001.
        env.put("ORCHESTRATOR_URL", orchestratorUrl());
        // As the local grid: the locally built image, never a pull (production's default is python:3.11-slim).
        env.put("RGRID_API_DEFAULTS_IMAGE", GridSupervisor.LOCAL_IMAGE);
        // The security suites send hundreds of bad credentials from this one address on purpose; the
        // failure limits themselves are api-service's AuthThrottleTest.
        env.put("RGRID_API_AUTH_FAILURES_ADDRESS_BURST", "100000");
        env.put("RGRID_API_AUTH_FAILURES_KEY_BURST", "100000");
        return startUntilReady(name, () -> ManagedProcess.start(name, javaCommand("api-service", List.of()), env,
                logs().resolve(name + ".log")), "http://" + Ports.LOOPBACK + ":" + port + "/q/health/ready");
    }

    /**
     * Starts a service and waits until it is ready; when it exits during start-up (on a loaded
     * machine a restarted service can time out reaching a database that is itself just back), it
     * is started again, as systemd's {@code Restart=on-failure} does in production, up to 5 times.
     */
    private ManagedProcess startUntilReady(String name, Supplier<ManagedProcess> start, String readyUrl) {
        for (int attempt = 1; ; attempt++) {
            ManagedProcess process = start.get();
            try {
                process.awaitHttpOk(readyUrl, READY);
                return process;
            } catch (IllegalStateException e) {
                if (process.isAlive() || attempt >= 5) {
                    process.stop(Duration.ofSeconds(10));
                    throw e;
                }
                failedStarts.incrementAndGet();
                System.out.println("[grid] " + name + " exited during start-up (try " + attempt + "); starting it again");
            }
        }
    }

    /** How many times a service exited during start-up and was started again. */
    public int failedStarts() {
        return failedStarts.get();
    }

    public void startOrchestrator() {
        startOrchestrator(List.of());
    }

    /**
     * Starts orchestrator-service with these system properties added to the grid's own, e.g. the
     * test-only {@code -Drgrid.orchestrator.dispatch.fault-point=after-send} that halts it (as
     * SIGKILL would) once an agent has accepted an assignment; {@link #orchestratorExited} sees it.
     */
    public void startOrchestrator(List<String> extraSettings) {
        orchestrator = startOrchestratorOn(orchestratorPort, "orchestrator-service", "orchestrator.log", extraSettings);
    }

    /**
     * kill -9 of the leading orchestrator with a standby running, as production runs two: a second
     * orchestrator starts on a port of its own (sharing the agents' work dir, as a standby shares
     * the cloud project) and waits as standby; once it is ready, the leader is killed, and the
     * other takes the lease when it expires (4 s here), adopts the leader's agents and is this
     * grid's orchestrator from then on ({@link #orchestratorUrl()}). The leader is whichever holds
     * the lease then: normally the old one, but a leader that missed its renewals for 4 s on a
     * loaded machine has rightly lost the lease to the new standby, and then that one is killed.
     *
     * @return which one was killed and how long after the kill the other held the lease
     */
    public LeaderKill killLeaderWithStandbyRunning() {
        int standbyPort = Ports.free();
        ManagedProcess standby = startOrchestratorOn(standbyPort, "orchestrator-service-" + standbyPort,
                "orchestrator-" + standbyPort + ".log", List.of());
        String holder = awaitLeaseHolder(Duration.ofSeconds(30));
        boolean standbyLeads = holder.startsWith(instanceId(standbyPort) + "/");
        if (!standbyLeads && !holder.startsWith(instanceId(orchestratorPort) + "/")) {
            standby.stop(Duration.ofSeconds(40));
            throw new IllegalStateException("neither the orchestrator on port " + orchestratorPort
                    + " nor its standby on " + standbyPort + " holds the lease; '" + holder + "' does");
        }
        ManagedProcess leader = standbyLeads ? standby : orchestrator;
        ManagedProcess survivor = standbyLeads ? orchestrator : standby;
        int survivorPort = standbyLeads ? orchestratorPort : standbyPort;
        kill9(leader.pid());
        long killed = System.nanoTime();
        orchestrator = survivor;
        orchestratorPort = survivorPort;
        long deadline = killed + Duration.ofSeconds(60).toNanos();
        while (!leaseHolder().startsWith(instanceId(survivorPort) + "/")) {
            if (System.nanoTime() > deadline || !survivor.isAlive()) {
                throw new IllegalStateException("the orchestrator on port " + survivorPort + " did not take the lease "
                        + "within 60 s of the leader's kill; it is held by '" + leaseHolder() + "'");
            }
            ManagedProcess.sleep(100);
        }
        return new LeaderKill(standbyLeads, Duration.ofNanos(System.nanoTime() - killed));
    }

    /**
     * What {@link #killLeaderWithStandbyRunning()} did: whether the new standby had taken the lease
     * before the kill (so it was the one killed), and how long after the kill the other one led.
     */
    public record LeaderKill(boolean standbyLedFirst, Duration takeOver) {
    }

    /** The lease's holder once there is one (a lease lapsing between two holders is empty for a moment). */
    private String awaitLeaseHolder(Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        String holder = leaseHolder();
        while (holder.isEmpty() && System.nanoTime() < deadline) {
            ManagedProcess.sleep(100);
            holder = leaseHolder();
        }
        return holder;
    }

    /** The orchestrator leader lease's holder ({@code <instance id>/<start>}), or empty when nobody holds it. */
    private String leaseHolder() {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), PostgresServer.USER, "");
             Statement select = c.createStatement();
             ResultSet row = select.executeQuery("SELECT holder FROM orchestrator.leader_lease "
                     + "WHERE name = 'orchestrator' AND expires_at > now()")) {
            return row.next() ? row.getString(1) : "";
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the orchestrator's leader lease: " + e.getMessage(), e);
        }
    }

    /** Each orchestrator's {@code rgrid.messaging.instance-id}: named after its port, as the default is. */
    private static String instanceId(int port) {
        return "chaos-orchestrator-" + port;
    }

    private ManagedProcess startOrchestratorOn(int port, String name, String logFile, List<String> extraSettings) {
        Map<String, String> env = commonEnv();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("RGRID_ORCHESTRATOR_PROVIDER", "local");
        kafkaLogin(env, KafkaPrincipals.ORCHESTRATOR);
        env.put("RGRID_ORCHESTRATOR_LOCAL_AGENT_JAR", layout.serviceJar("worker-agent").toString());
        env.put("RGRID_ORCHESTRATOR_LOCAL_WORK_DIR", workersDir().toString());
        env.put("RGRID_ORCHESTRATOR_LOCAL_FIRST_PORT", Integer.toString(firstAgentPort));
        List<String> settings = List.of(
                "-Drgrid.orchestrator.local.agent-env.RGRID_WORKER_HEARTBEAT_INTERVAL=2s",
                "-Drgrid.orchestrator.local.agent-env.RGRID_WORKER_DRAIN_TIMEOUT=5s",
                "-Drgrid.orchestrator.local.agent-env.RGRID_WORKER_SLOTS=3",
                "-Drgrid.orchestrator.local.agent-env.RGRID_WORKER_RUNTIME=docker",
                "-Drgrid.orchestrator.local.stop-grace-period=10s",
                "-Drgrid.orchestrator.scaling.interval=1s",
                "-Drgrid.orchestrator.scaling.min-workers=2",
                "-Drgrid.orchestrator.scaling.max-workers=3",
                "-Drgrid.orchestrator.scaling.queue-threshold=3",
                "-Drgrid.orchestrator.scaling.failure-backoff=2s",
                "-Drgrid.orchestrator.health.check-interval=1s",
                "-Drgrid.orchestrator.health.lost-after=" + LOST_AFTER.toSeconds() + "s",
                "-Drgrid.orchestrator.health.missing-grace=10s",
                "-Drgrid.orchestrator.dispatch.tick=500ms",
                // a restart after KILL_ORCHESTRATOR waits for its killed self's leader lease (issue 27)
                "-Drgrid.leader.lease=4s",
                "-Drgrid.leader.renew-interval=1s",
                "-Drgrid.orchestrator.lifecycle.reconcile-interval=2s",
                "-Drgrid.messaging.instance-id=" + instanceId(port));
        List<String> all = new ArrayList<>(settings);
        all.addAll(extraSettings);
        return startUntilReady(name, () -> ManagedProcess.start(name, javaCommand("orchestrator-service", all), env,
                logs().resolve(logFile)), "http://127.0.0.1:" + port + "/q/health/ready");
    }

    private List<String> javaCommand(String module, List<String> properties) {
        List<String> command = new ArrayList<>(List.of(ManagedProcess.javaBinary(), "-Xms32m", "-Xmx256m",
                "-XX:+ExitOnOutOfMemoryError"));
        command.addAll(properties);
        command.addAll(List.of("-jar", layout.serviceJar(module).toString()));
        return command;
    }

    private Map<String, String> commonEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_HTTP_HOST", Ports.LOOPBACK);
        env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(DATABASE));
        env.put("QUARKUS_DATASOURCE_USERNAME", PostgresServer.USER);
        env.put("RGRID_KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap());
        env.put("RGRID_KAFKA_CA_FILE", kafka.secrets().caFile().toString());
        env.put("RGRID_STORAGE_ENDPOINT", s3Endpoint());
        env.put("RGRID_STORAGE_ACCESS_KEY", s3AccessKey);
        env.put("RGRID_STORAGE_SECRET_KEY", s3SecretKey);
        env.put("RGRID_STORAGE_BUCKET", BUCKET);
        env.put("RGRID_REPORTS_SIGNING_KEY", reportSigningKey);
        // The production guide's name for it; no component may ever print it.
        env.put("HETZNER_API_TOKEN", FAKE_HETZNER_TOKEN);
        return env;
    }

    // ---- chaos actions ----------------------------------------------------------------------

    /** kill -9 of api-service, then a new one on the same port; returns once it is ready. */
    public void killAndRestartApi() {
        kill9(api.pid());
        startApi();
    }

    /** @return whether orchestrator-service exited (a fault point halted it) within {@code timeout} */
    public boolean orchestratorExited(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (orchestrator.isAlive() && System.nanoTime() < deadline) {
            ManagedProcess.sleep(100);
        }
        return !orchestrator.isAlive();
    }

    /** kill -9 of orchestrator-service, left down until {@link #startOrchestrator()} (its agents keep running). */
    public void killOrchestrator() {
        kill9(orchestrator.pid());
    }

    /** kill -9 of orchestrator-service (its agents keep running and are adopted), then a new one. */
    public void killAndRestartOrchestrator() {
        kill9(orchestrator.pid());
        startOrchestrator();
    }

    /** Stops the Kafka broker (SIGTERM, as a restart does) and starts it again on the same ports and data. */
    public void restartKafka() {
        kafka.stop();
        startKafka();
    }

    /**
     * kill -9 of the Kafka broker (no clean shutdown: its logs are recovered at the next start),
     * then a new one on the same ports and data.
     */
    public void killAndRestartKafka() {
        kill9(kafka.process().pid());
        startKafka();
    }

    /** Stops the Kafka broker (SIGTERM) and leaves it stopped until {@link #startKafkaAgain()}. */
    public void stopKafka() {
        kafka.stop();
    }

    /** Starts the broker {@link #stopKafka()} stopped, on the same ports and data. */
    public void startKafkaAgain() {
        startKafka();
    }

    private void startS3() {
        s3 = S3Server.start(layout.s3proxyJar(), dir.resolve("s3"), s3Port, s3AccessKey, s3SecretKey, logs().resolve("s3.log"));
    }

    /** Stops the object store (SIGTERM) and leaves it stopped until {@link #startS3Again()}. */
    public void stopS3() {
        s3.stop();
    }

    /** Starts the store {@link #stopS3()} stopped, on the same port and data. */
    public void startS3Again() {
        startS3();
    }

    /**
     * kill -9 of PostgreSQL's postmaster (a crash: no checkpoint, the next start replays the WAL),
     * then a new server on the same port and data directory. Its backends notice the postmaster's
     * death and exit; the new one cannot start while any is alive (shared memory still attached),
     * so they are awaited, and killed too after 30 s.
     */
    public void killAndRestartPostgres() {
        long postmaster = postmasterPid();
        List<ProcessHandle> backends = ProcessHandle.of(postmaster).map(p -> p.children().toList()).orElse(List.of());
        kill9(postmaster);
        for (ProcessHandle backend : backends) {
            try {
                backend.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                kill9(backend.pid());
            }
        }
        postgres.close(); // its pg_ctl stop finds nothing to stop; this releases the data directory's lock
        startPostgres();
    }

    private long postmasterPid() {
        try {
            // postmaster.pid: its first line is the postmaster's pid.
            return Long.parseLong(Files.readAllLines(dir.resolve("postgres").resolve("postmaster.pid")).get(0).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL's postmaster.pid: " + e.getMessage(), e);
        }
    }

    /** Stops PostgreSQL and starts it again on the same port and data directory. */
    public void restartPostgres() {
        postgres.close();
        startPostgres();
    }

    // ---- what tests need to know ------------------------------------------------------------

    /**
     * Every port this grid listens on: PostgreSQL, Kafka (broker and controller), S3, api-service,
     * orchestrator-service and each live agent (from the local provider's pid files).
     */
    public List<Integer> listeningPorts() {
        List<Integer> ports = new ArrayList<>(List.of(postgresPort, kafkaPort, kafkaControllerPort, s3Port, apiPort,
                orchestratorPort));
        ports.addAll(agents.ports());
        return ports;
    }

    public String apiUrl() {
        return "http://" + Ports.LOOPBACK + ":" + apiPort;
    }

    public String adminKey() {
        return adminKey;
    }

    /** api-service's API_HASH_SECRET, for the search for secrets in logs. */
    public String hashSecret() {
        return hashSecret;
    }

    /** The control plane's RGRID_REPORTS_SIGNING_KEY, for the search for secrets in logs and records. */
    public String reportSigningKey() {
        return reportSigningKey;
    }

    public String s3AccessKey() {
        return s3AccessKey;
    }

    public String s3SecretKey() {
        return s3SecretKey;
    }

    public String s3Endpoint() {
        return "http://" + Ports.LOOPBACK + ":" + s3Port;
    }

    /** The orchestrator's HTTP base URL (loopback: its metrics and API answer without a token). */
    public String orchestratorUrl() {
        return "http://127.0.0.1:" + orchestratorPort;
    }

    public String kafkaBootstrap() {
        return Ports.LOOPBACK + ":" + kafkaPort;
    }

    /** How to log in to this grid's broker (its users' passwords and CA). */
    public KafkaLogins kafkaLogins() {
        return new KafkaLogins(kafkaBootstrap(), kafka.secrets().caFile().toString(), kafka.secrets().passwords());
    }

    private void kafkaLogin(Map<String, String> env, String user) {
        env.put("RGRID_KAFKA_USERNAME", user);
        env.put("RGRID_KAFKA_PASSWORD", kafka.secrets().password(user));
    }

    public String jdbcUrl() {
        return postgres.jdbcUrl(DATABASE);
    }

    public Path dir() {
        return dir;
    }

    public Path logs() {
        return dir.resolve("logs");
    }

    /** The last 40 lines of the orchestrators' logs that mention {@code text}: what a failed assertion shows. */
    public List<String> orchestratorLogLines(String text) {
        try (Stream<Path> files = Files.list(logs())) {
            List<String> lines = new ArrayList<>();
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith("orchestrator")).sorted().toList()) {
                try (Stream<String> all = Files.lines(file, StandardCharsets.UTF_8)) {
                    all.filter(line -> line.contains(text)).forEach(lines::add);
                }
            }
            return lines.subList(Math.max(0, lines.size() - 40), lines.size());
        } catch (IOException | UncheckedIOException e) {
            return List.of("(the orchestrator's log could not be read: " + e + ")");
        }
    }

    public Path workersDir() {
        return dir.resolve("workers");
    }

    /** The worker-agents this grid's orchestrator started: to kill, freeze, restart or ask one. */
    public LocalAgents agents() {
        return agents;
    }

    /** Every log file the run produced: the services', Kafka's, S3's, PostgreSQL's and each agent's. */
    public List<Path> logFiles() {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> {
                        String name = f.getFileName().toString();
                        return name.endsWith(".log") || name.contains("postgresql") && name.endsWith(".csv")
                                || f.toString().contains("/log/") || f.getParent().getFileName().toString().equals("logs");
                    })
                    .filter(f -> !f.toString().contains("/kafka/data/")) // the broker's own partitions: searched as records
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        // The orchestrator stops the agents it started; agents a killed orchestrator left are killed here.
        if (orchestrator != null) {
            orchestrator.stop(Duration.ofSeconds(40));
        }
        for (Map.Entry<String, Long> agent : agents.live()) {
            kill9(agent.getValue());
        }
        if (api != null) {
            api.stop(Duration.ofSeconds(20));
        }
        stopOtherApis();
        if (s3 != null) {
            s3.stop();
        }
        if (kafka != null) {
            kafka.stop();
        }
        if (postgres != null) {
            postgres.close();
        }
    }
}
