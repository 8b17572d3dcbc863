package io.rgrid.api.status;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.event.ExecutionStatusChanged;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class StatusDecisionTest {

    /** row state, row attempt, reported state, reported attempt → outcome (APPLY, APPLY_NEW_ATTEMPT or the Why). */
    @ParameterizedTest(name = "{0}@{1} + {2}@{3} → {4}")
    @CsvSource({
            "QUEUED,    1, ASSIGNED,  1, APPLY",
            "ASSIGNED,  1, RUNNING,   1, APPLY",
            "RUNNING,   1, SUCCEEDED, 1, APPLY",
            "RUNNING,   1, FAILED,    1, APPLY",
            "RUNNING,   1, TIMED_OUT, 1, APPLY",
            "ASSIGNED,  1, FAILED,    1, APPLY",
            "QUEUED,    1, CANCELLED, 1, APPLY",
            "RUNNING,   1, LOST,      1, APPLY",
            "RUNNING,   1, RUNNING,   1, DUPLICATE",
            "SUCCEEDED, 1, SUCCEEDED, 1, DUPLICATE",
            "RUNNING,   2, FAILED,    1, STALE_ATTEMPT",
            "QUEUED,    2, RUNNING,   1, STALE_ATTEMPT",
            "RUNNING,   1, QUEUED,    2, APPLY_NEW_ATTEMPT",
            "ASSIGNED,  1, QUEUED,    2, APPLY_NEW_ATTEMPT",
            "QUEUED,    1, QUEUED,    2, APPLY_NEW_ATTEMPT",
            "RUNNING,   1, ASSIGNED,  2, APPLY_NEW_ATTEMPT",
            "RUNNING,   1, RUNNING,   2, APPLY_NEW_ATTEMPT",
            "RUNNING,   1, SUCCEEDED, 2, APPLY_NEW_ATTEMPT",
            "SUCCEEDED, 1, QUEUED,    2, ILLEGAL_TRANSITION",
            "RUNNING,   1, QUEUED,    1, ILLEGAL_TRANSITION",
            "ASSIGNED,  1, QUEUED,    1, APPLY",
            "QUEUED,    1, QUEUED,    1, DUPLICATE",
            "QUEUED,    1, RUNNING,   1, APPLY",
            "RUNNING,   1, ASSIGNED,  1, LATE",
            "QUEUED,    1, SUCCEEDED, 1, APPLY",
            "SUCCEEDED, 1, FAILED,    1, ILLEGAL_TRANSITION",
            "CANCELLED, 1, RUNNING,   1, LATE",
            "SUCCEEDED, 1, RUNNING,   1, LATE",
            "LOST,      1, QUEUED,    2, ILLEGAL_TRANSITION",
            "ASSIGNED,  1, SUCCEEDED, 1, APPLY",
            "QUEUED,    1, LOST,      1, APPLY",
    })
    void decides(ExecutionState rowState, int rowAttempt, ExecutionState reported, int reportedAttempt, String expected) {
        ExecutionStatusChanged report = new ExecutionStatusChanged(UUID.randomUUID(), reportedAttempt, reported, null, null,
                null, null, "orchestrator", Instant.now());
        StatusDecision decision = StatusDecision.decide(rowState, rowAttempt, report);
        String outcome = switch (decision) {
            case StatusDecision.Apply apply -> {
                assertThat(apply.from()).isEqualTo(rowState);
                assertThat(apply.to()).isEqualTo(reported);
                assertThat(apply.attempt()).isEqualTo(reportedAttempt);
                assertThat(apply.path()).isNotEmpty().last().isEqualTo(reported);
                ExecutionState at = apply.newAttempt() ? ExecutionState.QUEUED : rowState;
                for (ExecutionState step : apply.path().subList(apply.newAttempt() ? 1 : 0, apply.path().size())) {
                    assertThat(io.rgrid.model.ExecutionStateMachine.canTransition(at, step)).as(at + " -> " + step).isTrue();
                    at = step;
                }
                yield apply.newAttempt() ? "APPLY_NEW_ATTEMPT" : "APPLY";
            }
            case StatusDecision.Ignore ignore -> ignore.why().name();
        };
        assertThat(outcome).isEqualTo(expected);
    }

    /** row state, reported FAILED with this reason → the states the row enters. */
    @ParameterizedTest(name = "{0} + FAILED ({1}) → {2}")
    @CsvSource({
            "QUEUED,   UNSCHEDULABLE,     FAILED",
            "QUEUED,   IMAGE_PULL_FAILED, ASSIGNED FAILED",
            "QUEUED,   NONZERO_EXIT,      ASSIGNED FAILED",
            "ASSIGNED, UNSCHEDULABLE,     FAILED",
    })
    void anUnschedulableVerdictFailsAQueuedRowDirectlyWhileAWorkersFailurePassesAssigned(
            ExecutionState rowState, FailureReason reason, String path) {
        ExecutionStatusChanged report = new ExecutionStatusChanged(UUID.randomUUID(), 1, ExecutionState.FAILED, null,
                null, reason, null, "orchestrator", Instant.now());
        StatusDecision decision = StatusDecision.decide(rowState, 1, report);
        assertThat(decision).isInstanceOfSatisfying(StatusDecision.Apply.class, apply -> assertThat(apply.path())
                .extracting(Enum::name).containsExactly(path.split(" ")));
    }
}
