package io.rgrid.api.keys;

import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code api.api_keys}: project keys, stored as hashes only ({@link KeyHasher}). */
@Singleton
public class ApiKeyRepository {

    /** One key without its secret. */
    public record KeyRow(UUID id, String projectId, String name, Instant createdAt, Instant revokedAt) {
    }

    public void insert(Connection c, KeyRow row, String keyHash) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "INSERT INTO api.api_keys (id, project_id, name, key_hash, created_at, hash_version) VALUES (?, ?, ?, ?, ?, "
                + KeyHasher.HMAC + ")")) {
            st.setObject(1, row.id());
            st.setString(2, row.projectId());
            st.setString(3, row.name());
            st.setString(4, keyHash);
            st.setTimestamp(5, Timestamp.from(row.createdAt()));
            st.executeUpdate();
        }
    }

    /** The active (not revoked) key with this hash. */
    public Optional<KeyRow> findActiveByHash(Connection c, String keyHash) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT id, project_id, name, created_at, revoked_at FROM api.api_keys "
                + "WHERE key_hash = ? AND revoked_at IS NULL")) {
            st.setString(1, keyHash);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    public List<KeyRow> list(Connection c, boolean includeRevoked) throws SQLException {
        List<KeyRow> out = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("SELECT id, project_id, name, created_at, revoked_at FROM api.api_keys"
                + (includeRevoked ? "" : " WHERE revoked_at IS NULL") + " ORDER BY created_at, id")) {
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
        }
        return out;
    }

    /** @return the key after revocation (revoking twice keeps the first time), or empty when unknown */
    public Optional<KeyRow> revoke(Connection c, UUID id, Instant at) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("UPDATE api.api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? "
                + "RETURNING id, project_id, name, created_at, revoked_at")) {
            st.setTimestamp(1, Timestamp.from(at));
            st.setObject(2, id);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    private static KeyRow map(ResultSet rs) throws SQLException {
        Timestamp revoked = rs.getTimestamp("revoked_at");
        return new KeyRow(rs.getObject("id", UUID.class), rs.getString("project_id"), rs.getString("name"),
                rs.getTimestamp("created_at").toInstant(), revoked == null ? null : revoked.toInstant());
    }
}
