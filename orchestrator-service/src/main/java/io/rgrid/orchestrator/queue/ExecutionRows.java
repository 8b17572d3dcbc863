package io.rgrid.orchestrator.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.Json;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An {@code executions} row as an {@link ExecutionRecord}: the columns read and their mapping,
 * shared by {@link ExecutionRepository} and {@link HeldExecutions}.
 */
final class ExecutionRows {

    static final String COLUMNS = "id, project_id, attempt, state, spec, script_key, input_keys, "
            + "requirements_key, max_attempts, worker_id, assigned_at, cancel_requested, submitted_at, queued_at";
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
    };

    private ExecutionRows() {
    }

    static List<ExecutionRecord> list(PreparedStatement select) throws SQLException {
        List<ExecutionRecord> out = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                out.add(map(rows));
            }
        }
        return out;
    }

    static ExecutionRecord map(ResultSet rows) throws SQLException {
        try {
            return new ExecutionRecord(
                    rows.getObject("id", UUID.class),
                    rows.getString("project_id"),
                    rows.getInt("attempt"),
                    ExecutionState.valueOf(rows.getString("state")),
                    Json.mapper().readValue(rows.getString("spec"), ExecutionSpec.class),
                    rows.getString("script_key"),
                    Json.mapper().readValue(rows.getString("input_keys"), STRING_MAP),
                    rows.getString("requirements_key"),
                    rows.getInt("max_attempts"),
                    rows.getString("worker_id"),
                    instant(rows.getTimestamp("assigned_at")),
                    rows.getBoolean("cancel_requested"),
                    instant(rows.getTimestamp("submitted_at")),
                    instant(rows.getTimestamp("queued_at")));
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable execution row: " + e.getMessage(), e);
        }
    }

    static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
