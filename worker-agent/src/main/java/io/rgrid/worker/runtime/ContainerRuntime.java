package io.rgrid.worker.runtime;

/**
 * Runs one prepared work directory ({@code script.py}, {@code inputs/}, {@code outputs/}) under
 * the request's limits and reports how it ended. Two implementations share one contract test
 * suite: {@code docker} (production: hardened containers) and {@code process} (python3 under
 * rlimits, for hosts without a Docker engine).
 */
public interface ContainerRuntime extends AutoCloseable {

    /** "docker" or "process", as reported in heartbeats and health. */
    String name();

    /**
     * Runs the request and blocks until the script exits, its timeout passes (the run is then
     * killed and {@link RunResult#timedOut()} set) or {@link #kill} is called for it. Everything
     * the run left behind (container, child processes) is gone when this returns.
     *
     * @param output receives stdout and stderr as they arrive, line by line where possible
     * @throws RunFailedException when the run could not be started (image missing, engine error)
     */
    RunResult run(RunRequest request, OutputListener output) throws RunFailedException;

    /**
     * Kills the run with this id, if it is running; the pending {@link #run} call returns with
     * {@link RunResult#killed()} set. Killing an unknown or finished run does nothing. A kill that
     * arrives before the run starts still stops it as soon as it starts.
     */
    void kill(String runId);

    @Override
    default void close() {
    }
}
