package io.rgrid.orchestrator.provider;

import io.rgrid.orchestrator.config.RgridConfig;
import org.jboss.logging.Logger;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Starts worker-agent processes on this host: {@code <this JVM's java> -jar <agent jar>}, each
 * on its own HTTP port (the first free one from {@code rgrid.orchestrator.local.first-port}),
 * configured through environment variables with the worker id and token the orchestrator issued
 * and the grid's Kafka and storage settings. Output goes to {@code <work-dir>/<worker-id>.log}.
 * Agents are stopped with SIGTERM, then killed after a grace period, and all of them when the
 * orchestrator stops.
 */
public final class LocalProcessProvider implements CloudProvider {

    private static final Logger LOG = Logger.getLogger(LocalProcessProvider.class);
    private static final int PORT_SEARCH_RANGE = 200;

    private record LocalAgent(String workerId, Process process, int port, Instant startedAt) {
    }

    private final RgridConfig config;
    private final Map<String, LocalAgent> agents = new ConcurrentHashMap<>();
    /** Set once the orchestrator stops: an autoscaler tick racing the shutdown must not start an orphan. */
    private volatile boolean closed;

    public LocalProcessProvider(RgridConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public boolean scalable() {
        return true;
    }

    @Override
    public ServerOffer offer() {
        return new ServerOffer("local", 0.0, config.orchestrator().local().expectedBootTime());
    }

    /** The agent jar, resolved; a missing one is reported at start too, so it is noticed early. */
    public Path agentJar() {
        return config.orchestrator().local().agentJar().toAbsolutePath().normalize();
    }

    /** Where agents' logs and working directories go. */
    public Path workDir() {
        return config.orchestrator().local().workDir()
                .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), "rgrid-local-workers"))
                .toAbsolutePath().normalize();
    }

    /** Null when the jar is there; otherwise the message that says what to do. */
    public String missingJarMessage() {
        Path jar = agentJar();
        if (Files.isRegularFile(jar)) {
            return null;
        }
        return "worker-agent jar not found at " + jar + ": build it with `./mvnw -pl worker-agent -am package "
                + "-DskipTests` in the repository root, or point rgrid.orchestrator.local.agent-jar "
                + "(env RGRID_ORCHESTRATOR_LOCAL_AGENT_JAR) at it";
    }

    @Override
    public synchronized ProvisionedServer provision(ProvisionRequest request) throws ProvisioningException {
        if (closed) {
            throw new ProvisioningException("the local provider is stopped");
        }
        String missing = missingJarMessage();
        if (missing != null) {
            throw new ProvisioningException(missing);
        }
        RgridConfig.Local local = config.orchestrator().local();
        int port = freePort(local.firstPort());
        Path workDir = workDir();
        Path agentDir = workDir.resolve(request.workerId());
        Path log = workDir.resolve(request.workerId() + ".log");
        try {
            Files.createDirectories(agentDir);
        } catch (IOException e) {
            throw new ProvisioningException("cannot create " + agentDir + ": " + e.getMessage(), e);
        }
        ProcessBuilder builder = new ProcessBuilder(javaBinary(), "-jar", agentJar().toString())
                .directory(agentDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(agentEnvironment(request, port));
        try {
            Process process = builder.start();
            Instant startedAt = Instant.now();
            agents.put(request.workerId(), new LocalAgent(request.workerId(), process, port, startedAt));
            LOG.infof("started local worker %s (pid %d) on port %d; log %s", request.workerId(), process.pid(), port,
                    log);
            return new ProvisionedServer(request.workerId(), Long.toString(process.pid()), address(port), startedAt,
                    "local", 0.0);
        } catch (IOException e) {
            throw new ProvisioningException("cannot start " + javaBinary() + " -jar " + agentJar() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The agent's environment: identity and token, its port and address, and the grid's Kafka and storage. */
    Map<String, String> agentEnvironment(ProvisionRequest request, int port) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("RGRID_WORKER_ID", request.workerId());
        env.put("RGRID_WORKER_TOKEN", request.token());
        env.put("RGRID_WORKER_ADVERTISED_ADDRESS", address(port));
        env.put("RGRID_KAFKA_BOOTSTRAP_SERVERS", config.kafka().bootstrapServers());
        env.put("RGRID_KAFKA_TOPIC_PREFIX", config.kafka().topicPrefix().orElse(""));
        env.put("RGRID_STORAGE_ENDPOINT", config.storage().endpoint());
        env.put("RGRID_STORAGE_ACCESS_KEY", config.storage().accessKey());
        env.put("RGRID_STORAGE_SECRET_KEY", config.storage().secretKey());
        env.put("RGRID_STORAGE_BUCKET", config.storage().bucket());
        env.put("RGRID_STORAGE_REGION", config.storage().region());
        env.putAll(config.orchestrator().local().agentEnv());
        return env;
    }

    private static String address(int port) {
        return "http://127.0.0.1:" + port;
    }

    private int freePort(int first) throws ProvisioningException {
        Set<Integer> taken = new HashSet<>();
        agents.values().forEach(a -> taken.add(a.port()));
        for (int port = first; port < first + PORT_SEARCH_RANGE; port++) {
            if (!taken.contains(port) && bindable(port)) {
                return port;
            }
        }
        throw new ProvisioningException("no free port in " + first + ".." + (first + PORT_SEARCH_RANGE - 1)
                + " for a local worker (rgrid.orchestrator.local.first-port)");
    }

    private static boolean bindable(int port) {
        // The agent listens on all interfaces; binding the wildcard address also fails when any
        // single address (loopback included) already has a listener on that port.
        try (ServerSocket ignored = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java").toString();
    }

    private static boolean isWindows() {
        return File.separatorChar == '\\';
    }

    @Override
    public void terminate(String workerId) {
        LocalAgent agent = agents.remove(workerId);
        if (agent == null) {
            return;
        }
        stop(List.of(agent));
    }

    private void stop(List<LocalAgent> toStop) {
        // SIGTERM all first, so they drain in parallel, then wait out one grace period.
        toStop.forEach(a -> a.process().destroy());
        Duration grace = config.orchestrator().local().stopGracePeriod();
        long deadline = System.nanoTime() + grace.toNanos();
        for (LocalAgent agent : toStop) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!agent.process().waitFor(left, TimeUnit.NANOSECONDS)) {
                    LOG.warnf("local worker %s did not stop within %s; killing it", agent.workerId(), grace);
                    agent.process().destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                agent.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
            LOG.infof("stopped local worker %s", agent.workerId());
        }
    }

    @Override
    public List<ProvisionedServer> list() {
        List<ProvisionedServer> out = new ArrayList<>();
        for (LocalAgent agent : agents.values()) {
            if (agent.process().isAlive()) {
                out.add(new ProvisionedServer(agent.workerId(), Long.toString(agent.process().pid()),
                        address(agent.port()), agent.startedAt(), "local", 0.0));
            }
        }
        return out;
    }

    @Override
    public boolean workersEndWithOrchestrator() {
        return true;
    }

    @Override
    public void close() {
        List<LocalAgent> all;
        synchronized (this) {
            // Under the provision lock: no agent can be half-started while the list is taken.
            closed = true;
            all = new ArrayList<>(agents.values());
            agents.clear();
        }
        if (!all.isEmpty()) {
            stop(all);
        }
    }
}
