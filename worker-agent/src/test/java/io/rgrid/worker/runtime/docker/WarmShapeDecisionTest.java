package io.rgrid.worker.runtime.docker;

import io.rgrid.model.NetworkMode;
import io.rgrid.worker.runtime.docker.WarmPool.Shape;
import io.rgrid.worker.runtime.docker.WarmShapeDecision.State;
import io.rgrid.worker.runtime.docker.WarmShapeDecision.Step;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Which runs fit the warm containers and when they turn over, for sequences of run shapes. */
class WarmShapeDecisionTest {

    private static final Shape A = new Shape("python:3.11-slim", 1.0, 512, NetworkMode.BRIDGE);
    private static final Shape B = new Shape("python:3.11-slim", 2.0, 512, NetworkMode.BRIDGE);
    private static final Shape C = new Shape("python:3.11-slim", 1.0, 512, NetworkMode.NONE);

    /**
     * Each run of the sequence as the pool sees it: {@code w} fits (takes a waiting container),
     * {@code T} goes the usual way and turns the pool over to its shape, {@code .} goes the usual
     * way and leaves the pool as it is.
     */
    static Stream<Arguments> sequences() {
        return Stream.of(
                Arguments.of("the first run sets the shape; the same shape fits from then on", List.of(A, A, A), "Tww"),
                Arguments.of("one run of another shape leaves the pool", List.of(A, B, A), "T.w"),
                Arguments.of("two of another shape in a row turn it over", List.of(A, B, B, B), "T.Tw"),
                Arguments.of("alternating shapes keep the first warm", List.of(A, B, A, B, A), "T.w.w"),
                Arguments.of("a hit in between starts the count again", List.of(A, B, A, B, B), "T.w.T"),
                Arguments.of("two different other shapes are no streak", List.of(A, B, C, B, C), "T...."),
                Arguments.of("network mode is part of the shape", List.of(C, A, A, C), "T.T."));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sequences")
    void decidesRunByRun(String why, List<Shape> runs, String expected) {
        State state = State.INITIAL;
        List<String> seen = new ArrayList<>();
        for (Shape run : runs) {
            Step step = WarmShapeDecision.decide(state, run);
            assertThat(step.fits() && step.turnOver()).as("a run that turns the pool over cannot fit it").isFalse();
            seen.add(step.fits() ? "w" : step.turnOver() ? "T" : ".");
            state = step.next();
        }
        assertThat(String.join("", seen)).as(why).isEqualTo(expected);
    }

    @Test
    void afterATurnOverTheNewShapeFits() {
        Step first = WarmShapeDecision.decide(State.INITIAL, A);
        assertThat(first.next().shape()).isEqualTo(A);
        assertThat(WarmShapeDecision.decide(first.next(), A).fits()).isTrue();
    }
}
