package io.rgrid.api.execution.repository;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Json;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@code api.executions}. Every method runs on the caller's connection, inside the caller's transaction. */
@Singleton
public class ExecutionRepository {

    private static final String COLUMNS = "id, project_id, state, attempt, spec, script_name, inputs, has_requirements, "
            + "worker_id, exit_code, reason, message, cancel_requested_at, created_at, updated_at, started_at, finished_at, retry_of";
    /** What a submission writes, plus what only status reports write. */
    private static final String READ_COLUMNS = COLUMNS + ", log_bytes, log_last_seq";
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {
    };

    public void insert(Connection connection, ExecutionRecord row) throws SQLException {
        String sql = "INSERT INTO api.executions (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            st.setObject(1, row.id());
            st.setString(2, row.projectId());
            st.setString(3, row.state().name());
            st.setInt(4, row.attempt());
            st.setString(5, json(row.spec()));
            st.setString(6, row.scriptName());
            st.setString(7, json(row.inputs()));
            st.setBoolean(8, row.hasRequirements());
            st.setString(9, row.workerId());
            setInteger(st, 10, row.exitCode());
            st.setString(11, row.reason() == null ? null : row.reason().name());
            st.setString(12, row.message());
            st.setTimestamp(13, timestamp(row.cancelRequestedAt()));
            st.setTimestamp(14, timestamp(row.createdAt()));
            st.setTimestamp(15, timestamp(row.updatedAt()));
            st.setTimestamp(16, timestamp(row.startedAt()));
            st.setTimestamp(17, timestamp(row.finishedAt()));
            st.setObject(18, row.retryOf());
            st.executeUpdate();
        }
    }

    public Optional<ExecutionRecord> find(Connection connection, UUID id) throws SQLException {
        return select(connection, id, false);
    }

    /** Reads the row and locks it until the transaction ends, so concurrent reports apply one after another. */
    public Optional<ExecutionRecord> findForUpdate(Connection connection, UUID id) throws SQLException {
        return select(connection, id, true);
    }

    /** Writes the columns a status report may change. */
    public void updateStatus(Connection connection, ExecutionRecord row) throws SQLException {
        String sql = "UPDATE api.executions SET state = ?, attempt = ?, worker_id = ?, exit_code = ?, reason = ?, message = ?, "
                + "updated_at = ?, started_at = ?, finished_at = ?, log_bytes = ?, log_last_seq = ? WHERE id = ?";
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            st.setString(1, row.state().name());
            st.setInt(2, row.attempt());
            st.setString(3, row.workerId());
            setInteger(st, 4, row.exitCode());
            st.setString(5, row.reason() == null ? null : row.reason().name());
            st.setString(6, row.message());
            st.setTimestamp(7, timestamp(row.updatedAt()));
            st.setTimestamp(8, timestamp(row.startedAt()));
            st.setTimestamp(9, timestamp(row.finishedAt()));
            st.setObject(10, row.logBytes());
            st.setObject(11, row.logLastSeq());
            st.setObject(12, row.id());
            st.executeUpdate();
        }
    }

    public void markCancelRequested(Connection connection, UUID id, Instant at) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(
                "UPDATE api.executions SET cancel_requested_at = COALESCE(cancel_requested_at, ?) WHERE id = ?")) {
            st.setTimestamp(1, timestamp(at));
            st.setObject(2, id);
            st.executeUpdate();
        }
    }

    /** One page of a listing; see {@link ExecutionQuery}. Newest first, {@code limit + 1} rows to tell whether more follow. */
    public List<ExecutionRecord> list(Connection connection, ExecutionQuery q) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT " + READ_COLUMNS + " FROM api.executions WHERE true");
        List<Object> params = new ArrayList<>();
        if (q.projectId() != null) {
            sql.append(" AND project_id = ?");
            params.add(q.projectId());
        }
        if (!q.states().isEmpty()) {
            sql.append(" AND state = ANY (?)");
            params.add(q.states().stream().map(Enum::name).toArray(String[]::new));
        }
        if (!q.labels().isEmpty()) {
            sql.append(" AND spec -> 'labels' @> ?::jsonb");
            params.add(json(q.labels()));
        }
        if (q.createdSince() != null) {
            sql.append(" AND created_at >= ?");
            params.add(timestamp(q.createdSince()));
        }
        if (q.createdBefore() != null) {
            sql.append(" AND created_at < ?");
            params.add(timestamp(q.createdBefore()));
        }
        if (q.after() != null) {
            sql.append(" AND (created_at, id) < (?, ?)");
            params.add(timestamp(q.after().createdAt()));
            params.add(q.after().id());
        }
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
        params.add(q.limit() + 1);
        try (PreparedStatement st = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof String[] array) {
                    st.setArray(i + 1, connection.createArrayOf("text", array));
                } else {
                    st.setObject(i + 1, p);
                }
            }
            List<ExecutionRecord> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    /** The executions with these ids that exist, in no particular order. */
    public List<ExecutionRecord> findAll(Connection connection, Collection<UUID> ids) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT " + READ_COLUMNS + " FROM api.executions WHERE id = ANY (?)")) {
            st.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
            List<ExecutionRecord> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    /** Non-terminal executions per state, for one project or (null) all. */
    public Map<ExecutionState, Long> countActiveByState(Connection connection, String projectId) throws SQLException {
        Map<ExecutionState, Long> out = new EnumMap<>(ExecutionState.class);
        String sql = "SELECT state, count(*) FROM api.executions WHERE state IN ('QUEUED', 'ASSIGNED', 'RUNNING')"
                + (projectId == null ? "" : " AND project_id = ?") + " GROUP BY state";
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            if (projectId != null) {
                st.setString(1, projectId);
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(ExecutionState.valueOf(rs.getString(1)), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /** Every execution per state (all projects), for the metrics gauge. */
    public Map<ExecutionState, Long> countAllByState(Connection connection) throws SQLException {
        Map<ExecutionState, Long> out = new EnumMap<>(ExecutionState.class);
        try (PreparedStatement st = connection.prepareStatement("SELECT state, count(*) FROM api.executions GROUP BY state");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.put(ExecutionState.valueOf(rs.getString(1)), rs.getLong(2));
            }
        }
        return out;
    }

    /** The queued execution that has waited longest, of one project or (null) all. */
    public Optional<ExecutionRecord> oldestQueued(Connection connection, String projectId) throws SQLException {
        String sql = "SELECT " + READ_COLUMNS + " FROM api.executions WHERE state = 'QUEUED'"
                + (projectId == null ? "" : " AND project_id = ?") + " ORDER BY created_at, id LIMIT 1";
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            if (projectId != null) {
                st.setString(1, projectId);
            }
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    private Optional<ExecutionRecord> select(Connection connection, UUID id, boolean forUpdate) throws SQLException {
        String sql = "SELECT " + READ_COLUMNS + " FROM api.executions WHERE id = ?" + (forUpdate ? " FOR UPDATE" : "");
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            st.setObject(1, id);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    private static ExecutionRecord map(ResultSet rs) throws SQLException {
        String reason = rs.getString("reason");
        int exitCode = rs.getInt("exit_code");
        Integer exit = rs.wasNull() ? null : exitCode;
        try {
            return new ExecutionRecord(
                    rs.getObject("id", UUID.class),
                    rs.getString("project_id"),
                    ExecutionState.valueOf(rs.getString("state")),
                    rs.getInt("attempt"),
                    Json.mapper().readValue(rs.getString("spec"), ExecutionSpec.class),
                    rs.getString("script_name"),
                    Json.mapper().readValue(rs.getString("inputs"), STRING_LIST),
                    rs.getBoolean("has_requirements"),
                    rs.getString("worker_id"),
                    exit,
                    reason == null ? null : FailureReason.valueOf(reason),
                    rs.getString("message"),
                    instant(rs, "cancel_requested_at"),
                    instant(rs, "created_at"),
                    instant(rs, "updated_at"),
                    instant(rs, "started_at"),
                    instant(rs, "finished_at"),
                    rs.getObject("retry_of", UUID.class),
                    rs.getObject("log_bytes", Long.class),
                    rs.getObject("log_last_seq", Long.class));
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable JSON column in execution row: " + e.getMessage(), e);
        }
    }

    private static String json(Object value) throws SQLException {
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new SQLException("cannot encode column value: " + e.getMessage(), e);
        }
    }

    private static void setInteger(PreparedStatement st, int index, Integer value) throws SQLException {
        if (value == null) {
            st.setNull(index, Types.INTEGER);
        } else {
            st.setInt(index, value);
        }
    }

    static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp ts = rs.getTimestamp(column);
        return ts == null ? null : ts.toInstant();
    }
}
