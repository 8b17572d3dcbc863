package io.rgrid.api.reconcile;

import io.rgrid.api.reconcile.ReconcileDecision.Repair;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.api.KnownExecutions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ReconcileDecisionTest {

    /** API state, API attempt, cancel requested, known to the orchestrator → repair. */
    @ParameterizedTest(name = "{0}@{1} cancel={2} known={3} → {4}")
    @CsvSource({
            // The orchestrator has it: its reports are on their way, nothing to repair.
            "QUEUED,    1, false, true,  NONE",
            "QUEUED,    1, true,  true,  NONE",
            "QUEUED,    2, false, true,  NONE",
            "ASSIGNED,  1, false, true,  NONE",
            "RUNNING,   3, true,  true,  NONE",
            // The submission never reached it: announced again, with the cancel when one was asked for.
            "QUEUED,    1, false, false, RESUBMIT",
            "QUEUED,    1, true,  false, RESUBMIT_AND_CANCEL",
            // Only the orchestrator or a worker moves an execution past its first QUEUED: it had a copy and lost it.
            "QUEUED,    2, false, false, UNREPAIRABLE",
            "ASSIGNED,  1, false, false, UNREPAIRABLE",
            "RUNNING,   1, true,  false, UNREPAIRABLE",
            "RUNNING,   2, false, false, UNREPAIRABLE",
            // Terminal here: never compared, never repaired.
            "SUCCEEDED, 1, false, false, NONE",
            "CANCELLED, 1, true,  false, NONE",
            "LOST,      3, false, false, NONE",
            "FAILED,    1, false, true,  NONE",
    })
    void decides(ExecutionState state, int attempt, boolean cancelRequested, boolean known, Repair expected) {
        assertThat(ReconcileDecision.decide(state, attempt, cancelRequested, known)).isEqualTo(expected);
    }

    /** API state and attempt; the orchestrator's end (state, attempt, seconds ago); grace 300 s → repair. */
    @ParameterizedTest(name = "{0}@{1}, ended {2}@{3} {4} s ago → {5}")
    @CsvSource({
            // Ended there long ago at this attempt: the report never came; applied here.
            "RUNNING,   1, SUCCEEDED, 1, 600, APPLY_END",
            "ASSIGNED,  1, FAILED,    1, 301, APPLY_END",
            "QUEUED,    2, LOST,      2, 900, APPLY_END",
            "QUEUED,    1, CANCELLED, 1, 400, APPLY_END",
            // At a later attempt there: the requeue and the end were both missed; the end is applied.
            "RUNNING,   1, SUCCEEDED, 2, 600, APPLY_END",
            // Recently ended: its report is probably on its way; nothing yet.
            "RUNNING,   1, SUCCEEDED, 1, 299, NONE",
            "RUNNING,   1, TIMED_OUT, 1, 0,   NONE",
            // An end of an earlier attempt than the API's: stale, the API is ahead; nothing.
            "RUNNING,   2, FAILED,    1, 600, NONE",
            // Terminal here already: never repaired.
            "SUCCEEDED, 1, FAILED,    1, 600, NONE",
            "CANCELLED, 1, SUCCEEDED, 1, 600, NONE",
    })
    void appliesAnEndTheOrchestratorHasLongHad(ExecutionState state, int attempt, ExecutionState endedState,
                                               int endedAttempt, long secondsAgo, Repair expected) {
        Instant now = Instant.parse("2026-12-06T12:00:00Z");
        KnownExecutions.Ended ended = new KnownExecutions.Ended(endedState, endedAttempt, null, "w-1",
                now.minusSeconds(secondsAgo));
        assertThat(ReconcileDecision.decide(state, attempt, false, true, ended, now.minusSeconds(300)))
                .isEqualTo(expected);
    }

    @Test
    void onlyRepairsAreCountedAsRepairKinds() {
        assertThat(Repair.RESUBMIT.metricKind()).isEqualTo("submission_resent");
        assertThat(Repair.RESUBMIT_AND_CANCEL.metricKind()).isEqualTo("submission_and_cancel_resent");
        assertThat(Repair.APPLY_END.metricKind()).isEqualTo("end_applied");
        assertThat(Repair.NONE.metricKind()).isNull();
        assertThat(Repair.UNREPAIRABLE.metricKind()).isNull();
    }
}
