package io.rgrid.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static io.rgrid.model.ExecutionState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExecutionStateMachineTest {

    /**
     * The contract (docs/state-machine.md's diagram; docs/design.md, State machine contract), written
     * out independently of the implementation's table.
     */
    private static final Set<String> ALLOWED = Set.of(
            "QUEUED->ASSIGNED", "QUEUED->CANCELLED", "QUEUED->FAILED",
            "ASSIGNED->RUNNING", "ASSIGNED->QUEUED", "ASSIGNED->LOST", "ASSIGNED->CANCELLED", "ASSIGNED->FAILED",
            "RUNNING->SUCCEEDED", "RUNNING->FAILED", "RUNNING->TIMED_OUT", "RUNNING->CANCELLED",
            "RUNNING->QUEUED", "RUNNING->LOST");

    static Stream<Arguments> everyPair() {
        List<Arguments> pairs = new ArrayList<>();
        for (ExecutionState from : values()) {
            for (ExecutionState to : values()) {
                pairs.add(Arguments.of(from, to, ALLOWED.contains(from + "->" + to)));
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @MethodSource("everyPair")
    void everyTransitionIsAllowedExactlyWhenTheContractSaysSo(ExecutionState from, ExecutionState to, boolean allowed) {
        assertThat(ExecutionStateMachine.canTransition(from, to)).isEqualTo(allowed);
        if (allowed) {
            ExecutionStateMachine.check(from, to);
        } else {
            assertThatThrownBy(() -> ExecutionStateMachine.check(from, to))
                    .isInstanceOf(IllegalStateTransitionException.class)
                    .hasMessageContaining(from.name()).hasMessageContaining(to.name());
        }
    }

    @Test
    void terminalStatesAreANamedSetWithNoWayOut() {
        assertThat(TERMINAL).containsExactlyInAnyOrder(SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, LOST);
        for (ExecutionState terminal : TERMINAL) {
            assertThat(terminal.isTerminal()).isTrue();
            assertThat(ExecutionStateMachine.next(terminal)).isEmpty();
        }
        assertThat(QUEUED.isTerminal()).isFalse();
    }

    @Test
    void forwardPathsFollowAllowedStepsAndNeverRequeue() {
        assertThat(ExecutionStateMachine.forwardPath(QUEUED, RUNNING)).containsExactly(ASSIGNED, RUNNING);
        assertThat(ExecutionStateMachine.forwardPath(QUEUED, SUCCEEDED)).containsExactly(ASSIGNED, RUNNING, SUCCEEDED);
        assertThat(ExecutionStateMachine.forwardPath(QUEUED, FAILED)).containsExactly(ASSIGNED, FAILED);
        assertThat(ExecutionStateMachine.forwardPath(ASSIGNED, TIMED_OUT)).containsExactly(RUNNING, TIMED_OUT);
        assertThat(ExecutionStateMachine.forwardPath(RUNNING, SUCCEEDED)).containsExactly(SUCCEEDED);
        assertThat(ExecutionStateMachine.forwardPath(RUNNING, ASSIGNED)).isEmpty();
        assertThat(ExecutionStateMachine.forwardPath(RUNNING, QUEUED)).isEmpty();
        assertThat(ExecutionStateMachine.forwardPath(SUCCEEDED, FAILED)).isEmpty();
        for (ExecutionState from : values()) {
            for (ExecutionState to : values()) {
                ExecutionState at = from;
                for (ExecutionState step : ExecutionStateMachine.forwardPath(from, to)) {
                    assertThat(ExecutionStateMachine.canTransition(at, step)).as(from + " -> " + to).isTrue();
                    at = step;
                }
            }
        }
    }

    @Test
    void progressOrdersTheStatesOfOneAttempt() {
        assertThat(ExecutionStateMachine.progress(QUEUED)).isLessThan(ExecutionStateMachine.progress(ASSIGNED));
        assertThat(ExecutionStateMachine.progress(ASSIGNED)).isLessThan(ExecutionStateMachine.progress(RUNNING));
        for (ExecutionState terminal : TERMINAL) {
            assertThat(ExecutionStateMachine.progress(RUNNING)).isLessThan(ExecutionStateMachine.progress(terminal));
        }
    }

    @Test
    void onlyARequeueFromAWorkerStartsANewAttempt() {
        assertThat(ExecutionStateMachine.startsNewAttempt(ASSIGNED, QUEUED)).isTrue();
        assertThat(ExecutionStateMachine.startsNewAttempt(RUNNING, QUEUED)).isTrue();
        assertThat(ExecutionStateMachine.startsNewAttempt(QUEUED, ASSIGNED)).isFalse();
        assertThat(ExecutionStateMachine.startsNewAttempt(RUNNING, SUCCEEDED)).isFalse();
    }
}
