package io.rgrid.worker.assignment.service;

import io.rgrid.worker.assignment.service.AttemptEndDecision.FenceOutcome;
import io.rgrid.worker.assignment.service.AttemptEndDecision.Phase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who ends an attempt, case by case: a fence (stopping or not) against each phase of the attempt
 * on the agent, the runner's claim of its terminal report, and the drain at shutdown. The rows
 * marked "the race" are the ones the old rule got wrong: a stopping fence that came while the
 * report was going out answered "not held", and the attempt was requeued although it had run.
 */
class AttemptEndDecisionTest {

    @ParameterizedTest(name = "{0}, stop {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # its report is out: finished, whatever the fence asks
            FINISHED  | true  | FINISHED
            FINISHED  | false | FINISHED
            # the race: the runner claimed the report, so the fence leaves it to the report
            REPORTING | true  | FINISHED
            REPORTING | false | FINISHED
            # still running: a stopping fence kills it without a report; a plain one finds it held
            RUNNING   | true  | STOP
            RUNNING   | false | HELD
            # killed already (a fence or the drain): not held, the fence is recorded again
            ABANDONED | true  | STOP
            ABANDONED | false | STOP
            # never here: refused from now on, so a late request cannot run it
            UNKNOWN   | true  | REFUSE_FROM_NOW
            UNKNOWN   | false | REFUSE_FROM_NOW
            """)
    void fences(Phase phase, boolean stop, FenceOutcome expected) {
        FenceOutcome outcome = AttemptEndDecision.fence(phase, stop);
        assertThat(outcome).isEqualTo(expected);
        assertThat(outcome.held()).as("answered held").isEqualTo(expected == FenceOutcome.FINISHED
                || expected == FenceOutcome.HELD);
    }

    @ParameterizedTest(name = "{0}: may report {1}, the drain kills it {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # only a running attempt that no one has ended yet sends its report, or is killed at shutdown
            RUNNING   | true  | true
            # the race, the other way round: the fence came first, so no report goes out
            ABANDONED | false | false
            # the report is going out: the drain leaves it to finish
            REPORTING | false | false
            FINISHED  | false | false
            UNKNOWN   | false | false
            """)
    void claimsAndDrain(Phase phase, boolean mayReport, boolean drainKills) {
        assertThat(AttemptEndDecision.mayReport(phase)).isEqualTo(mayReport);
        assertThat(AttemptEndDecision.drainKills(phase)).isEqualTo(drainKills);
    }
}
