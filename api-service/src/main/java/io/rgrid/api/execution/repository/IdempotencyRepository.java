package io.rgrid.api.execution.repository;

import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** {@code api.idempotency_keys}: which execution a project's Idempotency-Key produced, and from which request. */
@Singleton
public class IdempotencyRepository {

    public record Entry(String requestHash, UUID executionId) {
    }

    public Optional<Entry> find(Connection c, String projectId, String key) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT request_hash, execution_id FROM api.idempotency_keys WHERE project_id = ? AND key = ?")) {
            st.setString(1, projectId);
            st.setString(2, key);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(new Entry(rs.getString(1), rs.getObject(2, UUID.class))) : Optional.empty();
            }
        }
    }

    /** @return false when the key is already taken (a concurrent request with the same key won) */
    public boolean insert(Connection c, String projectId, String key, String requestHash, UUID executionId, Instant at)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.idempotency_keys "
                + "(project_id, key, request_hash, execution_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            st.setString(1, projectId);
            st.setString(2, key);
            st.setString(3, requestHash);
            st.setObject(4, executionId);
            st.setTimestamp(5, Timestamp.from(at));
            return st.executeUpdate() == 1;
        }
    }
}
