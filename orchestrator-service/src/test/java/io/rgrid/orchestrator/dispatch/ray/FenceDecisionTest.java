package io.rgrid.orchestrator.dispatch.ray;

import io.rgrid.orchestrator.agent.AgentAnswers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Where a Ray fence stands with one agent after its answer: every answer, one row each. */
class FenceDecisionTest {

    @ParameterizedTest(name = "cancel answered {0} -> {1}")
    @CsvSource({
            "NOT_HELD,  RELEASED",  // it never had the attempt (or it is gone): nothing to wait for
            "ACCEPTED,  AWAIT_END", // it is cancelling: wait until it ended
            "REFUSED,   CANCEL",    // answered but did not take it: ask again next round
            "NO_ANSWER, CANCEL"})   // nothing known: ask again next round
    void afterCancel(AgentAnswers.Cancel answer, Fence.Step expected) {
        assertThat(FenceDecision.afterCancel(answer)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "attempt state {0} -> {1}")
    @CsvSource({
            "FINISHED,  RELEASED",  // it ended there; its report is on its way
            "UNKNOWN,   RELEASED",  // the agent knows no such attempt
            "HELD,      AWAIT_END", // still running there: the next attempt waits
            "NO_ANSWER, AWAIT_END"})
    void afterAttempt(AgentAnswers.Attempt state, Fence.Step expected) {
        assertThat(FenceDecision.afterAttempt(state)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}, overdue {1} -> {2}")
    @CsvSource({
            "CANCEL,    false, CANCEL",
            "AWAIT_END, false, AWAIT_END",
            "RELEASED,  false, RELEASED",
            "CANCEL,    true,  RELEASED", // past the give-up time the agent no longer holds the next attempt back
            "AWAIT_END, true,  RELEASED",
            "RELEASED,  true,  RELEASED"})
    void afterRound(Fence.Step step, boolean overdue, Fence.Step expected) {
        assertThat(FenceDecision.afterRound(step, overdue)).isEqualTo(expected);
    }
}
