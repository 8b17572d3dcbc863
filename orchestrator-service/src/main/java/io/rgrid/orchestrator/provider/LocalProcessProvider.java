package io.rgrid.orchestrator.provider;

import com.sun.management.OperatingSystemMXBean;
import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.config.RgridConfig;
import org.jboss.logging.Logger;

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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.rgrid.orchestrator.provider.LocalAgentLaunch.address;
import static io.rgrid.orchestrator.provider.LocalAgentLaunch.agentCommand;
import static io.rgrid.orchestrator.provider.LocalAgentLaunch.javaBinary;

/**
 * Starts worker-agent processes on this host: {@code <this JVM's java> -jar <agent jar>}, each
 * on its own HTTP port (the first free one from {@code rgrid.orchestrator.local.first-port}),
 * configured through environment variables with the worker id and token the orchestrator issued
 * and the grid's Kafka and storage settings ({@link LocalAgentLaunch}). Output goes to
 * {@code <work-dir>/<worker-id>.log}. Agents are stopped with SIGTERM, then killed after a grace
 * period, and all of them when the orchestrator stops. Each has a pid file ({@link LocalPidFiles}):
 * a restarted orchestrator adopts the agents a killed one left; a dead agent's containers and
 * scripts are stopped before its work moves ({@link LocalLeftovers}).
 */
public final class LocalProcessProvider implements CloudProvider {

    private static final Logger LOG = Logger.getLogger(LocalProcessProvider.class);
    private static final int PORT_SEARCH_RANGE = 200;

    private final RgridConfig config;
    private final LocalAgentLaunch launch;
    private final LocalPidFiles pidFiles;
    private final LocalLeftovers leftovers;
    private final Map<String, LocalAgent> agents = new ConcurrentHashMap<>();
    /** Set once the orchestrator stops: an autoscaler tick racing the shutdown must not start an orphan. */
    private volatile boolean closed;

    public LocalProcessProvider(RgridConfig config) {
        this.config = config;
        this.launch = new LocalAgentLaunch(config);
        this.pidFiles = new LocalPidFiles(workDir(), agentJar(), gridTag());
        this.leftovers = new LocalLeftovers(workDir(), config.orchestrator().local().agentEnv());
        pidFiles.adoptLeftovers().forEach(agent -> agents.put(agent.workerId(), agent));
    }

    /**
     * Tells this grid's agents from another's sharing the work dir (tests, a second local grid):
     * the Kafka they heartbeat to and the topic prefix.
     */
    private String gridTag() {
        return config.kafka().bootstrapServers() + "|" + config.kafka().topicPrefix().orElse("");
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
        // The agent inherits this process's environment, which has the store's keys and K: not those.
        builder.environment().keySet().removeIf(LocalAgentLaunch::withheldFromAgents);
        builder.environment().putAll(launch.agentEnvironment(request, port));
        try {
            Process process = builder.start();
            Instant startedAt = Instant.now();
            LocalAgent agent = new LocalAgent(request.workerId(), process.toHandle(), port, startedAt);
            agents.put(request.workerId(), agent);
            pidFiles.write(agent);
            LOG.infof("started local worker %s (pid %d) on port %d; log %s", request.workerId(), process.pid(), port,
                    log);
            return new ProvisionedServer(request.workerId(), Long.toString(process.pid()), address(port), startedAt,
                    "local", config.orchestrator().local().hourlyPriceEur());
        } catch (IOException e) {
            throw new ProvisioningException("cannot start " + javaBinary() + " -jar " + agentJar() + ": "
                    + e.getMessage(), e);
        }
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
     * A local agent killed with SIGKILL leaves its containers running on this host: they are
     * removed (by the worker-id label the agent puts on them) before the work is requeued, unless
     * the agent still runs. Needs the {@code docker} CLI; without it nothing is left to find by
     * label, and that step is skipped. With the process runtime the agent's scripts are left
     * running instead: they are killed, each run's session as a whole, from the pid files the agent
     * keeps in its work directory ({@link LocalLeftovers}).
     */
    @Override
    public void stopLeftovers(String workerId) {
        LocalAgent agent = agents.get(workerId);
        if (agent != null && agent.process().isAlive()) {
            return;
        }
        leftovers.stop(workerId);
    }

    @Override
    public Optional<Instant> terminate(String workerId) {
        LocalAgent agent = agents.remove(workerId);
        if (agent == null) {
            pidFiles.delete(workerId);
            return Optional.empty();
        }
        stop(List.of(agent));
        return Optional.empty(); // a local process costs nothing: the registry's own time will do
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
            pidFiles.delete(agent.workerId());
            LOG.infof("stopped local worker %s", agent.workerId());
        }
    }

    private static boolean waitFor(ProcessHandle process, long nanos) throws InterruptedException {
        try {
            process.onExit().get(nanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return !process.isAlive();
        } catch (ExecutionException e) {
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

    /**
     * Adopts every agent of this grid that runs now (from the pid files): a standby that takes
     * over knew only those of its own start, and the leader it follows may have started and
     * stopped agents since. An agent already known is replaced by what its file says (the same
     * process, or the one a restart of the agent wrote there).
     */
    @Override
    public synchronized void takeOver() {
        List<LocalAgent> running = pidFiles.adoptLeftovers();
        running.forEach(agent -> agents.put(agent.workerId(), agent));
        LOG.infof("taking over as leader: %d local agents run for this grid", running.size());
    }

    /** A standby's stop: the agents it knows are the leader's, so they are forgotten, never stopped. */
    @Override
    public synchronized void closeKeepingWorkers() {
        closed = true;
        agents.clear();
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
