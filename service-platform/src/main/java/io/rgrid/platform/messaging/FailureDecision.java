package io.rgrid.platform.messaging;

import io.rgrid.platform.db.DatabaseException;

import java.net.ConnectException;
import java.sql.SQLException;

/**
 * What a consumer does after applying records failed: a pure decision on the kind of failure, the
 * tries so far and the size of what failed, so that the table of cases is tested on its own
 * ({@code FailureDecisionTest}) and {@link BatchConsumer} only carries it out.
 *
 * <ul>
 *   <li>the database is unavailable: pause and try the same records again, for ever (work is never
 *       dead-lettered because PostgreSQL is down);</li>
 *   <li>any other failure: try again until {@code maxAttempts} tries failed, then split a batch of
 *       several records and apply them one by one, or dead-letter a lone record;</li>
 *   <li>a record that cannot be decoded: dead-letter it at once (no retry can fix its bytes).</li>
 * </ul>
 */
public final class FailureDecision {

    /** What went wrong. */
    public enum Failure {
        /** The database could not be reached or was too busy: nothing is wrong with the records. */
        UNAVAILABLE,
        /** Applying failed for another reason (a bug, a constraint, a record the code refuses). */
        REJECTED,
        /** The record's bytes are not an event envelope. */
        UNDECODABLE
    }

    /** What to do next. */
    public enum Action {
        /** Wait (backing off) and apply the same records again; the try is not counted. */
        PAUSE_AND_RETRY,
        /** Wait (backing off) and apply the same records again, counting the try. */
        RETRY,
        /** Apply the records one by one, each with its own tries. */
        SPLIT,
        /** Send the record to the dead-letter topic and go on with the next. */
        DEAD_LETTER
    }

    private FailureDecision() {
    }

    /**
     * @param failure     what went wrong
     * @param attempts    tries that failed so far, this one included (counted for {@link Failure#REJECTED} only)
     * @param records     how many records the failed try applied
     * @param maxAttempts tries before giving up on the records (at least 1)
     */
    public static Action decide(Failure failure, int attempts, int records, int maxAttempts) {
        return switch (failure) {
            case UNAVAILABLE -> Action.PAUSE_AND_RETRY;
            case UNDECODABLE -> Action.DEAD_LETTER;
            case REJECTED -> attempts < maxAttempts ? Action.RETRY
                    : records > 1 ? Action.SPLIT : Action.DEAD_LETTER;
        };
    }

    /** Unavailable when any cause in the chain says the database (or its pool) could not serve. */
    public static Failure classify(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof DatabaseException db && db.isUnavailable()
                    // a bare SQLException (not yet wrapped): the same rule as DatabaseException's
                    || cause instanceof SQLException sql && new DatabaseException(sql).isUnavailable()
                    || cause instanceof ConnectException) {
                return Failure.UNAVAILABLE;
            }
        }
        return Failure.REJECTED;
    }
}
