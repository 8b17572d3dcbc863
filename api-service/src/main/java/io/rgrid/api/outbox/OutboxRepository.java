package io.rgrid.api.outbox;

import io.rgrid.api.db.BatchDelete;
import jakarta.inject.Singleton;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** {@code api.outbox}: events waiting to be published, written in the transaction of the change they announce. */
@Singleton
public class OutboxRepository {

    /** An event as stored: where it goes, its record key and its encoded envelope. */
    public record OutboxRow(long id, String topic, String key, String type, byte[] payload) {
    }

    public void insert(Connection connection, String topic, String key, String type, byte[] payload) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "INSERT INTO api.outbox (topic, event_key, event_type, payload) VALUES (?, ?, ?, ?)")) {
            st.setString(1, topic);
            st.setString(2, key);
            st.setString(3, type);
            st.setBytes(4, payload);
            st.executeUpdate();
        }
    }

    /**
     * The oldest unpublished rows, locked until the transaction ends. SKIP LOCKED lets several
     * api-service instances relay side by side without waiting on (or double-sending) each other's rows.
     */
    public List<OutboxRow> lockUnpublished(Connection connection, int limit) throws SQLException {
        List<OutboxRow> rows = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement("SELECT id, topic, event_key, event_type, payload FROM api.outbox "
                + "WHERE published_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED")) {
            st.setInt(1, limit);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(new OutboxRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBytes(5)));
                }
            }
        }
        return rows;
    }

    public void markPublished(Connection connection, List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        Array array = connection.createArrayOf("bigint", ids.toArray());
        try (PreparedStatement st = connection.prepareStatement(
                "UPDATE api.outbox SET published_at = now() WHERE id = ANY (?)")) {
            st.setArray(1, array);
            st.executeUpdate();
        } finally {
            array.free();
        }
    }

    /**
     * Deletes at most {@code limit} rows published at or before {@code cutoff}; rows not yet
     * published are never touched. Rows another instance is deleting at the same time are skipped,
     * not waited for.
     *
     * @return the number deleted
     */
    public int deletePublished(Connection connection, Instant cutoff, int limit) throws SQLException {
        return BatchDelete.run(connection, "api.outbox", "id", "published_at <= ?", limit, cutoff);
    }

    /** Rows not yet published, for metrics and tests. */
    public long countUnpublished(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT count(*) FROM api.outbox WHERE published_at IS NULL");
             ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
