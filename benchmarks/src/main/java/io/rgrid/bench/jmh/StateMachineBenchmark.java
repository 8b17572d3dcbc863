package io.rgrid.bench.jmh;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.ExecutionStateMachine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.util.List;

/** {@link ExecutionStateMachine}: every transition check made while applying a report, and the forward path. */
@State(Scope.Benchmark)
public class StateMachineBenchmark {

    private final ExecutionState[] states = ExecutionState.values();

    /** All from × to pairs (legal and illegal), as a status consumer checks them. */
    @Benchmark
    public void checkEveryPair(Blackhole bh) {
        for (ExecutionState from : states) {
            for (ExecutionState to : states) {
                bh.consume(ExecutionStateMachine.canTransition(from, to));
            }
        }
    }

    /** The states a late report jumps over (QUEUED → SUCCEEDED goes through ASSIGNED and RUNNING). */
    @Benchmark
    public List<ExecutionState> forwardPathQueuedToSucceeded() {
        return ExecutionStateMachine.forwardPath(ExecutionState.QUEUED, ExecutionState.SUCCEEDED);
    }
}
