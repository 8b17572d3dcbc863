package io.rgrid.model;

/** Thrown when a caller asks for a transition the state machine does not allow. */
public final class IllegalStateTransitionException extends RuntimeException {
    private final ExecutionState from;
    private final ExecutionState to;

    public IllegalStateTransitionException(ExecutionState from, ExecutionState to) {
        super("execution cannot go from " + from + " to " + to);
        this.from = from;
        this.to = to;
    }

    public ExecutionState from() {
        return from;
    }

    public ExecutionState to() {
        return to;
    }
}
