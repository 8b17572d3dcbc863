package io.rgrid.orchestrator.health;

import io.rgrid.model.event.WorkerState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The liveness rules as a table (lost-after 90 s, boot timeout 600 s): what the database shows,
 * how long the monitor has run, the heartbeat consumer's position and the probe in; verdict out.
 */
class LivenessDecisionTest {

    @ParameterizedTest(name = "[{index}] {0}: {1} silent {2}s age {3}s monitor {4}s feed {5} probe {6} -> {7} ({8})")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                        | state        | silent | age  | monitor | feed      | probe      | verdict | cause
            heard within lost-after                       | READY        | 30     | 4000 | 4000    | CAUGHT_UP | NOT_PROBED | ALIVE   | heard
            exactly lost-after is still heard             | READY        | 90     | 4000 | 4000    | CAUGHT_UP | NOT_PROBED | ALIVE   | heard
            silent, caught up: ask the agent             | READY        | 91     | 4000 | 4000    | CAUGHT_UP | NOT_PROBED | PROBE   | silent
            silent, caught up, probe fails: lost          | READY        | 91     | 4000 | 4000    | CAUGHT_UP | FAILED     | LOST    | silent
            draining worker alike                         | DRAINING     | 300    | 4000 | 4000    | CAUGHT_UP | FAILED     | LOST    | silent
            silent but the agent answers                  | READY        | 300    | 4000 | 4000    | CAUGHT_UP | ANSWERED   | SUSPECT | agent_answers
            Kafka down: consumer position unknown         | READY        | 300    | 4000 | 4000    | UNKNOWN   | NOT_PROBED | SUSPECT | heartbeats_unknown
            Kafka down, agent also unreachable            | READY        | 300    | 4000 | 4000    | UNKNOWN   | FAILED     | SUSPECT | heartbeats_unknown
            consumer behind                               | READY        | 300    | 4000 | 4000    | BEHIND    | FAILED     | SUSPECT | heartbeats_behind
            orchestrator just started: grace              | READY        | 3000   | 4000 | 5       | CAUGHT_UP | FAILED     | SUSPECT | start_up_grace
            grace ends at lost-after                      | READY        | 3000   | 4000 | 90      | CAUGHT_UP | FAILED     | LOST    | silent
            booting within the boot timeout               | PROVISIONING | 500    | 500  | 4000    | CAUGHT_UP | NOT_PROBED | ALIVE   | heard
            boot timeout, caught up: lost without a probe | PROVISIONING | 601    | 601  | 4000    | CAUGHT_UP | NOT_PROBED | LOST    | boot_timeout
            boot timeout while Kafka is down              | PROVISIONING | 601    | 601  | 4000    | UNKNOWN   | NOT_PROBED | SUSPECT | heartbeats_unknown
            boot timeout during the start-up grace        | PROVISIONING | 601    | 601  | 10      | CAUGHT_UP | NOT_PROBED | SUSPECT | start_up_grace
            already lost: nothing to decide               | LOST         | 9000   | 9000 | 4000    | CAUGHT_UP | FAILED     | ALIVE   | not_live
            """)
    void decides(String name, WorkerState state, long silent, long age, long monitor, LivenessDecision.Feed feed,
                 LivenessDecision.Probe probe, LivenessDecision.Verdict verdict, String cause) {
        LivenessDecision.Result result = LivenessDecision.decide(new LivenessDecision.Facts(state,
                Duration.ofSeconds(silent), Duration.ofSeconds(age), Duration.ofSeconds(monitor),
                Duration.ofSeconds(90), Duration.ofSeconds(600), feed, probe));
        assertThat(result.verdict()).as(name).isEqualTo(verdict);
        assertThat(result.cause()).as(name).isEqualTo(cause);
    }
}
