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
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A whole grid (PostgreSQL, Kafka, S3, api-service, orchestrator-service with the local provider,
 * and the worker-agents it starts) whose every component the test can kill and restart. It is
 * built from local-grid's server classes, like {@code rgrid local up}, but without its
 * supervisor: the supervisor restarts a dead service itself and cannot restart PostgreSQL or
 * Kafka, while a chaos run has to decide when each component dies and comes back.
 *
 * <p>Timings are short so a lost worker is noticed within seconds: agents heartbeat every 2 s,
 * a worker silent for 15 s is lost. Everything lives in one directory; {@link #logFiles()} lists
 * every log the run produced.
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
    private final int orchestratorPort = Ports.free();
    private final int firstAgentPort = Ports.free();

    private final AtomicInteger failedStarts = new AtomicInteger();
    private PostgresServer postgres;
    private KafkaServer kafka;
    private S3Server s3;
    private ManagedProcess api;
    private final List<ManagedProcess> otherApis = new ArrayList<>();
    private ManagedProcess orchestrator;

    private KillableGrid(Path dir) {
        this.dir = dir;
        Path repo = SharedServers.repoRoot();
        this.layout = new Layout(repo, repo.resolve("local-grid").resolve("target"));
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
        Map<String, String> env = commonEnv();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(orchestratorPort));
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
                "-Drgrid.orchestrator.lifecycle.reconcile-interval=2s");
        List<String> all = new ArrayList<>(settings);
        all.addAll(extraSettings);
        orchestrator = startUntilReady("orchestrator-service", () -> ManagedProcess.start("orchestrator-service",
                javaCommand("orchestrator-service", all), env, logs().resolve("orchestrator.log")),
                "http://127.0.0.1:" + orchestratorPort + "/q/health/ready");
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

    /**
     * kill -9 of one running worker-agent, chosen by {@code pick} among the live ones; the
     * orchestrator notices it is silent, requeues its executions and starts a replacement.
     *
     * @return the killed worker's id, or empty when no agent was running
     */
    public Optional<String> killWorker(IntUnaryOperator pick) {
        List<Map.Entry<String, Long>> agents = liveAgents();
        if (agents.isEmpty()) {
            return Optional.empty();
        }
        Map.Entry<String, Long> victim = agents.get(pick.applyAsInt(agents.size()));
        kill9(victim.getValue());
        return Optional.of(victim.getKey());
    }

    /**
     * kill -9 of one worker's agent, then the same agent again: its command line, environment and
     * working directory read from {@code /proc}, so it comes back under the same worker id, token,
     * port and work dir (with its attempt ledger), as systemd's {@code Restart=always} brings a
     * server's agent back. Its pid file is rewritten for the new process, so a restarted
     * orchestrator adopts it; its output is appended to the worker's log. Returns once it listens on
     * its port again.
     */
    public void restartAgent(String workerId) {
        AgentLaunch launch = agentLaunch(workerId);
        kill9(launch.pid());
        Path log = workersDir().resolve(workerId + ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(launch.command()).directory(launch.cwd().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().clear();
            builder.environment().putAll(launch.env());
            Process agent = builder.start();
            Path pidFile = workersDir().resolve(workerId + ".pid");
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(pidFile, StandardCharsets.UTF_8)) {
                lines.add(line.startsWith("pid=") ? "pid=" + agent.pid() : line);
            }
            Files.write(pidFile, lines, StandardCharsets.UTF_8);
            long deadline = System.nanoTime() + READY.toNanos();
            while (!Ports.answers(launch.port())) {
                if (!agent.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the restarted agent of " + workerId + " does not listen on port "
                            + launch.port() + "; its log:\n" + ManagedProcess.tail(log, 40));
                }
                ManagedProcess.sleep(200);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start agent " + workerId + " again", e);
        }
    }

    /**
     * What the worker's agent itself says of an attempt ({@code GET /v1/assignments/<id>?attempt=N}
     * with its token): {@code RUNNING} or {@code FINISHED}, or empty when it knows none (404).
     */
    public Optional<String> agentAttemptState(String workerId, String executionId, int attempt) {
        AgentLaunch launch = agentLaunch(workerId);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + Ports.LOOPBACK + ":" + launch.port()
                        + "/v1/assignments/" + executionId + "?attempt=" + attempt))
                .header("Authorization", "Bearer " + launch.env().get("RGRID_WORKER_TOKEN"))
                .timeout(Duration.ofSeconds(10)).GET().build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return Optional.empty();
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException("agent " + workerId + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return Optional.of(Api.JSON.readTree(response.body()).path("state").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** How a live agent was started: read from {@code /proc}, and its port from its pid file. */
    private record AgentLaunch(long pid, List<String> command, Map<String, String> env, Path cwd, int port) {
    }

    private AgentLaunch agentLaunch(String workerId) {
        long pid = liveAgents().stream().filter(a -> a.getKey().equals(workerId)).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new IllegalStateException("no live agent of " + workerId));
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            List<String> command = List.of(Files.readString(proc.resolve("cmdline"), StandardCharsets.UTF_8)
                    .split("\0"));
            Map<String, String> env = new HashMap<>();
            for (String variable : Files.readString(proc.resolve("environ"), StandardCharsets.UTF_8).split("\0")) {
                int equals = variable.indexOf('=');
                if (equals > 0) {
                    env.put(variable.substring(0, equals), variable.substring(equals + 1));
                }
            }
            Properties pidFile = new Properties();
            try (var in = Files.newInputStream(workersDir().resolve(workerId + ".pid"))) {
                pidFile.load(in);
            }
            return new AgentLaunch(pid, command, env, Files.readSymbolicLink(proc.resolve("cwd")),
                    Integer.parseInt(pidFile.getProperty("port")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read how agent " + workerId + " (pid " + pid + ") was started", e);
        }
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

    /** Worker id → pid of every agent process alive, from the pid files the local provider keeps. */
    public List<Map.Entry<String, Long>> liveAgents() {
        List<Map.Entry<String, Long>> out = new ArrayList<>();
        if (!Files.isDirectory(workersDir())) {
            return out;
        }
        try (Stream<Path> files = Files.list(workersDir())) {
            for (Path file : files.filter(f -> f.toString().endsWith(".pid")).sorted().toList()) {
                Properties props = new Properties();
                try (var in = Files.newInputStream(file)) {
                    props.load(in);
                } catch (IOException e) {
                    continue; // being written or deleted
                }
                String name = file.getFileName().toString();
                long pid = Long.parseLong(props.getProperty("pid", "-1"));
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    out.add(Map.entry(name.substring(0, name.length() - ".pid".length()), pid));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Every worker id this grid ever started (each agent's log file is named after it). */
    public List<String> knownWorkerIds() {
        if (!Files.isDirectory(workersDir())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(workersDir())) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .map(n -> n.substring(0, n.length() - ".log".length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends {@code SIGSTOP} ({@code stop}) or {@code SIGCONT} to the worker's agent process, if it
     * is alive: a frozen agent answers nothing, while the containers it started keep running.
     *
     * @return whether the agent process was alive to receive it
     */
    public boolean signalAgent(String workerId, boolean stop) {
        Optional<Long> pid = liveAgents().stream().filter(a -> a.getKey().equals(workerId)).map(Map.Entry::getValue)
                .findFirst();
        if (pid.isEmpty()) {
            return false;
        }
        try {
            Process kill = new ProcessBuilder("kill", stop ? "-STOP" : "-CONT", Long.toString(pid.get()))
                    .redirectErrorStream(true).start();
            return kill.waitFor() == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void kill9(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly(); // SIGKILL on Linux
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("process " + pid + " survived SIGKILL for 30 s", e);
            }
        });
    }

    // ---- what tests need to know ------------------------------------------------------------

    /**
     * Every port this grid listens on: PostgreSQL, Kafka (broker and controller), S3, api-service,
     * orchestrator-service and each live agent (from the local provider's pid files).
     */
    public List<Integer> listeningPorts() {
        List<Integer> ports = new ArrayList<>(List.of(postgresPort, kafkaPort, kafkaControllerPort, s3Port, apiPort,
                orchestratorPort));
        for (Map.Entry<String, Long> agent : liveAgents()) {
            Properties props = new Properties();
            try (var in = Files.newInputStream(workersDir().resolve(agent.getKey() + ".pid"))) {
                props.load(in);
                ports.add(Integer.parseInt(props.getProperty("port")));
            } catch (IOException | RuntimeException e) {
                // gone since: nothing listens for it any more
            }
        }
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
        for (Map.Entry<String, Long> agent : liveAgents()) {
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
