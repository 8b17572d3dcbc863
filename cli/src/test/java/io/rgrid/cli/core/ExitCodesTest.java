package io.rgrid.cli.core;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.api.ExecutionView;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class ExitCodesTest {

    @ParameterizedTest(name = "{0} exit={1} -> {2}")
    @CsvSource(nullValues = "null", value = {
            "SUCCEEDED, 0,    0",
            "SUCCEEDED, null, 0",
            "FAILED,    3,    3",
            "FAILED,    137,  137",
            "FAILED,    255,  255",
            "FAILED,    null, 1",
            "FAILED,    0,    1",     // failed after a clean exit (e.g. outputs over the limit)
            "FAILED,    -1,   1",
            "FAILED,    300,  1",
            "TIMED_OUT, null, 124",
            "TIMED_OUT, 137,  124",
            "CANCELLED, null, 130",
            "CANCELLED, 143,  130",
            "LOST,      null, 1",
    })
    void terminalStatesMapToExitCodes(ExecutionState state, Integer exitCode, int expected) {
        ExecutionView view = new ExecutionView(UUID.randomUUID(), "p", state, 1, null, "s.py", null, null,
                exitCode, state == ExecutionState.FAILED ? FailureReason.NONZERO_EXIT : null, null,
                null, null, null, null, null);
        assertThat(ExitCodes.forExecution(view)).isEqualTo(expected);
    }
}
