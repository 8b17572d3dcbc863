package io.rgrid.orchestrator.health;

import io.rgrid.model.ExecutionState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The orchestrator's deadline as a table (start-allowance 900 s, deadline-grace 300 s): the
 * attempt's state, timeout and ages in, what to do out. {@code -} is an attempt never reported RUNNING.
 */
class DeadlineDecisionTest {

    @ParameterizedTest(name = "[{index}] {0}: {1} cancel={2} timeout={3}s assigned {4}s running {5} -> {6}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                                                | state    | cancel | timeout | assigned | running | action
            running within timeout + allowance + grace            | RUNNING  | false  | 60      | 1200     | 1200    | NOT_DUE
            running past it                                       | RUNNING  | false  | 60      | 1261     | 1261    | TIME_OUT
            long install: assigned long ago, RUNNING recently     | RUNNING  | false  | 60      | 5000     | 600     | NOT_DUE
            counts from RUNNING, not from the assignment          | RUNNING  | false  | 60      | 5000     | 1261    | TIME_OUT
            running before running_at existed: from assignment    | RUNNING  | false  | 60      | 1261     | -       | TIME_OUT
            cancel requested: taken back (ends CANCELLED)         | RUNNING  | true   | 60      | 1261     | 1261    | TAKE_BACK
            never started, within the bound                       | ASSIGNED | false  | 60      | 1200     | -       | NOT_DUE
            never started, past it: taken back                    | ASSIGNED | false  | 60      | 1261     | -       | TAKE_BACK
            no timeout: never due                                 | RUNNING  | false  | 0       | 99999    | 99999   | NOT_DUE
            not on a worker                                       | QUEUED   | false  | 60      | 99999    | -       | NOT_DUE
            ended already                                         | SUCCEEDED| false  | 60      | 99999    | 99999   | NOT_DUE
            """)
    void decides(String name, ExecutionState state, boolean cancel, int timeout, long assigned, Long running,
                 DeadlineDecision.Action action) {
        DeadlineDecision.Facts facts = new DeadlineDecision.Facts(state, cancel, timeout, Duration.ofSeconds(assigned),
                running == null ? null : Duration.ofSeconds(running), Duration.ofSeconds(900), Duration.ofSeconds(300));
        assertThat(DeadlineDecision.decide(facts)).as(name).isEqualTo(action);
    }
}
