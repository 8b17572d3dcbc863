package io.rgrid.local.grid;

import io.rgrid.local.Layout;
import io.rgrid.local.infra.InfraServers;
import io.rgrid.local.infra.ManagedProcess;
import io.rgrid.local.infra.Ports;
import io.rgrid.local.infra.PostgresServer;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.config.ClientConfig;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The background process behind {@code rgrid local up}: starts PostgreSQL, Kafka, S3,
 * api-service and orchestrator-service (which starts worker-agents on demand with its
 * {@code local} provider), publishes its progress in grid.json, restarts a service that dies,
 * and on SIGTERM stops everything in reverse order. Data persists in the data directory.
 */
public final class GridSupervisor {

    public static final String DATABASE = "rgrid";
    public static final String BUCKET = "rgrid";
    /** The local grid's default image: built on this machine by infra/build-base-image.sh. */
    public static final String LOCAL_IMAGE = "rgrid/python:3.11-local";
    private static final Duration SERVICE_START = Duration.ofSeconds(120);

    private final Layout layout;
    private final Path dataDir;
    private final int apiPort;
    private final int orchestratorPort;
    private final int maxWorkers;
    private GridState state;
    private InfraServers infra;
    private ManagedProcess api;
    private ManagedProcess orchestrator;
    /** The API's API_HASH_SECRET: generated once into the data directory, never replaced (stored key hashes depend on it). */
    private String hashSecret;
    /**
     * RGRID_REPORTS_SIGNING_KEY, K of api-service and the orchestrator (docs/security.md): generated
     * once into the data directory like the hash secret; the agents never get it.
     */
    private String reportSigningKey;
    private volatile boolean stopping;

    GridSupervisor(Layout layout, Path dataDir, int apiPort, int orchestratorPort, int maxWorkers) {
        this.layout = layout;
        this.dataDir = dataDir;
        this.apiPort = apiPort;
        this.orchestratorPort = orchestratorPort;
        this.maxWorkers = maxWorkers;
    }

    /** @param maxWorkers most workers the orchestrator may run at once; 0: its default */
    public static int run(Path dataDir, int apiPort, int orchestratorPort, int maxWorkers) throws IOException {
        Files.createDirectories(dataDir);
        try (FileChannel lockChannel = FileChannel.open(dataDir.resolve("supervisor.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockChannel.tryLock()) {
            if (lock == null) {
                System.err.println("another local grid supervisor already runs on " + dataDir);
                return 1;
            }
            GridSupervisor supervisor = new GridSupervisor(Layout.detect(), dataDir, apiPort, orchestratorPort, maxWorkers);
            Runtime.getRuntime().addShutdownHook(new Thread(supervisor::stopAll, "grid-shutdown"));
            try {
                supervisor.startAll();
            } catch (RuntimeException e) {
                System.err.println("local grid failed to start: " + e.getMessage());
                supervisor.publish("FAILED", e.getMessage());
                return 1;
            }
            supervisor.watch();
            return 0;
        }
    }

    private void startAll() throws IOException {
        long pid = ProcessHandle.current().pid();
        state = GridState.starting(pid, "starting");
        publish("STARTING", "checking artifacts");
        layout.requireServiceJars("api-service", "orchestrator-service", "worker-agent");
        requireFreePort(apiPort, "API");
        requireFreePort(orchestratorPort, "orchestrator");

        String apiKey = apiKey();
        hashSecret = secret("hash-secret");
        reportSigningKey = secret("report-signing-key");
        String s3Secret = secret("s3-secret-key");
        infra = InfraServers.start(layout, dataDir, "rgrid-local", s3Secret, PostgresServer.Commits.DURABLE,
                message -> publish("STARTING", message));
        infra.postgres().ensureDatabase(DATABASE);

        Path logs = dataDir.resolve("logs");
        String apiUrl = "http://127.0.0.1:" + apiPort;
        String orchestratorUrl = "http://127.0.0.1:" + orchestratorPort;
        state = new GridState("STARTING", "starting api-service", pid, apiUrl, orchestratorUrl, infra.postgres().port(),
                infra.kafka().bootstrapServers(), infra.s3().endpoint(), logs.toString(), runtimeDescription());
        publish("STARTING", "starting api-service");
        api = startService("api-service", apiEnv(apiKey), logs.resolve("api-service.log"));
        api.awaitHttpOk(apiUrl + "/q/health/ready", SERVICE_START);
        publish("STARTING", "starting orchestrator-service");
        orchestrator = startService("orchestrator-service", orchestratorEnv(), logs.resolve("orchestrator.log"));
        orchestrator.awaitHttpOk(orchestratorUrl + "/q/health/ready", SERVICE_START);

        new ClientConfig(apiUrl, apiKey).write(ClientConfig.path(System.getenv()));
        publish("READY", "ready");
        System.out.println("local grid ready: " + state);
    }

    /** Restarts a service that died (at most once per 10 s each), until SIGTERM. */
    private void watch() {
        long lastRestart = 0;
        while (!stopping) {
            ManagedProcess.sleep(1000);
            if (stopping) {
                break;
            }
            for (String module : List.of("api-service", "orchestrator-service")) {
                ManagedProcess process = module.equals("api-service") ? api : orchestrator;
                if (!process.isAlive() && System.currentTimeMillis() - lastRestart > 10_000) {
                    lastRestart = System.currentTimeMillis();
                    System.err.println(module + " exited; restarting it (log: " + process.logFile() + ")");
                    ManagedProcess restarted = startService(module,
                            module.equals("api-service") ? apiEnv(apiKeyQuietly()) : orchestratorEnv(), process.logFile());
                    if (module.equals("api-service")) {
                        api = restarted;
                    } else {
                        orchestrator = restarted;
                    }
                }
            }
        }
    }

    private synchronized void stopAll() {
        stopping = true;
        if (state != null && !"FAILED".equals(state.phase())) {
            publish("STOPPING", "stopping");
        }
        // The orchestrator stops the worker-agents it started, so it gets a generous grace period.
        if (orchestrator != null) {
            orchestrator.stop(Duration.ofSeconds(60));
        }
        if (api != null) {
            api.stop(Duration.ofSeconds(20));
        }
        if (infra != null) {
            infra.close();
        }
        if (state != null && !"FAILED".equals(state.phase())) {
            try {
                Files.deleteIfExists(dataDir.resolve(GridState.FILE));
            } catch (IOException ignored) {
                // the next `up` treats a stale file whose supervisor is gone as not running
            }
        }
    }

    private ManagedProcess startService(String module, Map<String, String> env, Path log) {
        List<String> command = new ArrayList<>();
        command.add(ManagedProcess.javaBinary());
        command.addAll(jvmOptions(module));
        command.addAll(List.of("-jar", layout.serviceJar(module).toString()));
        return ManagedProcess.start(module, command, env, log);
    }

    /**
     * Heap and GC options per service. The orchestrator gets its production unit's
     * (deploy/systemd/orchestrator.service), which keep it under 300 MB while it drains 10,000
     * queued executions, and C1 only, which drains faster on a small machine (docs/benchmarks.md).
     */
    static List<String> jvmOptions(String module) {
        if (module.equals("orchestrator-service")) {
            return List.of("-Xms64m", "-Xmx192m", "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m",
                    "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");
        }
        return List.of("-Xms32m", "-Xmx384m", "-XX:+ExitOnOutOfMemoryError");
    }

    private Map<String, String> commonEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_HTTP_HOST", Ports.LOOPBACK);
        env.put("QUARKUS_DATASOURCE_JDBC_URL", infra.endpoints().jdbcUrl(DATABASE));
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("RGRID_KAFKA_BOOTSTRAP_SERVERS", infra.endpoints().kafkaBootstrap());
        env.put("RGRID_KAFKA_CA_FILE", infra.endpoints().kafkaCaFile());
        env.put("RGRID_STORAGE_ENDPOINT", infra.endpoints().s3Endpoint());
        env.put("RGRID_STORAGE_ACCESS_KEY", infra.endpoints().s3AccessKey());
        env.put("RGRID_STORAGE_SECRET_KEY", infra.endpoints().s3SecretKey());
        env.put("RGRID_STORAGE_BUCKET", BUCKET);
        env.put("RGRID_REPORTS_SIGNING_KEY", reportSigningKey);
        return env;
    }

    private Map<String, String> apiEnv(String apiKey) {
        Map<String, String> env = commonEnv();
        env.put("API_PORT", Integer.toString(apiPort));
        env.put("API_HOST", Ports.LOOPBACK);
        env.put("API_SECRET_KEY", apiKey);
        env.put("API_HASH_SECRET", hashSecret);
        kafkaLogin(env, KafkaPrincipals.API);
        // The reconciliation asks this grid's orchestrator which executions it knows.
        env.put("ORCHESTRATOR_URL", "http://" + Ports.LOOPBACK + ":" + orchestratorPort);
        // The image infra/build-base-image.sh builds here, not production's python:3.11-slim: a laptop
        // grid must run without pulling. An RGRID_API_DEFAULTS_IMAGE of the user's own wins.
        env.put("RGRID_API_DEFAULTS_IMAGE", System.getenv().getOrDefault("RGRID_API_DEFAULTS_IMAGE", LOCAL_IMAGE));
        return env;
    }

    private Map<String, String> orchestratorEnv() {
        Map<String, String> env = commonEnv();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(orchestratorPort));
        env.put("RGRID_ORCHESTRATOR_PROVIDER", "local");
        kafkaLogin(env, KafkaPrincipals.ORCHESTRATOR);
        env.put("RGRID_ORCHESTRATOR_LOCAL_AGENT_JAR", layout.serviceJar("worker-agent").toString());
        env.put("RGRID_ORCHESTRATOR_LOCAL_WORK_DIR", dataDir.resolve("workers").toString());
        env.put("RGRID_ORCHESTRATOR_LOCAL_FIRST_PORT", Integer.toString(orchestratorPort + 1));
        if (maxWorkers > 0) {
            env.put("RGRID_ORCHESTRATOR_SCALING_MAX_WORKERS", Integer.toString(maxWorkers));
        }
        return env;
    }

    private void kafkaLogin(Map<String, String> env, String user) {
        env.put("RGRID_KAFKA_USERNAME", user);
        env.put("RGRID_KAFKA_PASSWORD", infra.endpoints().kafkaPasswords().get(user));
    }

    /** API_SECRET_KEY when set; otherwise the key generated on first start, kept in the data directory. */
    private String apiKey() throws IOException {
        String fromEnv = System.getenv("API_SECRET_KEY");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        return secret("api-key");
    }

    private String apiKeyQuietly() {
        try {
            return apiKey();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String secret(String fileName) throws IOException {
        Path file = dataDir.resolve(fileName);
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        String value = InfraServers.randomSecret(32);
        Files.writeString(file, value, StandardOpenOption.CREATE_NEW);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return value;
    }

    private static void requireFreePort(int port, String what) {
        if (!Ports.isFree(port)) {
            throw new IllegalStateException("port " + port + " (" + what + ") is in use by another program; stop it, "
                    + "or choose another port with --api-port/--orchestrator-port");
        }
    }

    static String runtimeDescription() {
        if (!DockerProbe.engineAnswers()) {
            return "process (no Docker engine answered at " + DockerProbe.SOCKET
                    + "; scripts run as python3 processes on this host, without container isolation)";
        }
        return "docker";
    }

    private void publish(String phase, String message) {
        try {
            state = state.with(phase, message);
            state.write(dataDir);
        } catch (IOException e) {
            System.err.println("cannot write " + GridState.FILE + ": " + e.getMessage());
        }
    }
}
