package io.rgrid.platform.db;

import java.sql.SQLException;
import java.sql.SQLTransientException;

/** A JDBC failure, unchecked so that it crosses service boundaries; keeps the SQL state. */
public class DatabaseException extends RuntimeException {

    public DatabaseException(SQLException cause) {
        super(cause.getMessage(), cause);
    }

    /**
     * True when the database could not be reached or was too busy (connection failures, pool
     * exhaustion), as opposed to a statement that is wrong: the first is a 503, the second a bug.
     */
    public boolean isUnavailable() {
        Throwable cause = getCause();
        if (cause instanceof SQLTransientException) {
            return true;
        }
        if (cause instanceof SQLException sql) {
            String state = sql.getSQLState();
            // 08: connection exception; 57P: operator intervention (shutdown); 53: insufficient resources
            return state == null || state.startsWith("08") || state.startsWith("57P") || state.startsWith("53");
        }
        return false;
    }
}
