package io.rgrid.orchestrator.provider;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The local provider's pid files, {@code <work-dir>/<worker-id>.pid} (pid, port, start, grid tag),
 * and the adoption they allow: an orchestrator killed with SIGKILL leaves its agents running, and
 * the next one takes over those that still run the agent jar for this grid.
 */
final class LocalPidFiles {

    private static final Logger LOG = Logger.getLogger(LocalPidFiles.class);

    /** Suffix of the file each agent's pid, port, start and grid tag are kept in (its "server tag"). */
    static final String PID_SUFFIX = ".pid";

    private final Path workDir;
    private final Path agentJar;
    private final String gridTag;

    /**
     * @param gridTag tells this grid's agents from another's sharing the work dir (tests, a second
     *                local grid): the Kafka they heartbeat to and the topic prefix
     */
    LocalPidFiles(Path workDir, Path agentJar, String gridTag) {
        this.workDir = workDir;
        this.agentJar = agentJar;
        this.gridTag = gridTag;
    }

    /**
     * An orchestrator killed with SIGKILL leaves its agents running. Each agent has a pid file in
     * the work dir; at start, every one whose process still runs the agent jar for this grid is
     * adopted (returned here, for the provider's list), so the lifecycle manager's reconciliation
     * keeps the ones the registry knows and deletes the others. Files of dead processes are removed.
     */
    List<LocalAgent> adoptLeftovers() {
        List<LocalAgent> adopted = new ArrayList<>();
        Path dir = workDir;
        if (!Files.isDirectory(dir)) {
            return adopted;
        }
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(PID_SUFFIX)).toList()) {
                adopt(file).ifPresent(adopted::add);
            }
        } catch (IOException e) {
            LOG.warnf("cannot look for local agents left in %s: %s", dir, e.getMessage());
        }
        return adopted;
    }

    private Optional<LocalAgent> adopt(Path file) {
        String name = file.getFileName().toString();
        String workerId = name.substring(0, name.length() - PID_SUFFIX.length());
        try {
            Properties props = read(file);
            if (!ours(props)) {
                return Optional.empty(); // another grid's agent: not ours to adopt or stop
            }
            long pid = Long.parseLong(props.getProperty("pid"));
            Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(this::runsAgentJar);
            if (handle.isEmpty()) {
                Files.deleteIfExists(file);
                return Optional.empty();
            }
            int port = Integer.parseInt(props.getProperty("port"));
            Instant startedAt = Instant.parse(props.getProperty("started"));
            LocalAgent agent = new LocalAgent(workerId, handle.get(), port, startedAt);
            LOG.infof("adopted local worker %s (pid %d, port %d) left by a previous orchestrator", workerId, pid, port);
            return Optional.of(agent);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring unreadable pid file %s: %s", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Guards against a pid reused by an unrelated process since the file was written. */
    private boolean runsAgentJar(ProcessHandle process) {
        String jar = agentJar.toString();
        return process.info().commandLine().map(cmd -> cmd.contains(jar)).orElse(false)
                || process.info().arguments().map(args -> Arrays.asList(args).contains(jar)).orElse(false);
    }

    void write(LocalAgent agent) {
        Path file = workDir.resolve(agent.workerId() + PID_SUFFIX);
        String text = "pid=" + agent.process().pid() + "\nport=" + agent.port() + "\nstarted=" + agent.startedAt()
                + "\ngrid=" + gridTag.replace("\\", "\\\\").replace(":", "\\:") + "\n";
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            LOG.warnf("cannot write %s (a restarted orchestrator will not find this agent): %s", file,
                    e.getMessage());
        }
    }

    /**
     * Removes this grid's pid file of {@code workerId}. Another grid's file of that id (sharing the
     * work dir) is left: its orchestrator adopts its agent from it after a restart.
     */
    void delete(String workerId) {
        Path file = workDir.resolve(workerId + PID_SUFFIX);
        try {
            if (Files.exists(file) && !ours(read(file))) {
                return;
            }
            Files.deleteIfExists(file);
        } catch (IOException | RuntimeException e) {
            LOG.debugf("cannot delete pid file of %s: %s", workerId, e.getMessage());
        }
    }

    private boolean ours(Properties pidFile) {
        return gridTag.equals(pidFile.getProperty("grid"));
    }

    private static Properties read(Path file) throws IOException {
        Properties props = new Properties();
        try (var in = Files.newInputStream(file)) {
            props.load(in);
        }
        return props;
    }
}
