package io.rgrid.orchestrator.provider;

import io.rgrid.model.agent.ContainerLabels;
import io.rgrid.model.agent.RunPidFiles;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a dead local agent left running on this host, stopped before its work is requeued: its
 * containers (by the worker-id label the agent puts on them, through the {@code docker} CLI) and
 * its process-runtime runs (each run's session as a whole, from the pid files the agent keeps in
 * its work directory, {@link RunPidFiles}).
 */
final class LocalLeftovers {

    private static final Logger LOG = Logger.getLogger(LocalLeftovers.class);

    private final Path workDir;
    private final Map<String, String> agentEnv;

    /**
     * @param workDir  the local provider's work dir (each agent's directory is in it)
     * @param agentEnv the environment configured for the agents ({@code rgrid.orchestrator.local.agent-env})
     */
    LocalLeftovers(Path workDir, Map<String, String> agentEnv) {
        this.workDir = workDir;
        this.agentEnv = agentEnv;
    }

    /**
     * Removes the containers {@code workerId} left running and kills its process-runtime runs. Needs
     * the {@code docker} CLI; without it nothing is left to find by label, and that step is skipped.
     */
    void stop(String workerId) {
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
        String configured = agentEnv.get("RGRID_WORKER_WORK_DIR");
        if (configured == null) {
            configured = System.getenv("RGRID_WORKER_WORK_DIR");
        }
        if (configured != null && !configured.isBlank()) {
            return workDir.resolve(workerId).resolve(configured).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "rgrid-worker", workerId).toAbsolutePath();
    }
}
