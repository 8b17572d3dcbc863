package io.rgrid.api.reconcile;

import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The reconciliation's reads and its lock in {@code api}: which executions a round compares, in
 * (created_at, id) order from where the last round stopped.
 */
@Singleton
class ReconcileCandidates {

    /** Where a round stopped: the last execution it compared. */
    record Position(Instant createdAt, UUID id) {
        static final Position START = new Position(Instant.EPOCH, new UUID(0, 0));
    }

    /** One execution to compare. */
    record Candidate(UUID id, Instant createdAt) {
    }

    /**
     * Takes the round's transaction-level advisory lock: false when another api-service instance
     * is running a round, which this one then skips.
     */
    boolean tryLock(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT pg_try_advisory_xact_lock(hashtext('api.reconcile'))");
             ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /**
     * At most {@code limit} executions after {@code after}: non-terminal, created more than
     * {@code grace} ago on the database's clock, and with no event of theirs still waiting in the
     * outbox (that one is on its way: Kafka may be down, and a round must not pile copies up).
     */
    List<Candidate> after(Connection c, Position after, Duration grace, int limit) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT e.id, e.created_at FROM api.executions e"
                + " WHERE e.state IN ('QUEUED', 'ASSIGNED', 'RUNNING')"
                + " AND e.created_at < now() - make_interval(secs => ?)"
                + " AND (e.created_at, e.id) > (?, ?)"
                + " AND NOT EXISTS (SELECT 1 FROM api.outbox o WHERE o.event_key = e.id::text AND o.published_at IS NULL)"
                + " ORDER BY e.created_at, e.id LIMIT ?")) {
            st.setDouble(1, grace.toMillis() / 1000.0);
            st.setTimestamp(2, Timestamp.from(after.createdAt()));
            st.setObject(3, after.id());
            st.setInt(4, limit);
            List<Candidate> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new Candidate(rs.getObject(1, UUID.class), rs.getTimestamp(2).toInstant()));
                }
            }
            return out;
        }
    }
}
