package io.rgrid.api.session;

import io.rgrid.api.db.BatchDelete;
import io.rgrid.api.keys.KeyHasher;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/** {@code api.sessions}: browser logins, keyed by the hash ({@link KeyHasher}) of the cookie value. */
@Singleton
public class SessionRepository {

    /**
     * A stored session; {@code keyHash} is the hash ({@link KeyHasher}) of the key it was opened with,
     * {@code expiresAt} the absolute end, {@code lastUsedAt} the start of its idle time.
     */
    public record SessionRow(String projectId, boolean admin, String keyHash, String csrfToken, Instant createdAt,
                             Instant expiresAt, Instant lastUsedAt) {
    }

    /** A session as read, expired or not; {@code keyActive} is false when its project key was revoked since. */
    public record Found(SessionRow row, boolean keyActive) {
    }

    public void insert(Connection c, String idHash, SessionRow row) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.sessions (id_hash, project_id, admin, key_hash, "
                + "csrf_token, created_at, expires_at, last_used_at, hash_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, " + KeyHasher.HMAC + ")")) {
            st.setString(1, idHash);
            st.setString(2, row.projectId());
            st.setBoolean(3, row.admin());
            st.setString(4, row.keyHash());
            st.setString(5, row.csrfToken());
            st.setTimestamp(6, Timestamp.from(row.createdAt()));
            st.setTimestamp(7, Timestamp.from(row.expiresAt()));
            st.setTimestamp(8, Timestamp.from(row.lastUsedAt()));
            st.executeUpdate();
        }
    }

    /**
     * The session, whether or not it has expired (the caller decides, and deletes an expired one);
     * {@link Found#keyActive()} tells whether it may still be used: a revoked key's sessions are
     * refused from the next request on.
     */
    public Optional<Found> find(Connection c, String idHash) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT s.project_id, s.admin, s.key_hash, s.csrf_token, s.created_at, "
                + "s.expires_at, s.last_used_at, (s.admin OR EXISTS (SELECT 1 FROM api.api_keys k WHERE k.key_hash = s.key_hash "
                + "AND k.revoked_at IS NULL)) FROM api.sessions s WHERE s.id_hash = ?")) {
            st.setString(1, idHash);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Found(new SessionRow(rs.getString(1), rs.getBoolean(2), rs.getString(3), rs.getString(4),
                        rs.getTimestamp(5).toInstant(), rs.getTimestamp(6).toInstant(), rs.getTimestamp(7).toInstant()),
                        rs.getBoolean(8)));
            }
        }
    }

    /** Moves the session's last use forward to {@code at} (never back, should two requests race). */
    public void touch(Connection c, String idHash, Instant at) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "UPDATE api.sessions SET last_used_at = ? WHERE id_hash = ? AND last_used_at < ?")) {
            st.setTimestamp(1, Timestamp.from(at));
            st.setString(2, idHash);
            st.setTimestamp(3, Timestamp.from(at));
            st.executeUpdate();
        }
    }

    public void delete(Connection c, String idHash) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("DELETE FROM api.sessions WHERE id_hash = ?")) {
            st.setString(1, idHash);
            st.executeUpdate();
        }
    }

    /**
     * Deletes at most {@code limit} sessions past their absolute end or unused since
     * {@code idleSince}. Rows another instance is deleting at the same time are skipped, not waited for.
     *
     * @return the number deleted
     */
    public int deleteExpired(Connection c, Instant now, Instant idleSince, int limit) throws SQLException {
        return BatchDelete.run(c, "api.sessions", "id_hash", "expires_at <= ? OR last_used_at <= ?", limit, now, idleSince);
    }
}
