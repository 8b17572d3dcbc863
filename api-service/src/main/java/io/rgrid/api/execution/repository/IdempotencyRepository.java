package io.rgrid.api.execution.repository;

import io.rgrid.api.db.BatchDelete;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code api.idempotency_keys}: which execution a project's Idempotency-Key produced, and from which
 * request. A row created at or before the retention cutoff counts as absent: reads skip it, an
 * insert takes its place, and the cleanup deletes it.
 */
@Singleton
public class IdempotencyRepository {

    public record Entry(String requestHash, UUID executionId) {
    }

    /** The key's entry when it was created after {@code cutoff}. */
    public Optional<Entry> find(Connection c, String projectId, String key, Instant cutoff) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT request_hash, execution_id FROM api.idempotency_keys "
                + "WHERE project_id = ? AND key = ? AND created_at > ?")) {
            st.setString(1, projectId);
            st.setString(2, key);
            st.setTimestamp(3, Timestamp.from(cutoff));
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(new Entry(rs.getString(1), rs.getObject(2, UUID.class))) : Optional.empty();
            }
        }
    }

    /**
     * Takes the key for an execution; a row of the key created at or before {@code cutoff} (past its
     * retention, not yet cleaned up) is overwritten. Of two requests racing for the same key, the
     * second waits for the first's row and then finds it fresh.
     *
     * @return false when the key is already taken (a concurrent request with the same key won)
     */
    public boolean insert(Connection c, String projectId, String key, String requestHash, UUID executionId, Instant at,
                          Instant cutoff) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.idempotency_keys AS k "
                + "(project_id, key, request_hash, execution_id, created_at) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT (project_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, "
                + "execution_id = EXCLUDED.execution_id, created_at = EXCLUDED.created_at "
                + "WHERE k.created_at <= ?")) {
            st.setString(1, projectId);
            st.setString(2, key);
            st.setString(3, requestHash);
            st.setObject(4, executionId);
            st.setTimestamp(5, Timestamp.from(at));
            st.setTimestamp(6, Timestamp.from(cutoff));
            return st.executeUpdate() == 1;
        }
    }

    /**
     * Deletes at most {@code limit} keys created at or before {@code cutoff}, skipping rows another
     * instance is deleting at the same time.
     *
     * @return the number deleted
     */
    public int deleteExpired(Connection c, Instant cutoff, int limit) throws SQLException {
        return BatchDelete.run(c, "api.idempotency_keys", "project_id, key", "created_at <= ?", limit, cutoff);
    }
}
