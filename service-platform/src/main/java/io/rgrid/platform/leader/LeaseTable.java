package io.rgrid.platform.leader;

import java.util.regex.Pattern;

/**
 * Where a service keeps its leases: a table of its own schema (the orchestrator's
 * {@code orchestrator.leader_lease}) with {@code name text primary key}, {@code holder text},
 * {@code expires_at timestamptz} and {@code term bigint}. Only this constant of the service goes
 * into the lease's SQL text, and it is checked to be a plain name.
 *
 * @param table the table, schema-qualified
 */
public record LeaseTable(String table) {

    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?");

    public LeaseTable {
        if (!NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("not a plain SQL name: " + table);
        }
    }
}
