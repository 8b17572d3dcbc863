package io.rgrid.worker.assignment.service;

/**
 * Who ends an attempt this agent holds: its runner, by sending the terminal report, or the
 * orchestrator's stopping fence (or the agent's drain at shutdown), by killing it without one.
 * Exactly one of them may win, and {@link AssignmentService} asks this under its lock.
 *
 * <p>Why: the runner used to check "abandoned?" and then send its report, and a stopping fence
 * that came in between (or at any time before the report was acknowledged and the attempt marked
 * finished) answered "not finished": the orchestrator requeued the attempt while the report of the
 * whole first run still went out. It was ignored as an old attempt's, but the script had then run
 * twice, one run after the other. Now the runner claims the report first ({@link #mayReport}), and
 * a fence that finds the claim answers "finished" and leaves the attempt to its report, which the
 * orchestrator waits for.
 */
final class AttemptEndDecision {

    private AttemptEndDecision() {
    }

    /** Where an attempt stands on this agent. */
    enum Phase {
        /** Never accepted here, or forgotten (an old one). */
        UNKNOWN,
        /** Accepted; its script may be running; no one has claimed its end yet. */
        RUNNING,
        /** Its runner claimed the end: the terminal report is going out. */
        REPORTING,
        /** Its terminal report was acknowledged (recorded in the ledger). */
        FINISHED,
        /** Killed without a report, by a stopping fence or the drain; its runner may still be cleaning up. */
        ABANDONED
    }

    /** What a fence does to the attempt, and so what it answers. */
    enum FenceOutcome {
        /** Answer "finished": the attempt's report is out or going out; nothing is stopped. */
        FINISHED(true),
        /** Answer "held" (a fence without stop): the agent keeps running it. */
        HELD(true),
        /** Record the fence, kill the running attempt without a report, answer "not held". */
        STOP(false),
        /** Record the fence (a late request is refused from now on), answer "not held"; nothing runs. */
        REFUSE_FROM_NOW(false);

        private final boolean held;

        FenceOutcome(boolean held) {
            this.held = held;
        }

        /** The fence's answer: true when the agent finished the attempt or holds it. */
        boolean held() {
            return held;
        }
    }

    /** A fence of an attempt in {@code phase}; {@code stop} asks for a held attempt to be killed. */
    static FenceOutcome fence(Phase phase, boolean stop) {
        return switch (phase) {
            case FINISHED, REPORTING -> FenceOutcome.FINISHED;
            case RUNNING -> stop ? FenceOutcome.STOP : FenceOutcome.HELD;
            // Killed already, its runner cleaning up: the fence is recorded again, nothing more runs.
            case ABANDONED -> FenceOutcome.STOP;
            case UNKNOWN -> FenceOutcome.REFUSE_FROM_NOW;
        };
    }

    /** Whether the runner of an attempt in {@code phase} may send its terminal report (and so claims it). */
    static boolean mayReport(Phase phase) {
        return phase == Phase.RUNNING;
    }

    /** Whether the drain at shutdown kills an attempt in {@code phase}: not one whose report is already going out. */
    static boolean drainKills(Phase phase) {
        return phase == Phase.RUNNING;
    }
}
