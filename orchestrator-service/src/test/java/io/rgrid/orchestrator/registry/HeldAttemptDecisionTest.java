package io.rgrid.orchestrator.registry;

import io.rgrid.model.ExecutionState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a heartbeat means for one attempt, as tables. Ages in seconds; the grace is 60 s; - is none
 * (an acknowledgement of - : the agent has not acknowledged the attempt yet). "missing" is since the
 * first heartbeat that left the attempt out was applied, "composed" the same span by when the agent
 * composed the two heartbeats.
 */
class HeldAttemptDecisionTest {

    private static final Duration GRACE = Duration.ofSeconds(60);

    @ParameterizedTest(name = "[{index}] {0} -> {7}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                                            | running | finished | outcome   | missing | composed | acknowledged | verdict
            listed running                                    | true    | false    | -         | 0       | 0        | 600          | HELD
            listed running and finished: running wins        | true    | true     | SUCCEEDED | 0       | 0        | 600          | HELD
            listed running, not acknowledged yet              | true    | false    | -         | 0       | 0        | -            | HELD
            finished with its outcome: applied now            | false   | true     | SUCCEEDED | 0       | 0        | 600          | APPLY_OUTCOME
            finished and failed: applied now                  | false   | true     | FAILED    | 0       | 0        | 600          | APPLY_OUTCOME
            finished, report lagging past the grace           | false   | true     | TIMED_OUT | 900     | 900      | 900          | APPLY_OUTCOME
            finished before the acknowledgement arrived       | false   | true     | SUCCEEDED | 0       | 0        | -            | APPLY_OUTCOME
            finished by an older agent: wait for the report   | false   | true     | -         | 900     | 900      | 900          | FINISHED
            an outcome that is not one is no outcome          | false   | true     | RUNNING   | 900     | 900      | 900          | FINISHED
            missing for the first time                        | false   | false    | -         | 0       | 0        | 600          | MISSING
            missing within the grace                          | false   | false    | -         | 60      | 60       | 600          | MISSING
            missing past the grace: stopped, then taken back  | false   | false    | -         | 61      | 61       | 600          | STOP_THEN_TAKE_BACK
            missing past the grace, acknowledged just now     | false   | false    | -         | 61      | 61       | 30           | MISSING
            missing past the grace, acknowledged at the grace | false   | false    | -         | 61      | 61       | 60           | MISSING
            the same heartbeat read again after an outage     | false   | false    | -         | 900     | 0        | 600          | MISSING
            an older heartbeat delivered after a newer one    | false   | false    | -         | 900     | -5       | 600          | MISSING
            a burst of late heartbeats composed long apart    | false   | false    | -         | 1       | 900      | 600          | MISSING
            composed past the grace, applied at the grace     | false   | false    | -         | 60      | 61       | 600          | MISSING
            POST in flight: never acknowledged, missing long  | false   | false    | -         | 900     | 900      | -            | UNACKNOWLEDGED
            POST in flight, first heartbeat without it        | false   | false    | -         | 0       | 0        | -            | UNACKNOWLEDGED
            """)
    void decide(String name, boolean running, boolean finished, ExecutionState outcome, long missing, long composed,
                Long acknowledged, HeldAttemptDecision.Verdict verdict) {
        HeldAttemptDecision.Facts facts = new HeldAttemptDecision.Facts(running, finished, outcome,
                Duration.ofSeconds(missing), Duration.ofSeconds(composed),
                acknowledged == null ? null : Duration.ofSeconds(acknowledged), GRACE);
        assertThat(HeldAttemptDecision.decide(facts)).isEqualTo(verdict);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                                                    | finished | after
            stopped (or never held, refused from now on): take it back | false    | TAKE_BACK
            the agent finished it: its report is in Kafka              | true     | LEAVE_FOR_REPORT
            no answer: nothing known, ask at the next heartbeat        | -        | ASK_AGAIN
            """)
    void afterStop(String name, Boolean finished, HeldAttemptDecision.AfterStop after) {
        assertThat(HeldAttemptDecision.afterStop(finished)).isEqualTo(after);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                                               | listed | recorded | stale
            the orchestrator took it back: a retry exists         | 1      | 2        | true
            several attempts later                                | 1      | 4        | true
            the attempt the orchestrator placed                   | 2      | 2        | false
            a newer attempt than recorded (report not applied yet) | 3      | 2        | false
            an execution the orchestrator does not know           | 1      | -        | false
            """)
    void stale(String name, int listed, Integer recorded, boolean stale) {
        assertThat(HeldAttemptDecision.stale(listed, recorded)).isEqualTo(stale);
    }
}
