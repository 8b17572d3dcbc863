package io.rgrid.api.reconcile;

import io.rgrid.api.reconcile.ReconcileDecision.Repair;
import io.rgrid.model.ExecutionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

    @Test
    void onlyRepairsAreCountedAsRepairKinds() {
        assertThat(Repair.RESUBMIT.metricKind()).isEqualTo("submission_resent");
        assertThat(Repair.RESUBMIT_AND_CANCEL.metricKind()).isEqualTo("submission_and_cancel_resent");
        assertThat(Repair.NONE.metricKind()).isNull();
        assertThat(Repair.UNREPAIRABLE.metricKind()).isNull();
    }
}
