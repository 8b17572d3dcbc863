package io.rgrid.api.execution.repository;

import io.rgrid.model.ExecutionState;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** {@code api.execution_transitions}: the append-only history behind an execution's timeline. */
@Singleton
public class TransitionRepository {

    /** One applied change; {@code from} is null for the submission itself. */
    public record Transition(UUID executionId, int attempt, ExecutionState from, ExecutionState to, Instant at,
                             String reportedBy) {
    }

    public void append(Connection connection, Transition t) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement("INSERT INTO api.execution_transitions "
                + "(execution_id, attempt, from_state, to_state, at, reported_by) VALUES (?, ?, ?, ?, ?, ?)")) {
            st.setObject(1, t.executionId());
            st.setInt(2, t.attempt());
            st.setString(3, t.from() == null ? null : t.from().name());
            st.setString(4, t.to().name());
            st.setTimestamp(5, ExecutionRepository.timestamp(t.at()));
            st.setString(6, t.reportedBy());
            st.executeUpdate();
        }
    }

    /** Oldest first. */
    public List<Transition> list(Connection connection, UUID executionId) throws SQLException {
        List<Transition> out = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement("SELECT execution_id, attempt, from_state, to_state, at, "
                + "reported_by FROM api.execution_transitions WHERE execution_id = ? ORDER BY id")) {
            st.setObject(1, executionId);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String from = rs.getString("from_state");
                    out.add(new Transition(rs.getObject("execution_id", UUID.class), rs.getInt("attempt"),
                            from == null ? null : ExecutionState.valueOf(from), ExecutionState.valueOf(rs.getString("to_state")),
                            ExecutionRepository.instant(rs, "at"), rs.getString("reported_by")));
                }
            }
        }
        return out;
    }
}
