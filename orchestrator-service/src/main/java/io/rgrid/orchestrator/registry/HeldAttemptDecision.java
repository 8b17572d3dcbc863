package io.rgrid.orchestrator.registry;

import io.rgrid.model.ExecutionState;

import java.time.Duration;

/**
 * What one heartbeat says about one attempt: a pure function of what the agent lists and what the
 * orchestrator records, every age on the database's clock ({@code HeartbeatHandler} gathers the
 * facts, {@code HeldAttemptDecisionTest} is the table).
 *
 * <p>For an attempt the orchestrator records on the worker (ASSIGNED or RUNNING): listed running,
 * it is held; listed finished, it is never taken back, and its outcome (when the agent sends one)
 * is applied at once, since its report is already in Kafka and only lags; listed in neither, it is
 * missing once the agent has acknowledged it, and stopped on the agent then taken back once missing
 * for the whole grace and acknowledged longer ago than that. Missing time counts on two clocks, and
 * the grace must pass on both: between the applications of the first heartbeat that left it out and
 * this one (the database's: a burst of heartbeats delayed together is no evidence), and between their
 * compositions (the agent's, from the envelopes: a delivery gap is no evidence, so a heartbeat the
 * orchestrator's consumer reads again after a Kafka outage, composed before the agent accepted the
 * attempt, does not take back what the agent runs). An attempt the agent has not
 * acknowledged (its assignment POST may still be in flight: a heartbeat the agent sent before it
 * accepted lacks it) is never judged missing here: the dispatch fence and the re-send at start
 * settle it.
 *
 * <p>A missing attempt's stopping fence ({@link #afterStop}) decides the take-back: stopped (or
 * never held, and refused from then on) is taken back; finished is left for its report, already in
 * Kafka; no answer is asked again at the next heartbeat.
 *
 * <p>For an attempt the agent lists running: it is stale when the orchestrator has moved the
 * execution on to a later attempt (it took this one back while the worker was lost or cut off),
 * and must be stopped on the agent so it does not run beside its retry.
 */
public final class HeldAttemptDecision {

    private HeldAttemptDecision() {
    }

    public enum Verdict {
        /** Listed running: nothing to do. */
        HELD,
        /** Listed finished with its outcome: the orchestrator's copy takes the outcome now. */
        APPLY_OUTCOME,
        /** Listed finished without an outcome (an older agent): wait for the report, never take it back. */
        FINISHED,
        /** Listed in neither, within the grace: keep watching. */
        MISSING,
        /** Listed in neither, not acknowledged by the agent yet: the dispatch fence or the re-send settles it. */
        UNACKNOWLEDGED,
        /**
         * Listed in neither for the whole grace, and acknowledged longer ago than that: stop it on the
         * agent (a stopping fence), then take it back as {@link #afterStop} says.
         */
        STOP_THEN_TAKE_BACK
    }

    /** What a missing attempt's stopping fence answered means. */
    public enum AfterStop {
        /** Stopped, or never held and refused from then on: nothing of it runs; take it back. */
        TAKE_BACK,
        /** The agent finished it: its report is already in Kafka; leave it for the report. */
        LEAVE_FOR_REPORT,
        /** No answer: nothing is known; keep it and ask again at the next heartbeat. */
        ASK_AGAIN
    }

    /**
     * @param listedRunning  the heartbeat lists the attempt in {@code running}
     * @param listedFinished the heartbeat lists it in {@code finished}
     * @param outcome        the outcome it lists with it (null: none, an older agent)
     * @param missingFor        since the heartbeats first left it out once it was acknowledged (zero for
     *                          the first such heartbeat), by when they were applied (database clock)
     * @param missingComposedFor the same span by when the agent composed them (its clock; zero or less
     *                          for a heartbeat replayed or delivered out of order)
     * @param sinceAcknowledged since the agent acknowledged it (null: not acknowledged yet)
     * @param grace             {@code rgrid.orchestrator.health.missing-grace}
     */
    public record Facts(boolean listedRunning, boolean listedFinished, ExecutionState outcome, Duration missingFor,
                        Duration missingComposedFor, Duration sinceAcknowledged, Duration grace) {
    }

    public static Verdict decide(Facts facts) {
        if (facts.listedRunning()) {
            return Verdict.HELD;
        }
        if (facts.listedFinished()) {
            return facts.outcome() != null && facts.outcome().isTerminal() ? Verdict.APPLY_OUTCOME : Verdict.FINISHED;
        }
        if (facts.sinceAcknowledged() == null) {
            return Verdict.UNACKNOWLEDGED;
        }
        boolean acknowledgedLongAgo = facts.sinceAcknowledged().compareTo(facts.grace()) > 0;
        boolean missingLong = facts.missingFor().compareTo(facts.grace()) > 0
                && facts.missingComposedFor().compareTo(facts.grace()) > 0;
        return acknowledgedLongAgo && missingLong ? Verdict.STOP_THEN_TAKE_BACK : Verdict.MISSING;
    }

    /**
     * @param finished the stopping fence's answer: true when the agent finished the attempt, false
     *                 when it no longer runs it and never will, null when it did not answer
     */
    public static AfterStop afterStop(Boolean finished) {
        if (finished == null) {
            return AfterStop.ASK_AGAIN;
        }
        return finished ? AfterStop.LEAVE_FOR_REPORT : AfterStop.TAKE_BACK;
    }

    /**
     * Whether an attempt the agent lists running is stale: the orchestrator's copy of the execution
     * is at a later attempt (null: the orchestrator does not know the execution; left alone).
     */
    public static boolean stale(int listedAttempt, Integer recordedAttempt) {
        return recordedAttempt != null && recordedAttempt > listedAttempt;
    }
}
