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
     * Like {@link #run}, but what the run left behind (the stopped container) stays until
     * {@link Finished#release()} is called: the agent reports the outcome first and removes the
     * container afterwards, off the path the user waits on. When this throws, nothing is left.
     * Runtimes that leave nothing behind need not override it.
     */
    default Finished runKeeping(RunRequest request, OutputListener output) throws RunFailedException {
        return runKeeping(request, output, () -> { });
    }

    /**
     * {@link #runKeeping(RunRequest, OutputListener)} with a step that must be done before the
     * script starts but not before its container is created: the agent fetches the script from
     * storage while the engine creates the container. The work directory and its
     * {@code inputs/} and {@code outputs/} must exist already; {@code beforeStart} fills them.
     * When it throws, the run is not started, nothing is left, and its exception is thrown.
     */
    default Finished runKeeping(RunRequest request, OutputListener output, BeforeStart beforeStart)
            throws RunFailedException {
        beforeStart.await();
        return new Finished(run(request, output), () -> { });
    }

    /** Blocks until the run may start (its files are in place). */
    @FunctionalInterface
    interface BeforeStart {
        void await() throws RunFailedException;
    }

    /**
     * A run that ended, and how to remove what it left behind.
     *
     * @param result  how it ended
     * @param release removes the leftovers (idempotent, never throws)
     */
    record Finished(RunResult result, Runnable release) {
    }

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
