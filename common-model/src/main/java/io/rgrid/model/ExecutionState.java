package io.rgrid.model;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of an execution. Transitions between them are decided only by
 * {@link ExecutionStateMachine}; see docs/state-machine.md.
 */
public enum ExecutionState {
    QUEUED,
    ASSIGNED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    TIMED_OUT,
    CANCELLED,
    LOST;

    /** States an execution never leaves. */
    public static final Set<ExecutionState> TERMINAL =
            EnumSet.of(SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, LOST);

    /** States in which a worker holds (or may hold) the execution. */
    public static final Set<ExecutionState> ON_WORKER = EnumSet.of(ASSIGNED, RUNNING);

    public boolean isTerminal() {
        return TERMINAL.contains(this);
    }
}
