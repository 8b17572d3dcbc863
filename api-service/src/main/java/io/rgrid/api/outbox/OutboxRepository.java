package io.rgrid.api.outbox;

import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * {@code api.outbox}: events waiting to be published, written in the transaction of the change they
 * announce. service-platform's relay publishes and purges them ({@link ApiOutbox}).
 */
@Singleton
public class OutboxRepository {

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

    /** Rows not yet published, for metrics and tests. */
    public long countUnpublished(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT count(*) FROM api.outbox WHERE published_at IS NULL");
             ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
