package io.rgrid.worker.runtime;

/**
 * Everything a runtime could observe about how a run ended, as raw signals; {@link OomDecision}
 * turns them into one verdict. A signal a runtime cannot observe on this machine is {@code null}
 * (not {@code false} or 0): "not known" and "known to be no" must not be confused.
 *
 * @param exitCode           the exit code of the run's main process (137 = killed by SIGKILL)
 * @param killedByAgent      the agent killed the run itself (timeout or cancel), so a SIGKILL is ours
 * @param engineOomFlag      Docker's {@code State.OOMKilled}; null where there is no engine. Not
 *                           reliable on every kernel: on cgroup v1 with kernel 6.18 it stays false
 *                           although the kernel killed the process
 * @param cgroupOomKills     how many processes the kernel killed for memory in the run's own cgroup
 *                           subtree ({@code oom_kill} in a parent's {@code memory.events}, cgroup v2);
 *                           null where it cannot be read (cgroup v1 counts a kill only in the
 *                           container's cgroup, which is gone by the time the exit is known)
 * @param memoryLimitReached the run's memory use reached its limit at some point (the peak of a
 *                           parent cgroup that outlives the container, cgroup v1); null where unknown
 * @param hostOomKills       how many OOM kills the kernel made on the whole host while the run ran
 *                           ({@code oom_kill} in {@code /proc/vmstat}); null where unknown
 * @param memoryErrorRaised  Python reported {@code MemoryError} on stderr (the process runtime, whose
 *                           rlimit makes allocations fail instead of killing)
 */
public record ExitSignals(int exitCode, boolean killedByAgent, Boolean engineOomFlag, Long cgroupOomKills,
                          Boolean memoryLimitReached, Long hostOomKills, boolean memoryErrorRaised) {

    /** What a runtime without an engine or cgroups of its own sees: the exit and MemoryError. */
    public static ExitSignals ofProcess(int exitCode, boolean killedByAgent, boolean memoryErrorRaised) {
        return new ExitSignals(exitCode, killedByAgent, null, null, null, null, memoryErrorRaised);
    }
}
