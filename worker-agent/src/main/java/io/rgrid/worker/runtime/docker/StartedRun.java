package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import io.rgrid.worker.runtime.OutputListener;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * A run's started container, as {@link DockerRuntime} follows it to its end: either one created
 * for the run, or a warm one of the {@link WarmPool} the run was handed to. Knows how to remove
 * itself with what belongs to it, once.
 */
final class StartedRun {

    /** What a launch returns when the run was killed before it started: nothing to follow or remove. */
    static final StartedRun KILLED_BEFORE_START = new StartedRun(null, null, null, null, (id, cgroup) -> { });

    private final String containerId;
    private final String cgroupName;
    private final WarmPool.Warm warm;
    /** Where a warm container's files go back to after the run; null for a run's own container. */
    private final Path attemptDir;
    private final BiConsumer<String, String> remover;
    private boolean released;
    /** The kernel's count of OOM kills on the host just before the start (RunCgroups), or null. */
    Long hostOomKillsBefore;
    /** When the script was set going (start, or the warm container's go). */
    long startedNanos;
    /** The launch's own steps, for the DEBUG timings line. */
    String timings = "";
    /** The log follow and the wait, when the launch attached them itself (a warm container, before its go). */
    Attachment attachment;

    /** The follow of a running container's log and the wait for its end. */
    record Attachment(LogCollector logs, WaitContainerResultCallback exit) {
        void close() {
            DockerRuntime.closeQuietly(logs);
            DockerRuntime.closeQuietly(exit);
        }
    }

    /**
     * Follows the log of a running container from its beginning (nothing is missed) and waits
     * for its end. Only once it runs: the engine ends a follow of a container that is not running
     * at once (and a wait for "not-running" too).
     */
    static Attachment attach(DockerClient docker, String containerId, OutputListener output) {
        LogCollector logs = docker.logContainerCmd(containerId)
                .withStdOut(true).withStdErr(true).withFollowStream(true)
                .exec(new LogCollector(output));
        return new Attachment(logs, docker.waitContainerCmd(containerId).exec(new WaitContainerResultCallback()));
    }

    private StartedRun(String containerId, String cgroupName, WarmPool.Warm warm, Path attemptDir,
                       BiConsumer<String, String> remover) {
        this.containerId = containerId;
        this.cgroupName = cgroupName;
        this.warm = warm;
        this.attemptDir = attemptDir;
        this.remover = remover;
    }

    /**
     * A container created for the run.
     *
     * @param remover removes a container (by id) and its parent cgroup (by name)
     */
    static StartedRun cold(String containerId, String name, BiConsumer<String, String> remover) {
        return new StartedRun(containerId, name, null, null, remover);
    }

    /** A warm container the run was handed to; removing it is the pool's. */
    static StartedRun warm(WarmPool pool, WarmPool.Warm warm, Path attemptDir) {
        return new StartedRun(warm.id(), warm.name(), warm, attemptDir, (id, cgroup) -> pool.release(warm));
    }

    String containerId() {
        return containerId;
    }

    /** Names the run's parent cgroup: the container's name at create. */
    String cgroupName() {
        return cgroupName;
    }

    boolean killedBeforeStart() {
        return containerId == null;
    }

    /** After the container stopped: a warm one's files go back to the attempt's directory. */
    void stopped() throws IOException {
        if (warm != null) {
            WarmHandover.moveOut(warm.dir(), attemptDir);
        }
    }

    /** Removes the container and what belongs to it; idempotent, never throws. */
    synchronized void release() {
        if (attachment != null) {
            attachment.close();
        }
        if (!released && containerId != null) {
            released = true;
            remover.accept(containerId, cgroupName);
        }
    }
}
