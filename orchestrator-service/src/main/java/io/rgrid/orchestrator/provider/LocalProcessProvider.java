package io.rgrid.orchestrator.provider;

import com.sun.management.OperatingSystemMXBean;
import io.rgrid.model.agent.ContainerLabels;
import io.rgrid.model.agent.RunPidFiles;
import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.config.RgridConfig;
import org.jboss.logging.Logger;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /** The agent's JVM argument file, next to its quarkus-run.jar. */
    static final String AGENT_JVM_OPTIONS = "jvm.options";

    private static final Logger LOG = Logger.getLogger(LocalProcessProvider.class);
    private static final int PORT_SEARCH_RANGE = 200;

    /** An agent process: started by this orchestrator, or adopted from a pid file a killed one left. */
    private record LocalAgent(String workerId, ProcessHandle process, int port, Instant startedAt) {
    }

    /** Suffix of the file each agent's pid, port, start and grid tag are kept in (its "server tag"). */
    static final String PID_SUFFIX = ".pid";

    private final RgridConfig config;
    private final Map<String, LocalAgent> agents = new ConcurrentHashMap<>();
    /** Set once the orchestrator stops: an autoscaler tick racing the shutdown must not start an orphan. */
    private volatile boolean closed;

    public LocalProcessProvider(RgridConfig config) {
        this.config = config;
        adoptLeftovers();
    }

    /**
     * Tells this grid's agents from another's sharing the work dir (tests, a second local grid):
     * the Kafka they heartbeat to and the topic prefix.
     */
    private String gridTag() {
        return config.kafka().bootstrapServers() + "|" + config.kafka().topicPrefix().orElse("");
    }

    /**
     * An orchestrator killed with SIGKILL leaves its agents running. Each agent has a pid file in
     * the work dir; at start, every one whose process still runs the agent jar for this grid is
     * adopted into {@link #list()}, so the lifecycle manager's reconciliation keeps the ones the
     * registry knows and deletes the others. Files of dead processes are removed.
     */
    private void adoptLeftovers() {
        Path dir = workDir();
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(PID_SUFFIX)).toList()) {
                adopt(file);
            }
        } catch (IOException e) {
            LOG.warnf("cannot look for local agents left in %s: %s", dir, e.getMessage());
        }
    }

    private void adopt(Path file) {
        String name = file.getFileName().toString();
        String workerId = name.substring(0, name.length() - PID_SUFFIX.length());
        try {
            java.util.Properties props = new java.util.Properties();
            try (var in = Files.newInputStream(file)) {
                props.load(in);
            }
            if (!gridTag().equals(props.getProperty("grid"))) {
                return; // another grid's agent: not ours to adopt or stop
            }
            long pid = Long.parseLong(props.getProperty("pid"));
            Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(this::runsAgentJar);
            if (handle.isEmpty()) {
                Files.deleteIfExists(file);
                return;
            }
            int port = Integer.parseInt(props.getProperty("port"));
            Instant startedAt = Instant.parse(props.getProperty("started"));
            agents.put(workerId, new LocalAgent(workerId, handle.get(), port, startedAt));
            LOG.infof("adopted local worker %s (pid %d, port %d) left by a previous orchestrator", workerId, pid, port);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring unreadable pid file %s: %s", file, e.getMessage());
        }
    }

    /** Guards against a pid reused by an unrelated process since the file was written. */
    private boolean runsAgentJar(ProcessHandle process) {
        String jar = agentJar().toString();
        return process.info().commandLine().map(cmd -> cmd.contains(jar)).orElse(false)
                || process.info().arguments().map(args -> java.util.Arrays.asList(args).contains(jar)).orElse(false);
    }

    private void writePidFile(LocalAgent agent) {
        Path file = workDir().resolve(agent.workerId() + PID_SUFFIX);
        String text = "pid=" + agent.process().pid() + "\nport=" + agent.port() + "\nstarted=" + agent.startedAt()
                + "\ngrid=" + gridTag().replace("\\", "\\\\").replace(":", "\\:") + "\n";
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            LOG.warnf("cannot write %s (a restarted orchestrator will not find this agent): %s", file,
                    e.getMessage());
        }
    }

    private void deletePidFile(String workerId) {
        try {
            Files.deleteIfExists(workDir().resolve(workerId + PID_SUFFIX));
        } catch (IOException e) {
            LOG.debugf("cannot delete pid file of %s: %s", workerId, e.getMessage());
        }
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
        return new ServerOffer("local", config.orchestrator().local().hourlyPriceEur(),
                config.orchestrator().local().expectedBootTime());
    }

    /**
     * One type, {@code local}: what each local agent offers, as the agent itself works it out
     * ({@code RGRID_WORKER_CPUS}/{@code RGRID_WORKER_MEMORY_MB} from the agent environment or this
     * process's, else this host's cores and physical memory).
     */
    @Override
    public List<MachineType> machineTypes() {
        ServerOffer offer = offer();
        double cpus = agentSetting("RGRID_WORKER_CPUS").map(Double::parseDouble)
                .orElse((double) Runtime.getRuntime().availableProcessors());
        int memoryMb = agentSetting("RGRID_WORKER_MEMORY_MB").map(Integer::parseInt).orElseGet(() ->
                ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os
                        ? (int) Math.min(Integer.MAX_VALUE, os.getTotalMemorySize() / (1024 * 1024)) : 0);
        return memoryMb <= 0 ? List.of() : List.of(new MachineType(offer.serverType(), cpus, memoryMb,
                offer.hourlyPriceEur()));
    }

    private Optional<String> agentSetting(String name) {
        return Optional.ofNullable(config.orchestrator().local().agentEnv().get(name))
                .or(() -> Optional.ofNullable(System.getenv(name))).map(String::strip).filter(v -> !v.isEmpty());
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
        ProcessBuilder builder = new ProcessBuilder(agentCommand(agentJar()))
                .directory(agentDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // The agent inherits this process's environment, which has the store's keys: not those.
        builder.environment().keySet().removeIf(LocalProcessProvider::storeSetting);
        builder.environment().putAll(agentEnvironment(request, port));
        try {
            Process process = builder.start();
            Instant startedAt = Instant.now();
            LocalAgent agent = new LocalAgent(request.workerId(), process.toHandle(), port, startedAt);
            agents.put(request.workerId(), agent);
            writePidFile(agent);
            LOG.infof("started local worker %s (pid %d) on port %d; log %s", request.workerId(), process.pid(), port,
                    log);
            return new ProvisionedServer(request.workerId(), Long.toString(process.pid()), address(port), startedAt,
                    "local", config.orchestrator().local().hourlyPriceEur());
        } catch (IOException e) {
            throw new ProvisioningException("cannot start " + javaBinary() + " -jar " + agentJar() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Whether an environment variable configures the object store ({@code RGRID_STORAGE_*}, the
     * seed's {@code MINIO_*}): kept from agents, which hold no store key and reach the store only
     * through each assignment's presigned URLs.
     */
    static boolean storeSetting(String name) {
        return name.startsWith("RGRID_STORAGE_") || name.startsWith("MINIO_");
    }

    /** The agent's environment: identity and token, its port and address, and the grid's Kafka (no store key). */
    Map<String, String> agentEnvironment(ProvisionRequest request, int port) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        // Loopback only, as every service of the local grid: a container on Docker's bridge reaches
        // this host's other addresses (the bridge gateway), never its loopback (docs/security.md).
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("RGRID_WORKER_ID", request.workerId());
        env.put("RGRID_WORKER_TOKEN", request.token());
        env.put("RGRID_WORKER_ADVERTISED_ADDRESS", address(port));
        // Local agents run on the developer's own machine: when no Docker engine answers they fall
        // back to running scripts as processes (and say so) rather than refusing to start.
        env.put("RGRID_WORKER_ALLOW_PROCESS_RUNTIME", "true");
        // No egress rules on a developer's machine (they need root): executions use Docker's default
        // bridge, and what keeps them from the grid is that nothing of it listens beyond loopback.
        env.put("RGRID_WORKER_EGRESS_POLICY", "off");
        env.put("RGRID_KAFKA_BOOTSTRAP_SERVERS", config.kafka().bootstrapServers());
        env.put("RGRID_KAFKA_TOPIC_PREFIX", config.kafka().topicPrefix().orElse(""));
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

    /**
     * {@code java [@jvm.options] -jar <agent jar>}: the agent's JVM options are its own list,
     * packaged next to its jar (worker-agent's {@code src/main/jvm/jvm.options}); an older build
     * without it starts with the JVM's defaults.
     */
    static List<String> agentCommand(Path jar) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        Path options = jar.toAbsolutePath().resolveSibling(AGENT_JVM_OPTIONS);
        if (Files.isRegularFile(options)) {
            command.add("@" + options);
        }
        command.add("-jar");
        command.add(jar.toString());
        return command;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java").toString();
    }

    private static boolean isWindows() {
        return File.separatorChar == '\\';
    }

    /**
     * A local agent killed with SIGKILL leaves its containers running on this host: they are
     * removed (by the worker-id label the agent puts on them) before the work is requeued, unless
     * the agent still runs. Needs the {@code docker} CLI; without it nothing is left to find by
     * label, and that step is skipped. With the process runtime the agent's scripts are left
     * running instead: they are killed, each run's session as a whole, from the pid files the agent
     * keeps in its work directory ({@link RunPidFiles}).
     */
    @Override
    public void stopLeftovers(String workerId) {
        LocalAgent agent = agents.get(workerId);
        if (agent != null && agent.process().isAlive()) {
            return;
        }
        stopLeftoverProcesses(workerId);
        try {
            Process ps = new ProcessBuilder("docker", "ps", "-aq", "--filter",
                    "label=" + ContainerLabels.WORKER_ID + "=" + workerId).redirectErrorStream(true).start();
            String ids = new String(ps.getInputStream().readAllBytes()).trim();
            if (!ps.waitFor(10, TimeUnit.SECONDS) || ps.exitValue() != 0 || ids.isEmpty()) {
                return;
            }
            List<String> command = new ArrayList<>(List.of("docker", "rm", "-f"));
            command.addAll(List.of(ids.split("\\s+")));
            Process rm = new ProcessBuilder(command).redirectErrorStream(true).start();
            rm.getInputStream().readAllBytes();
            boolean done = rm.waitFor(30, TimeUnit.SECONDS);
            LOG.warnf("removed the containers dead local worker %s left running (%s): %s", workerId,
                    ids.replace('\n', ' '), done && rm.exitValue() == 0 ? "done" : "docker rm failed");
        } catch (IOException e) {
            LOG.debugf("no docker CLI to look for containers of dead local worker %s: %s", workerId, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the process-runtime runs a dead agent left running (see {@link RunPidFiles}). */
    private void stopLeftoverProcesses(String workerId) {
        Path pidDir = RunPidFiles.dir(agentWorkRoot(workerId), workerId);
        for (RunPidFiles.Entry run : RunPidFiles.read(pidDir, workerId)) {
            int processes = RunPidFiles.kill(run.pid(), run.startTime(), Duration.ofSeconds(3));
            if (processes > 0) {
                LOG.warnf("killed the processes dead local worker %s left running (run %s of execution %s, "
                        + "process group %d, %d process(es))", workerId, run.runId(),
                        run.labels().get(ContainerLabels.EXECUTION_ID), run.pid(), processes);
            }
            try {
                Files.deleteIfExists(run.file());
            } catch (IOException e) {
                LOG.debugf("cannot delete %s: %s", run.file(), e.toString());
            }
        }
    }

    /**
     * The agent's work directory, as it resolves it: {@code RGRID_WORKER_WORK_DIR} from the
     * environment it was given (relative to its directory), else its default
     * {@code <java.io.tmpdir>/rgrid-worker/<worker id>} (this JVM's tmpdir, which the agent shares
     * unless its options set another).
     */
    private Path agentWorkRoot(String workerId) {
        String configured = config.orchestrator().local().agentEnv().get("RGRID_WORKER_WORK_DIR");
        if (configured == null) {
            configured = System.getenv("RGRID_WORKER_WORK_DIR");
        }
        if (configured != null && !configured.isBlank()) {
            return workDir().resolve(workerId).resolve(configured).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "rgrid-worker", workerId).toAbsolutePath();
    }

    @Override
    public void terminate(String workerId) {
        LocalAgent agent = agents.remove(workerId);
        if (agent == null) {
            deletePidFile(workerId);
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
                if (!waitFor(agent.process(), left)) {
                    LOG.warnf("local worker %s did not stop within %s; killing it", agent.workerId(), grace);
                    agent.process().destroyForcibly();
                    waitFor(agent.process(), TimeUnit.SECONDS.toNanos(5));
                }
            } catch (InterruptedException e) {
                agent.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
            deletePidFile(agent.workerId());
            LOG.infof("stopped local worker %s", agent.workerId());
        }
    }

    private static boolean waitFor(ProcessHandle process, long nanos) throws InterruptedException {
        try {
            process.onExit().get(nanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return !process.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !process.isAlive();
        }
    }

    @Override
    public List<ProvisionedServer> list() {
        List<ProvisionedServer> out = new ArrayList<>();
        for (LocalAgent agent : agents.values()) {
            if (agent.process().isAlive()) {
                out.add(new ProvisionedServer(agent.workerId(), Long.toString(agent.process().pid()),
                        address(agent.port()), agent.startedAt(), "local",
                        config.orchestrator().local().hourlyPriceEur()));
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
