package io.rgrid.model;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static io.rgrid.model.ExecutionState.*;

/**
 * The one place that knows which state changes are legal.
 *
 * <pre>
 * QUEUED   → ASSIGNED | CANCELLED
 * ASSIGNED → RUNNING | QUEUED (requeue, attempt+1) | LOST | CANCELLED | FAILED
 * RUNNING  → SUCCEEDED | FAILED | TIMED_OUT | CANCELLED | QUEUED (requeue, attempt+1) | LOST
 * </pre>
 *
 * ASSIGNED → FAILED exists because a worker may fail an attempt before its script starts
 * (an image that cannot be pulled, inputs that cannot be fetched). Terminal states have no
 * way out. Requeue is the only transition that starts a new attempt; see {@link #startsNewAttempt}.
 */
public final class ExecutionStateMachine {

    private static final Map<ExecutionState, Set<ExecutionState>> ALLOWED = new EnumMap<>(ExecutionState.class);

    static {
        ALLOWED.put(QUEUED, EnumSet.of(ASSIGNED, CANCELLED));
        ALLOWED.put(ASSIGNED, EnumSet.of(RUNNING, QUEUED, LOST, CANCELLED, FAILED));
        ALLOWED.put(RUNNING, EnumSet.of(SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, QUEUED, LOST));
        for (ExecutionState terminal : ExecutionState.TERMINAL) {
            ALLOWED.put(terminal, EnumSet.noneOf(ExecutionState.class));
        }
    }

    private ExecutionStateMachine() {
    }

    public static boolean canTransition(ExecutionState from, ExecutionState to) {
        return ALLOWED.get(from).contains(to);
    }

    /** @throws IllegalStateTransitionException when the change is not allowed */
    public static void check(ExecutionState from, ExecutionState to) {
        if (!canTransition(from, to)) {
            throw new IllegalStateTransitionException(from, to);
        }
    }

    /** The states reachable from {@code from} in one step. */
    public static Set<ExecutionState> next(ExecutionState from) {
        return Collections.unmodifiableSet(ALLOWED.get(from));
    }

    /** True for the requeue of a lost or taken-back attempt: the execution gets attempt + 1. */
    public static boolean startsNewAttempt(ExecutionState from, ExecutionState to) {
        return ExecutionState.ON_WORKER.contains(from) && to == QUEUED;
    }
}
