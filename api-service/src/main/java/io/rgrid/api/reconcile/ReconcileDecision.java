package io.rgrid.api.reconcile;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.KnownExecutions;

import java.time.Instant;

/**
 * What differs between an execution the API holds as non-terminal and the orchestrator's copy of
 * it, and what the reconciliation does about it. Pure.
 *
 * <ul>
 *   <li>The orchestrator knows it and has not ended it, or ended it less than {@code grace} ago:
 *       nothing (its reports are on their way or already applied).</li>
 *   <li>The orchestrator ended it, at this attempt or a later one, longer than {@code grace} ago:
 *       the report of that end never reached the API (it outlived Kafka's retention, a topic was
 *       lost); the API applies the end itself ({@link Repair#APPLY_END}). Only what the
 *       orchestrator keeps goes in (state, attempt, reason, worker, time): no exit code and no log
 *       length, which only the worker's report carries.</li>
 *   <li>It does not, and the API has it QUEUED at attempt 1, as submitted: its submission event was
 *       lost; it is announced again ({@link Repair#RESUBMIT}), followed by its cancel when one was
 *       requested ({@link Repair#RESUBMIT_AND_CANCEL}): that cancel was lost or ignored with it.</li>
 *   <li>It does not, but the API has a later state or attempt, which only the orchestrator or a
 *       worker reports: the orchestrator had it and lost its copy (its database restored from an
 *       older backup). A new submission at attempt 1 would be fenced behind the API's attempt, so
 *       nothing is repaired ({@link Repair#UNREPAIRABLE}: logged and counted for the operator).</li>
 * </ul>
 */
public final class ReconcileDecision {

    /** What to do about one execution. */
    public enum Repair {
        NONE(null),
        RESUBMIT("submission_resent"),
        RESUBMIT_AND_CANCEL("submission_and_cancel_resent"),
        APPLY_END("end_applied"),
        UNREPAIRABLE(null);

        private final String metricKind;

        Repair(String metricKind) {
            this.metricKind = metricKind;
        }

        /** The {@code kind} tag of {@code rgrid_reconcile_repairs_total}, null when nothing is repaired. */
        public String metricKind() {
            return metricKind;
        }
    }

    private ReconcileDecision() {
    }

    /**
     * @param state           the API's state
     * @param attempt         the API's attempt
     * @param cancelRequested whether a user asked to cancel it
     * @param known           whether the orchestrator has a copy of it
     */
    public static Repair decide(ExecutionState state, int attempt, boolean cancelRequested, boolean known) {
        return decide(state, attempt, cancelRequested, known, null, null);
    }

    /**
     * @param endedThere    how the orchestrator ended it, null when it has not (or does not know it)
     * @param settledBefore an end before this instant (now minus grace) is one whose report is not just late
     */
    public static Repair decide(ExecutionState state, int attempt, boolean cancelRequested, boolean known,
                                KnownExecutions.Ended endedThere, Instant settledBefore) {
        if (state.isTerminal()) {
            return Repair.NONE;
        }
        if (known && endedThere != null && endedThere.attempt() >= attempt && settledBefore != null
                && endedThere.at().isBefore(settledBefore)) {
            return Repair.APPLY_END;
        }
        if (known) {
            return Repair.NONE;
        }
        if (state != ExecutionState.QUEUED || attempt != 1) {
            return Repair.UNREPAIRABLE;
        }
        return cancelRequested ? Repair.RESUBMIT_AND_CANCEL : Repair.RESUBMIT;
    }
}
