package io.rgrid.worker.runtime;

/**
 * Decides whether a run was killed for memory, from every signal there is ({@link ExitSignals}).
 * One pure function for both runtimes, so that every machine reaches the same verdict from
 * whatever subset of signals it offers.
 *
 * <p>Why these rules:
 * <ul>
 *   <li>A run the agent killed (timeout, cancel) ended because of the agent, whatever else
 *       happened before: the timeout or cancel is what the user must hear about.</li>
 *   <li>The kernel's own record is the ground truth, and Docker's flag is derived from the same
 *       kernel event when the engine sees it. Any one of them suffices: machines differ in which
 *       of them works (Docker 20.10 on cgroup v1 with kernel 6.18 never sets the flag; a
 *       systemd-driven engine has no cgroup the agent can read). The kernel's record is exact on
 *       cgroup v2 (the kills in the run's subtree). On cgroup v1 a kill is counted only in the
 *       container's own cgroup, gone before the exit is known, so it is two facts together: the
 *       run's memory reached its limit, and the kernel OOM-killed something on the host while it
 *       ran. Either alone is not enough (page cache fills a limit without any kill; another
 *       tenant's kill is not this run's).</li>
 *   <li>A kill counts only when the script then failed. A script that survives the loss of a child
 *       process and exits 0 succeeded; it is told in its log ({@link Outcome#SURVIVED}).</li>
 *   <li>Exit code 137 alone is not evidence: a script can be SIGKILLed for other reasons, and
 *       calling that OOM would send the user chasing memory that was never the problem.</li>
 * </ul>
 */
public final class OomDecision {

    private OomDecision() {
    }

    public enum Outcome {
        /** No sign of the memory limit. */
        NONE,
        /** The memory limit killed the run (or a process of it, and the script then failed). */
        OOM_KILLED,
        /** A process of the run was killed for memory, but the script still exited 0. */
        SURVIVED
    }

    /**
     * @param outcome  what happened
     * @param evidence which signal showed it, for the log (null for {@link Outcome#NONE})
     */
    public record Verdict(Outcome outcome, String evidence) {

        public static final Verdict NONE = new Verdict(Outcome.NONE, null);

        public boolean oomKilled() {
            return outcome == Outcome.OOM_KILLED;
        }
    }

    public static Verdict decide(ExitSignals signals) {
        if (signals.killedByAgent()) {
            return Verdict.NONE;
        }
        String kernel = kernelEvidence(signals);
        if (kernel != null) {
            return new Verdict(signals.exitCode() == 0 ? Outcome.SURVIVED : Outcome.OOM_KILLED, kernel);
        }
        // MemoryError is only text on stderr: a script may print or catch it and still succeed.
        if (signals.memoryErrorRaised() && signals.exitCode() != 0) {
            return new Verdict(Outcome.OOM_KILLED, "Python raised MemoryError at the limit");
        }
        return Verdict.NONE;
    }

    /** The kernel's or the engine's word that a process of the run was killed for memory, or null. */
    private static String kernelEvidence(ExitSignals signals) {
        Long kills = signals.cgroupOomKills();
        if (kills != null && kills > 0) {
            return "the kernel counted " + kills + " OOM kill" + (kills == 1 ? "" : "s") + " in the run's cgroup";
        }
        Long hostKills = signals.hostOomKills();
        if (Boolean.TRUE.equals(signals.memoryLimitReached()) && hostKills != null && hostKills > 0) {
            return "the run's memory reached its limit and the kernel counted an OOM kill meanwhile";
        }
        if (Boolean.TRUE.equals(signals.engineOomFlag())) {
            return "Docker flagged the container as OOM-killed";
        }
        return null;
    }
}
