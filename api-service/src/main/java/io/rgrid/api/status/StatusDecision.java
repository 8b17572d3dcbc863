package io.rgrid.api.status;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.ExecutionStateMachine;
import io.rgrid.model.event.ExecutionStatusChanged;

/**
 * What to do with one status report, given the row as it stands. Pure: no I/O, so every rule is
 * covered by a table test ({@code StatusDecisionTest}).
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>a report for an older attempt than the row's is stale: ignored;</li>
 *   <li>a report for a newer attempt means the execution was requeued: from a non-terminal row,
 *       QUEUED applies as the requeue; any other state applies when the new attempt could have
 *       reached it straight from QUEUED (the requeue report itself was overtaken by a report of
 *       another producer); from a terminal row nothing applies;</li>
 *   <li>the same state again is a duplicate delivery: ignored without noise;</li>
 *   <li>otherwise the state machine decides; a requeue must carry the next attempt.</li>
 * </ol>
 */
public sealed interface StatusDecision {

    /** Apply the report: the row goes {@code from → to} at {@code attempt}. */
    record Apply(ExecutionState from, ExecutionState to, int attempt, boolean newAttempt) implements StatusDecision {
    }

    /** Leave the row alone. */
    record Ignore(Why why, String detail) implements StatusDecision {
    }

    enum Why {
        STALE_ATTEMPT,
        DUPLICATE,
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
            if (to == ExecutionState.QUEUED || ExecutionStateMachine.canTransition(ExecutionState.QUEUED, to)) {
                return new Apply(rowState, to, attempt, true);
            }
            return new Ignore(Why.ILLEGAL_TRANSITION, "attempt " + attempt + " reported " + to
                    + " before it was queued or assigned (row: " + rowState + " at attempt " + rowAttempt + ")");
        }
        if (to == rowState) {
            return new Ignore(Why.DUPLICATE, to + " at attempt " + attempt + " already applied");
        }
        if (ExecutionStateMachine.startsNewAttempt(rowState, to)) {
            return new Ignore(Why.ILLEGAL_TRANSITION, "requeue from " + rowState + " must carry attempt " + (rowAttempt + 1)
                    + ", not " + attempt);
        }
        if (!ExecutionStateMachine.canTransition(rowState, to)) {
            return new Ignore(Why.ILLEGAL_TRANSITION, rowState + " → " + to + " is not allowed (attempt " + attempt + ")");
        }
        return new Apply(rowState, to, attempt, false);
    }
}
