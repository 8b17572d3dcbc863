package io.rgrid.api.status;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.ExecutionStateMachine;
import io.rgrid.model.FailureReason;
import io.rgrid.model.event.ExecutionStatusChanged;

import java.util.ArrayList;
import java.util.List;

/**
 * What to do with one status report, given the row as it stands. Pure: no I/O, so every rule is
 * covered by a table test ({@code StatusDecisionTest}).
 *
 * <p>Reports of one attempt come from two producers, the orchestrator (ASSIGNED, requeues) and
 * the worker (RUNNING, the outcome), so they can arrive out of order. Rules, in order:
 * <ol>
 *   <li>a report for an older attempt than the row's is stale: ignored;</li>
 *   <li>a report for a newer attempt means the execution was requeued: from a non-terminal row it
 *       applies as the requeue followed by the way forward to the reported state (the requeue
 *       report itself may have been overtaken); from a terminal row nothing applies;</li>
 *   <li>the same state again is a duplicate delivery: ignored without noise;</li>
 *   <li>QUEUED at the same attempt from ASSIGNED is the orchestrator's unassignment (the worker
 *       refused the attempt before starting it, so it keeps its number): applied;</li>
 *   <li>a state the attempt has already passed (ASSIGNED after RUNNING) arrived late: ignored
 *       without noise;</li>
 *   <li>otherwise the row follows the state machine's way forward within the attempt
 *       ({@link ExecutionStateMachine#forwardPath}); with none, the report is illegal. The one
 *       exception: FAILED with reason UNSCHEDULABLE from QUEUED is the orchestrator's verdict on
 *       an execution that never ran and applies directly (no ASSIGNED in between).</li>
 * </ol>
 */
public sealed interface StatusDecision {

    /**
     * Apply the report: the row goes {@code from → to} at {@code attempt} through {@code path}
     * (the states entered, ending with {@code to}; more than one when reports were overtaken).
     */
    record Apply(ExecutionState from, ExecutionState to, int attempt, boolean newAttempt, List<ExecutionState> path)
            implements StatusDecision {

        public Apply {
            path = List.copyOf(path);
        }
    }

    /** Leave the row alone. */
    record Ignore(Why why, String detail) implements StatusDecision {
    }

    enum Why {
        STALE_ATTEMPT,
        DUPLICATE,
        LATE,
        ILLEGAL_TRANSITION
    }

    static StatusDecision decide(ExecutionState rowState, int rowAttempt, ExecutionStatusChanged report) {
        ExecutionState to = report.state();
        int attempt = report.attempt();
        if (attempt < rowAttempt) {
            return new Ignore(Why.STALE_ATTEMPT, "report for attempt " + attempt + " but the execution is at attempt " + rowAttempt);
        }
        if (attempt > rowAttempt) {
            if (rowState.isTerminal()) {
                return new Ignore(Why.ILLEGAL_TRANSITION, "attempt " + attempt + " reported " + to
                        + " but the execution already ended " + rowState + " at attempt " + rowAttempt);
            }
            List<ExecutionState> path = new ArrayList<>(List.of(ExecutionState.QUEUED));
            path.addAll(wayForward(ExecutionState.QUEUED, report));
            if (path.getLast() != to) {
                return new Ignore(Why.ILLEGAL_TRANSITION, "attempt " + attempt + " reported " + to
                        + ", which a new attempt cannot reach (row: " + rowState + " at attempt " + rowAttempt + ")");
            }
            return new Apply(rowState, to, attempt, true, path);
        }
        if (to == rowState) {
            return new Ignore(Why.DUPLICATE, to + " at attempt " + attempt + " already applied");
        }
        if (rowState == ExecutionState.ASSIGNED && to == ExecutionState.QUEUED) {
            return new Apply(rowState, to, attempt, false, List.of(ExecutionState.QUEUED));
        }
        if (ExecutionStateMachine.startsNewAttempt(rowState, to)) {
            return new Ignore(Why.ILLEGAL_TRANSITION, "requeue from " + rowState + " must carry attempt " + (rowAttempt + 1)
                    + ", not " + attempt);
        }
        if (ExecutionStateMachine.progress(to) < ExecutionStateMachine.progress(rowState)) {
            return new Ignore(Why.LATE, to + " at attempt " + attempt + " arrived after " + rowState);
        }
        List<ExecutionState> path = wayForward(rowState, report);
        if (path.isEmpty()) {
            return new Ignore(Why.ILLEGAL_TRANSITION, rowState + " → " + to + " is not allowed (attempt " + attempt + ")");
        }
        return new Apply(rowState, to, attempt, false, path);
    }

    private static List<ExecutionState> wayForward(ExecutionState from, ExecutionStatusChanged report) {
        if (from == ExecutionState.QUEUED && report.state() == ExecutionState.FAILED
                && report.reason() == FailureReason.UNSCHEDULABLE) {
            return List.of(ExecutionState.FAILED);
        }
        return ExecutionStateMachine.forwardPath(from, report.state());
    }
}
