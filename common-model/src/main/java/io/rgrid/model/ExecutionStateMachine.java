package io.rgrid.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.rgrid.model.ExecutionState.*;

/**
 * The one place that knows which state changes are legal.
 *
 * <pre>
 * QUEUED   → ASSIGNED | CANCELLED | FAILED (unschedulable)
 * ASSIGNED → RUNNING | QUEUED (requeue, attempt+1; or, same attempt, refused before it started) | LOST | CANCELLED | FAILED
 * RUNNING  → SUCCEEDED | FAILED | TIMED_OUT | CANCELLED | QUEUED (requeue, attempt+1) | LOST
 * </pre>
 *
 * ASSIGNED → FAILED exists because a worker may fail an attempt before its script starts
 * (an image that cannot be pulled, inputs that cannot be fetched). Terminal states have no
 * way out. Requeue is the only transition that starts a new attempt; see {@link #startsNewAttempt}.
 * QUEUED → FAILED is the orchestrator's verdict on an execution no allowed machine type can hold
 * any more ({@link FailureReason#UNSCHEDULABLE}); it is never a way forward for a worker's report
 * (see {@link #forwardPath}).
 */
public final class ExecutionStateMachine {

    private static final Map<ExecutionState, Set<ExecutionState>> ALLOWED = new EnumMap<>(ExecutionState.class);

    static {
        ALLOWED.put(QUEUED, EnumSet.of(ASSIGNED, CANCELLED, FAILED));
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

    /**
     * The shortest way forward from {@code from} to {@code to} within one attempt (never through a
     * requeue): the states entered, ending with {@code to}; empty when there is none.
     *
     * <p>Reports of one attempt come from two producers (the orchestrator reports ASSIGNED, the
     * worker RUNNING and the outcome), so a consumer can see RUNNING before ASSIGNED. Such a
     * consumer follows this path instead of dropping the report: QUEUED then RUNNING means the
     * execution went QUEUED → ASSIGNED → RUNNING, and QUEUED then FAILED means QUEUED → ASSIGNED →
     * FAILED: the direct QUEUED → FAILED is the orchestrator's unschedulable verdict, never taken here.
     */
    public static List<ExecutionState> forwardPath(ExecutionState from, ExecutionState to) {
        Map<ExecutionState, ExecutionState> previous = new EnumMap<>(ExecutionState.class);
        Deque<ExecutionState> frontier = new ArrayDeque<>(List.of(from));
        while (!frontier.isEmpty()) {
            ExecutionState state = frontier.removeFirst();
            for (ExecutionState next : ALLOWED.get(state)) {
                if (next == QUEUED || next == from || previous.containsKey(next)
                        || (state == QUEUED && next == FAILED)) {
                    continue;
                }
                previous.put(next, state);
                if (next == to) {
                    List<ExecutionState> path = new ArrayList<>();
                    for (ExecutionState s = to; s != from; s = previous.get(s)) {
                        path.add(0, s);
                    }
                    return path;
                }
                frontier.addLast(next);
            }
        }
        return List.of();
    }

    /**
     * How far an attempt has progressed: QUEUED 0, ASSIGNED 1, RUNNING 2, terminal 3. A report
     * whose state ranks below the current one (ASSIGNED after RUNNING) arrived late.
     */
    public static int progress(ExecutionState state) {
        return switch (state) {
            case QUEUED -> 0;
            case ASSIGNED -> 1;
            case RUNNING -> 2;
            default -> 3;
        };
    }

    /** True for the requeue of a lost or taken-back attempt: the execution gets attempt + 1. */
    public static boolean startsNewAttempt(ExecutionState from, ExecutionState to) {
        return ExecutionState.ON_WORKER.contains(from) && to == QUEUED;
    }
}
