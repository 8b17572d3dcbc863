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
 * missing, and taken back once missing for the whole grace and assigned longer ago than that.
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
        /** Listed in neither for the whole grace, and assigned longer ago than that: take it back. */
        TAKE_BACK
    }

    /**
     * @param listedRunning  the heartbeat lists the attempt in {@code running}
     * @param listedFinished the heartbeat lists it in {@code finished}
     * @param outcome        the outcome it lists with it (null: none, an older agent)
     * @param missingFor     since the heartbeats first left it out (zero for the first such heartbeat)
     * @param sinceAssigned  since it was assigned (null: not known, as long ago)
     * @param grace          {@code rgrid.orchestrator.health.missing-grace}
     */
    public record Facts(boolean listedRunning, boolean listedFinished, ExecutionState outcome, Duration missingFor,
                        Duration sinceAssigned, Duration grace) {
    }

    public static Verdict decide(Facts facts) {
        if (facts.listedRunning()) {
            return Verdict.HELD;
        }
        if (facts.listedFinished()) {
            return facts.outcome() != null && facts.outcome().isTerminal() ? Verdict.APPLY_OUTCOME : Verdict.FINISHED;
        }
        boolean assignedLongAgo = facts.sinceAssigned() == null || facts.sinceAssigned().compareTo(facts.grace()) > 0;
        return assignedLongAgo && facts.missingFor().compareTo(facts.grace()) > 0 ? Verdict.TAKE_BACK : Verdict.MISSING;
    }

    /**
     * Whether an attempt the agent lists running is stale: the orchestrator's copy of the execution
     * is at a later attempt (null: the orchestrator does not know the execution; left alone).
     */
    public static boolean stale(int listedAttempt, Integer recordedAttempt) {
        return recordedAttempt != null && recordedAttempt > listedAttempt;
    }
}
