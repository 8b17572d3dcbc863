package io.rgrid.platform.leader;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;

/** The lease's SQL on one service's {@link LeaseTable}; every time is the database's. */
final class LeaseStore {

    private final String ensure;
    private final String lock;
    private final String write;
    private final String release;

    LeaseStore(LeaseTable table) {
        this.ensure = "INSERT INTO " + table.table() + " (name, holder, expires_at, term) VALUES (?, '', now(), 0)"
                + " ON CONFLICT (name) DO NOTHING";
        this.lock = "SELECT holder, expires_at, term, now() FROM " + table.table() + " WHERE name = ? FOR UPDATE";
        this.write = "UPDATE " + table.table() + " SET holder = ?, expires_at = ?, term = ? WHERE name = ?";
        this.release = "UPDATE " + table.table() + " SET expires_at = now() WHERE name = ? AND holder = ?"
                + " AND expires_at > now()";
    }

    /** The row, locked until the transaction ends, and the database's clock. */
    record Locked(LeaseDecision.Lease lease, Instant now) {
    }

    Locked lock(Connection c, String name) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(ensure)) {
            st.setString(1, name);
            st.executeUpdate();
        }
        try (PreparedStatement st = c.prepareStatement(lock)) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new Locked(new LeaseDecision.Lease(rs.getString(1),
                        rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getLong(3)),
                        rs.getObject(4, OffsetDateTime.class).toInstant());
            }
        }
    }

    void write(Connection c, String name, LeaseDecision decision) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(write)) {
            st.setString(1, decision.holder());
            st.setTimestamp(2, Timestamp.from(decision.expiresAt()));
            st.setLong(3, decision.term());
            st.setString(4, name);
            st.executeUpdate();
        }
    }

    /** Ends the holder's lease now, so a standby takes over at its next round. */
    boolean release(Connection c, String name, String holder) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(release)) {
            st.setString(1, name);
            st.setString(2, holder);
            return st.executeUpdate() > 0;
        }
    }
}
