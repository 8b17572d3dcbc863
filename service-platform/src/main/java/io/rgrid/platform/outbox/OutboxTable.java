package io.rgrid.platform.outbox;

import java.util.regex.Pattern;

/**
 * Where a service keeps its outbox. Each service has its own table in its own schema
 * ({@code api.outbox}, {@code orchestrator.outbox}); both have {@code id bigserial}, {@code topic},
 * a record-key column, {@code payload} (bytea or text) and {@code published_at}. Only these
 * constants of the service go into the relay's SQL text, and they are checked to be plain names.
 *
 * @param table     the table, schema-qualified
 * @param keyColumn the column holding the record key (the execution id, worker id, ...)
 */
public record OutboxTable(String table, String keyColumn) {

    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?");

    public OutboxTable {
        if (!NAME.matcher(table).matches() || !NAME.matcher(keyColumn).matches()) {
            throw new IllegalArgumentException("not a plain SQL name: " + table + " / " + keyColumn);
        }
    }
}
