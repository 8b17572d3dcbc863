package io.rgrid.worker.runtime.docker;

import io.rgrid.worker.runtime.docker.WarmPool.Shape;

/**
 * Which shape the warm containers have ({@link WarmPool}), decided run by run. Pure: the pool
 * applies it. The pool has no configured shape: it follows the script runs it sees, so a worker
 * running the grid's defaults stays warm for them without knowing what they are. A run of
 * another shape goes the usual way; only {@link #TURN_OVER_AFTER} of one other shape in a row
 * turn the pool over, so a worker alternating between two shapes keeps one warm instead of
 * remaking its containers (a create and a start each) for every run.
 */
final class WarmShapeDecision {

    /** Runs of one other shape in a row that turn the pool over to it. */
    static final int TURN_OVER_AFTER = 2;

    /**
     * What the pool remembers between runs.
     *
     * @param shape  what the waiting containers have; null before the first script run
     * @param missed the shape of the last run that did not fit, null when none
     * @param misses how many runs of {@code missed} came in a row
     */
    record State(Shape shape, Shape missed, int misses) {
        static final State INITIAL = new State(null, null, 0);
    }

    /**
     * @param next     the state after this run
     * @param fits     whether the run may take a waiting container
     * @param turnOver whether the waiting containers are removed and ones of {@code next.shape()} made
     */
    record Step(State next, boolean fits, boolean turnOver) {
    }

    private WarmShapeDecision() {
    }

    static Step decide(State state, Shape wanted) {
        if (wanted.equals(state.shape())) {
            return new Step(new State(state.shape(), null, 0), true, false);
        }
        int misses = wanted.equals(state.missed()) ? state.misses() + 1 : 1;
        if (state.shape() == null || misses >= TURN_OVER_AFTER) {
            // The run itself goes the usual way: nothing of its shape waits yet.
            return new Step(new State(wanted, null, 0), false, true);
        }
        return new Step(new State(state.shape(), wanted, misses), false, false);
    }
}
