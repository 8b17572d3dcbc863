package io.rgrid.worker.runtime;

import java.time.Duration;
import java.time.Instant;

/**
 * How a run ended.
 *
 * @param exitCode the script's exit code (for a killed run, whatever the kill produced, e.g. 137)
 * @param signals  what the runtime observed, raw (see {@link ExitSignals})
 * @param memory   whether the memory limit struck, decided from the signals by {@link OomDecision}
 * @param timedOut the run passed its timeout and was killed
 * @param killed   {@link ContainerRuntime#kill} stopped it
 */
public record RunResult(int exitCode, ExitSignals signals, OomDecision.Verdict memory, boolean timedOut,
                        boolean killed, Instant startedAt, Instant finishedAt) {

    /**
     * A run that ended after it started: the memory verdict is decided here from the signals,
     * so no runtime can decide it differently.
     */
    public static RunResult ended(ExitSignals signals, boolean timedOut, boolean killed, Instant startedAt,
                                  Instant finishedAt) {
        return new RunResult(signals.exitCode(), signals, OomDecision.decide(signals), timedOut, killed,
                startedAt, finishedAt);
    }

    /** A run stopped by {@link ContainerRuntime#kill} before its script started. */
    public static RunResult killedBeforeStart() {
        Instant now = Instant.now();
        return ended(ExitSignals.ofProcess(137, true, false), false, true, now, now);
    }

    /** The memory limit killed the run (see {@link OomDecision}). */
    public boolean oomKilled() {
        return memory.oomKilled();
    }

    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }
}
