package io.rgrid.api.session;

import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/** {@code api.sessions}: browser logins, keyed by the SHA-256 of the cookie value. */
@Singleton
public class SessionRepository {

    /** A stored session; {@code keyHash} is the SHA-256 of the key it was opened with. */
    public record SessionRow(String projectId, boolean admin, String keyHash, String csrfToken, Instant createdAt,
                             Instant expiresAt) {
    }

    public void insert(Connection c, String idHash, SessionRow row) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.sessions (id_hash, project_id, admin, key_hash, "
                + "csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            st.setString(1, idHash);
            st.setString(2, row.projectId());
            st.setBoolean(3, row.admin());
            st.setString(4, row.keyHash());
            st.setString(5, row.csrfToken());
            st.setTimestamp(6, Timestamp.from(row.createdAt()));
            st.setTimestamp(7, Timestamp.from(row.expiresAt()));
            st.executeUpdate();
        }
    }

    /**
     * The session, when it has not expired and (for a project key) its key is still active: a
     * revoked key's sessions are refused from the next request on.
     */
    public Optional<SessionRow> findActive(Connection c, String idHash, Instant now) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT s.project_id, s.admin, s.key_hash, s.csrf_token, s.created_at, "
                + "s.expires_at FROM api.sessions s WHERE s.id_hash = ? AND s.expires_at > ? AND (s.admin OR EXISTS "
                + "(SELECT 1 FROM api.api_keys k WHERE k.key_hash = s.key_hash AND k.revoked_at IS NULL))")) {
            st.setString(1, idHash);
            st.setTimestamp(2, Timestamp.from(now));
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new SessionRow(rs.getString(1), rs.getBoolean(2), rs.getString(3), rs.getString(4),
                        rs.getTimestamp(5).toInstant(), rs.getTimestamp(6).toInstant()));
            }
        }
    }

    public void delete(Connection c, String idHash) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("DELETE FROM api.sessions WHERE id_hash = ?")) {
            st.setString(1, idHash);
            st.executeUpdate();
        }
    }

    public int deleteExpired(Connection c, Instant now) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("DELETE FROM api.sessions WHERE expires_at <= ?")) {
            st.setTimestamp(1, Timestamp.from(now));
            return st.executeUpdate();
        }
    }
}
