package io.rgrid.platform.outbox;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The relay's SQL on one service's {@link OutboxTable}. Every statement runs in autocommit: the
 * relay holds no transaction open while it waits on Kafka. One relay at a time works a table,
 * elected per pass with a session advisory lock (a lock on the connection, not a transaction), so
 * rows are sent in id order even with several instances of a service running.
 */
final class OutboxStore {

    private final OutboxTable table;
    private final String pending;
    private final String markPublished;
    private final String purge;

    OutboxStore(OutboxTable table) {
        this.table = table;
        this.pending = "SELECT id, topic, " + table.keyColumn() + ", payload FROM " + table.table()
                + " WHERE published_at IS NULL ORDER BY id LIMIT ?";
        this.markPublished = "UPDATE " + table.table() + " SET published_at = now() WHERE id = ANY (?)";
        this.purge = "DELETE FROM " + table.table() + " WHERE id IN (SELECT id FROM " + table.table()
                + " WHERE published_at <= ? LIMIT ? FOR UPDATE SKIP LOCKED)";
    }

    /** @return true when this connection now leads the table's relaying (release with {@link #release}) */
    boolean tryLead(Connection c) throws SQLException {
        return lockCall(c, "SELECT pg_try_advisory_lock(hashtext(?))");
    }

    void release(Connection c) throws SQLException {
        lockCall(c, "SELECT pg_advisory_unlock(hashtext(?))");
    }

    private boolean lockCall(Connection c, String sql) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, "rgrid-outbox-relay:" + table.table());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The oldest unpublished rows, in id order. */
    List<OutboxRow> pending(Connection c, int limit) throws SQLException {
        List<OutboxRow> rows = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(pending)) {
            st.setInt(1, limit);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(new OutboxRow(rs.getLong(1), rs.getString(2), rs.getString(3), payload(rs.getObject(4))));
                }
            }
        }
        return rows;
    }

    /** One statement for the whole batch. */
    void markPublished(Connection c, List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        Array array = c.createArrayOf("bigint", ids.toArray());
        try (PreparedStatement st = c.prepareStatement(markPublished)) {
            st.setArray(1, array);
            st.executeUpdate();
        } finally {
            array.free();
        }
    }

    /**
     * Deletes at most {@code limit} rows published at or before {@code cutoff}; unpublished rows are
     * never touched, rows another instance is deleting are skipped.
     *
     * @return the number deleted
     */
    int deletePublished(Connection c, Instant cutoff, int limit) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(purge)) {
            st.setTimestamp(1, Timestamp.from(cutoff));
            st.setInt(2, limit);
            return st.executeUpdate();
        }
    }

    /** bytea comes back as bytes, text (the orchestrator's JSON) as a string. */
    private static byte[] payload(Object column) {
        return column instanceof byte[] bytes ? bytes : String.valueOf(column).getBytes(StandardCharsets.UTF_8);
    }
}
