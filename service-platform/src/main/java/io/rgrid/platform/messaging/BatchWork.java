package io.rgrid.platform.messaging;

import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.platform.db.Transactions;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Applies the decoded events of one poll, in poll order (per partition). Returning means all of
 * them are applied; throwing means none may be counted as applied: {@link BatchConsumer} tries the
 * same events again (or splits them), so the work must be idempotent.
 */
@FunctionalInterface
public interface BatchWork {

    void apply(List<Envelope<Event>> events);

    /** Applies one event on a connection that belongs to the batch's transaction. */
    @FunctionalInterface
    interface EventWork {
        void apply(Connection connection, Envelope<Event> event) throws SQLException;
    }

    /** Every event of the batch in one database transaction: all of them are written or none. */
    static BatchWork inOneTransaction(Transactions tx, EventWork work) {
        return events -> tx.inTransaction(connection -> {
            for (Envelope<Event> event : events) {
                work.apply(connection, event);
            }
            return null;
        });
    }
}
