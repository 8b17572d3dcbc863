package io.rgrid.orchestrator.dispatch.ray;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** What an ended Ray task means for its attempt, and its key's round trip. */
class TaskEndDecisionTest {

    @ParameterizedTest(name = "failed={0} failure={1} outcome={2} -> {3}")
    @CsvSource(nullValues = "null", value = {
            "false, null,           FINISHED,                  null",
            "false, null,           FINISHED SUCCEEDED exit 0, null",
            "false, null,           REFUSED 409,               its Ray task ended REFUSED 409",
            "false, null,           UNREACHABLE,               its Ray task ended UNREACHABLE",
            "false, null,           null,                      its Ray task ended null",
            "true,  worker died,    null,                      its Ray task failed: worker died",
            "true,  node died,      FINISHED,                  its Ray task failed: node died"}) // a failure wins
    void takeBackReason(boolean failed, String failure, String outcome, String expected) {
        assertThat(TaskEndDecision.takeBackReason(failed, failure, outcome).orElse(null)).isEqualTo(expected);
    }

    @Test
    void aKeyNamesItsExecutionAndAttemptAndParsesBack() {
        UUID id = UUID.fromString("0193a1b2-0000-7000-8000-000000000001");
        TaskEndDecision.TaskKey key = new TaskEndDecision.TaskKey(id, 12);
        assertThat(key.text()).isEqualTo("0193a1b2-0000-7000-8000-000000000001#12");
        assertThat(TaskEndDecision.TaskKey.parse(key.text())).isEqualTo(key);
    }
}
