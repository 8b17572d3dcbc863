package io.rgrid.api.execution.repository;

import io.rgrid.model.ExecutionState;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code api.execution_transitions}: the append-only history behind an execution's timeline, and
 * (through {@code tx_id}, the writing transaction's id) the change feed of the live event stream.
 */
@Singleton
public class TransitionRepository {

    /**
     * One applied change; {@code from} is null for the submission itself.
     *
     * @param run the run of the attempt the applied report named (a worker's report), else null
     */
    public record Transition(UUID executionId, int attempt, ExecutionState from, ExecutionState to, Instant at,
                             String reportedBy, String run) {

        /** A change no run is named in (the submission, the orchestrator's reports). */
        public Transition(UUID executionId, int attempt, ExecutionState from, ExecutionState to, Instant at,
                          String reportedBy) {
            this(executionId, attempt, from, to, at, reportedBy, null);
        }
    }

    public void append(Connection connection, Transition t) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("INSERT INTO api.execution_transitions "
                + "(execution_id, attempt, from_state, to_state, at, reported_by, run) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            st.setObject(1, t.executionId());
            st.setInt(2, t.attempt());
            st.setString(3, t.from() == null ? null : t.from().name());
            st.setString(4, t.to().name());
            st.setTimestamp(5, ExecutionRepository.timestamp(t.at()));
            st.setString(6, t.reportedBy());
            st.setString(7, t.run());
            st.executeUpdate();
        }
    }

    /**
     * The run whose objects count for an attempt: the one the attempt's latest applied report
     * that named a run named (the outcome's, once one was accepted); empty for an attempt no
     * worker report with a run was applied to (not started yet, or written in the layout before runs).
     */
    public Optional<String> runOf(Connection connection, UUID executionId, int attempt) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT run FROM api.execution_transitions "
                + "WHERE execution_id = ? AND attempt = ? AND run IS NOT NULL ORDER BY id DESC LIMIT 1")) {
            st.setObject(1, executionId);
            st.setInt(2, attempt);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** Oldest first. */
    public List<Transition> list(Connection connection, UUID executionId) throws SQLException {
        List<Transition> out = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement("SELECT execution_id, attempt, from_state, to_state, at, "
                + "reported_by, run FROM api.execution_transitions WHERE execution_id = ? ORDER BY id")) {
            st.setObject(1, executionId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String from = rs.getString("from_state");
                    out.add(new Transition(rs.getObject("execution_id", UUID.class), rs.getInt("attempt"),
                            from == null ? null : ExecutionState.valueOf(from), ExecutionState.valueOf(rs.getString("to_state")),
                            ExecutionRepository.instant(rs, "at"), rs.getString("reported_by"), rs.getString("run")));
                }
            }
        }
        return out;
    }

    /** A transition as the event stream reads it: its id, its transaction's id ({@code xid8}) and execution. */
    public record Change(long id, long txId, UUID executionId) {
    }

    /**
     * The oldest transaction id still running in the whole cluster, read from the current
     * snapshot: every transaction with a lower id has ended, so whatever it committed is visible
     * to any later statement, and any transaction that commits from now on has this id or a higher one.
     */
    public long commitHorizon(Connection connection) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_snapshot_xmin(pg_current_snapshot())::text");
             ResultSet rs = st.executeQuery()) {
            rs.next();
            return Long.parseLong(rs.getString(1));
        }
    }

    /**
     * Visible transitions written by transactions with an id at or above {@code horizon}, except
     * the ids in {@code exclude} (already read), oldest first, at most {@code limit}. Transactions
     * the snapshot does not yet know ({@code >= xmax}) are left out: a row can carry such an id only
     * when restored from another cluster's backup, and it is not news.
     */
    public List<Change> committedSince(Connection connection, long horizon, Collection<Long> exclude, int limit)
            throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("SELECT id, tx_id::text, execution_id FROM api.execution_transitions "
                + "WHERE tx_id >= ?::xid8 AND tx_id < pg_snapshot_xmax(pg_current_snapshot()) AND id <> ALL (?) "
                + "ORDER BY id LIMIT ?")) {
            st.setString(1, Long.toString(horizon));
            st.setArray(2, connection.createArrayOf("bigint", exclude.toArray()));
            st.setInt(3, limit);
            List<Change> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new Change(rs.getLong(1), Long.parseLong(rs.getString(2)), rs.getObject(3, UUID.class)));
                }
            }
            return out;
        }
    }
}
