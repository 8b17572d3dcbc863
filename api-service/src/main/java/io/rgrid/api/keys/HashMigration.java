package io.rgrid.api.keys;

import io.quarkus.runtime.StartupEvent;
import io.rgrid.platform.db.Transactions;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts hashes written before the HMAC ({@link KeyHasher#SHA256}) in place, at start and in
 * one transaction: each stored SHA-256 {@code h} becomes {@code HMAC(secret, h)}, which is what
 * {@link KeyHasher#hash} computes for the same key, so every key and open session keeps working.
 * Idempotent: only version-1 rows are read (locked), and each is written as version 2. Several
 * instances starting at once convert each row once: the second waits for the first's locks and
 * then finds no version-1 rows.
 */
@Singleton
public class HashMigration {

    private static final Logger LOG = Logger.getLogger(HashMigration.class);

    /** A table whose hash columns are converted; rows are identified by {@code idColumn} of SQL type {@code idType}. */
    private record HashedTable(String table, String idColumn, String idType, List<String> hashColumns) {
    }

    private static final List<HashedTable> TABLES = List.of(
            new HashedTable("api.api_keys", "id", "uuid", List.of("key_hash")),
            new HashedTable("api.sessions", "id_hash", "text", List.of("id_hash", "key_hash")));

    private final Transactions tx;
    private final KeyHasher hasher;

    public HashMigration(Transactions tx, KeyHasher hasher) {
        this.tx = tx;
        this.hasher = hasher;
    }

    void onStart(@Observes @Priority(2) StartupEvent event) {
        int converted = run();
        if (converted > 0) {
            LOG.infof("converted %d stored key and session hashes from SHA-256 to HMAC-SHA256", converted);
        }
    }

    /** @return the rows converted (0 when none were left) */
    public int run() {
        return tx.inTransaction(c -> {
            int converted = 0;
            for (HashedTable table : TABLES) {
                converted += convert(c, table);
            }
            return converted;
        });
    }

    private int convert(Connection c, HashedTable t) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        String columns = String.join(", ", t.hashColumns());
        try (PreparedStatement st = c.prepareStatement("SELECT " + t.idColumn() + "::text, " + columns + " FROM " + t.table()
                + " WHERE hash_version = " + KeyHasher.SHA256 + " FOR UPDATE")) {
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String[] row = new String[t.hashColumns().size() + 1];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    rows.add(row);
                }
            }
        }
        String assignments = String.join(", ", t.hashColumns().stream().map(col -> col + " = ?").toList());
        try (PreparedStatement st = c.prepareStatement("UPDATE " + t.table() + " SET " + assignments + ", hash_version = "
                + KeyHasher.HMAC + " WHERE " + t.idColumn() + " = ?::" + t.idType() + " AND hash_version = " + KeyHasher.SHA256)) {
            for (String[] row : rows) {
                for (int i = 1; i < row.length; i++) {
                    st.setString(i, hasher.rehash(row[i]));
                }
                st.setString(row.length, row[0]);
                st.addBatch();
            }
            st.executeBatch();
        }
        return rows.size();
    }
}
