package io.rgrid.api.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * One batch of a periodic delete that several api-service instances may run at once: at most
 * {@code limit} matching rows, and rows another transaction holds locked (another instance
 * deleting them) are skipped instead of waited for.
 */
public final class BatchDelete {

    private BatchDelete() {
    }

    /**
     * {@code DELETE FROM table WHERE (key) IN (SELECT key FROM table WHERE condition LIMIT limit
     * FOR UPDATE SKIP LOCKED)}. Only constants of the calling repository go into the SQL text.
     *
     * @param key       the table's key column or columns, comma-separated ({@code "project_id, key"})
     * @param condition which rows have expired, its {@code ?} bound to {@code instants} in order
     * @return the number deleted
     */
    public static int run(Connection c, String table, String key, String condition, int limit, Instant... instants)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement("DELETE FROM " + table + " WHERE (" + key + ") IN (SELECT " + key
                + " FROM " + table + " WHERE " + condition + " LIMIT ? FOR UPDATE SKIP LOCKED)")) {
            int i = 1;
            for (Instant instant : instants) {
                st.setTimestamp(i++, Timestamp.from(instant));
            }
            st.setInt(i, limit);
            return st.executeUpdate();
        }
    }
}
