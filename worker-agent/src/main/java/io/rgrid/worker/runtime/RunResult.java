package io.rgrid.worker.runtime;

import java.time.Duration;
import java.time.Instant;

/**
 * How a run ended.
 *
 * @param exitCode  the script's exit code (for a killed run, whatever the kill produced, e.g. 137)
 * @param oomKilled the memory limit was hit
 * @param timedOut  the run passed its timeout and was killed
 * @param killed    {@link ContainerRuntime#kill} stopped it
 */
public record RunResult(int exitCode, boolean oomKilled, boolean timedOut, boolean killed,
                        Instant startedAt, Instant finishedAt) {

    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }
}
