package io.rgrid.worker.config;

import com.sun.management.OperatingSystemMXBean;
import io.rgrid.model.Ids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * The resolved identity and capacity of this agent: the configured values checked, and the
 * defaults that depend on the host filled in. Invalid settings fail the start with a message
 * that names the key to fix.
 */
@ApplicationScoped
public class AgentIdentity {

    private final String workerId;
    private final String token;
    private final Path workDir;
    private final int slots;
    private final double cpus;
    private final int memoryMb;
    private final String version;

    @Inject
    public AgentIdentity(WorkerConfig config,
                         @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        WorkerConfig.Worker worker = config.worker();
        String id = worker.id().map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
        if (id == null) {
            id = Ids.newWorkerId();
        } else if (!Ids.isWorkerId(id)) {
            throw new IllegalStateException("rgrid.worker.id (RGRID_WORKER_ID) must look like "
                    + Ids.WORKER_ID_PREFIX + "xxxxxx (6 lowercase letters or digits), not '" + id + "'");
        }
        this.workerId = id;
        this.token = worker.token().map(String::trim).filter(s -> !s.isEmpty()).orElseThrow(() ->
                new IllegalStateException("rgrid.worker.token (env RGRID_WORKER_TOKEN) is empty: the agent needs the "
                        + "worker token the orchestrator calls it with; refusing to start without authentication"));
        this.workDir = worker.workDir().filter(s -> !s.isBlank()).map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"), "rgrid-worker", workerId))
                .toAbsolutePath();
        int cores = Runtime.getRuntime().availableProcessors();
        this.slots = worker.slots().orElse(cores);
        this.cpus = worker.cpus().orElse(cores);
        this.memoryMb = worker.memoryMb().orElseGet(AgentIdentity::physicalMemoryMb);
        if (slots < 1 || cpus <= 0 || memoryMb < 1) {
            throw new IllegalStateException("rgrid.worker.slots, .cpus and .memory-mb must be positive (got "
                    + slots + ", " + cpus + ", " + memoryMb + ")");
        }
        this.version = version;
    }

    private static int physicalMemoryMb() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            return (int) Math.min(Integer.MAX_VALUE, os.getTotalMemorySize() / (1024 * 1024));
        }
        return 1024;
    }

    public String workerId() {
        return workerId;
    }

    public String token() {
        return token;
    }

    public Path workDir() {
        return workDir;
    }

    public int slots() {
        return slots;
    }

    public double cpus() {
        return cpus;
    }

    public int memoryMb() {
        return memoryMb;
    }

    public String version() {
        return version;
    }
}
