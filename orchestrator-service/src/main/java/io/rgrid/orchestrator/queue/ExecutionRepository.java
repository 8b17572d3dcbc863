package io.rgrid.orchestrator.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.rgrid.model.ExecutionSpec;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.Json;
import io.rgrid.model.event.ExecutionSubmitted;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * SQL for {@code executions} as the queue sees them: intake, reads and locks for a state change,
 * dispatch candidates and claims, state changes and take-backs. What the workers hold (their
 * attempts, reservations, acknowledgements, deadlines) is {@link HeldExecutions}. Every method runs
 * in the caller's transaction.
 */
@ApplicationScoped
public class ExecutionRepository {

    private static final String COLUMNS = ExecutionRows.COLUMNS;
    /** {@link #COLUMNS} of the subquery {@code q} (names shared with joined tables stay unambiguous). */
    private static final String QUALIFIED_COLUMNS = "q." + COLUMNS.replace(", ", ", q.");

    /** Inserts a QUEUED execution; @return false when it was already known (a redelivery). */
    public boolean insertQueued(Connection c, ExecutionSubmitted submitted) throws SQLException {
        int maxAttempts = Math.max(1, submitted.spec().maxAttempts());
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO executions (" + COLUMNS + ", updated_at) "
                + "VALUES (?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, ?, ?, NULL, NULL, false, ?, now(), now()) "
                + "ON CONFLICT (id) DO NOTHING")) {
            insert.setObject(1, submitted.executionId());
            insert.setString(2, submitted.projectId());
            insert.setInt(3, Math.max(1, submitted.attempt()));
            insert.setString(4, ExecutionState.QUEUED.name());
            insert.setString(5, json(submitted.spec()));
            insert.setString(6, submitted.scriptKey());
            insert.setString(7, json(submitted.inputKeys()));
            insert.setString(8, submitted.requirementsKey());
            insert.setInt(9, maxAttempts);
            insert.setTimestamp(10, Timestamp.from(
                    submitted.submittedAt() == null ? Instant.now() : submitted.submittedAt()));
            return insert.executeUpdate() == 1;
        }
    }

    /** Reads and locks one execution for a state change. */
    public Optional<ExecutionRecord> lock(Connection c, UUID id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(
                "SELECT " + COLUMNS + " FROM executions WHERE id = ? FOR UPDATE")) {
            select.setObject(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(ExecutionRows.map(rows)) : Optional.empty();
            }
        }
    }

    /** Reads one execution without locking it. */
    public Optional<ExecutionRecord> find(Connection c, UUID id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM executions WHERE id = ?")) {
            select.setObject(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(ExecutionRows.map(rows)) : Optional.empty();
            }
        }
    }

    /**
     * A dispatch round's candidates: at most {@code limit} queued executions, taken in turns from
     * every project that has queued work (each project's oldest first, then each one's second, …),
     * so one project's backlog, however large, never hides another project's execution from the
     * round. Within a turn the older submission comes first.
     * <p>
     * It reads at most {@code limit} rows per project, through the index
     * {@code executions_queued_by_project}: the projects with queued work are found by a skip scan
     * (one index probe per project), then each one's oldest {@code limit}. A backlog of any depth
     * costs no more than a round's worth of rows per project.
     */
    public List<ExecutionRecord> queued(Connection c, int limit) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("WITH RECURSIVE projects(project_id) AS ("
                + "(SELECT project_id FROM executions WHERE state = 'QUEUED' ORDER BY project_id LIMIT 1)"
                + " UNION ALL"
                + " SELECT (SELECT e.project_id FROM executions e WHERE e.state = 'QUEUED'"
                + " AND e.project_id > p.project_id ORDER BY e.project_id LIMIT 1)"
                + " FROM projects p WHERE p.project_id IS NOT NULL)"
                + " SELECT " + QUALIFIED_COLUMNS + " FROM projects p CROSS JOIN LATERAL ("
                + "SELECT e.*, row_number() OVER (ORDER BY e.submitted_at, e.id) AS project_turn FROM executions e"
                + " WHERE e.state = 'QUEUED' AND e.project_id = p.project_id ORDER BY e.submitted_at, e.id LIMIT ?) q"
                + " WHERE p.project_id IS NOT NULL ORDER BY q.project_turn, q.submitted_at, q.id LIMIT ?")) {
            select.setInt(1, limit);
            select.setInt(2, limit);
            return ExecutionRows.list(select);
        }
    }

    public int countQueued(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT count(*) FROM executions WHERE state = 'QUEUED'");
             ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getInt(1);
        }
    }


    public void markAssigned(Connection c, UUID id, String workerId) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE executions SET state = 'ASSIGNED', worker_id = ?, "
                + "assigned_at = now(), acknowledged_at = NULL, updated_at = now() WHERE id = ?")) {
            update.setString(1, workerId);
            update.setObject(2, id);
            update.executeUpdate();
        }
    }

    /** One placement to record: this attempt of a QUEUED execution goes to that worker. */
    public record Claim(UUID id, int attempt, String workerId) {
    }

    /**
     * Records a batch of placements in one statement: each execution still QUEUED with the same
     * attempt becomes ASSIGNED to its worker. Rows another transaction holds locked (a cancel in
     * progress) are skipped, not waited for; they stay QUEUED for a later round.
     *
     * @return the ids that were assigned
     */
    public Set<UUID> claimQueued(Connection c, List<Claim> claims) throws SQLException {
        Set<UUID> claimed = new HashSet<>();
        if (claims.isEmpty()) {
            return claimed;
        }
        try (PreparedStatement update = c.prepareStatement("WITH v AS ("
                + "SELECT * FROM unnest(?::uuid[], ?::int[], ?::text[]) AS v(id, attempt, worker_id)), "
                + "claimable AS (SELECT e.id FROM executions e JOIN v ON e.id = v.id AND e.attempt = v.attempt "
                + "WHERE e.state = 'QUEUED' ORDER BY e.id FOR UPDATE OF e SKIP LOCKED) "
                + "UPDATE executions e SET state = 'ASSIGNED', worker_id = v.worker_id, assigned_at = now(), "
                + "acknowledged_at = NULL, updated_at = now() FROM v WHERE e.id = v.id AND e.id IN (SELECT id FROM claimable) "
                + "RETURNING e.id")) {
            update.setArray(1, c.createArrayOf("uuid", claims.stream().map(Claim::id).toArray()));
            update.setArray(2, c.createArrayOf("int4", claims.stream().map(Claim::attempt).toArray()));
            update.setArray(3, c.createArrayOf("text", claims.stream().map(Claim::workerId).toArray()));
            try (ResultSet rows = update.executeQuery()) {
                while (rows.next()) {
                    claimed.add(rows.getObject(1, UUID.class));
                }
            }
        }
        return claimed;
    }

    /** Reads and locks several executions (in id order, so concurrent batches never deadlock). */
    public Map<UUID, ExecutionRecord> lockAll(Connection c, Collection<UUID> ids) throws SQLException {
        Map<UUID, ExecutionRecord> out = new HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS
                + " FROM executions WHERE id = ANY(?::uuid[]) ORDER BY id FOR UPDATE")) {
            select.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            for (ExecutionRecord record : ExecutionRows.list(select)) {
                out.put(record.id(), record);
            }
        }
        return out;
    }

    /**
     * The first RUNNING of an attempt is when its deadline starts (the parameter is the new state;
     * {@code state} in a SET expression is the row's old one).
     */
    private static final String RUNNING_AT = "running_at = CASE WHEN state <> 'RUNNING' AND ?::text = 'RUNNING' "
            + "THEN now() ELSE running_at END";
    /** A RUNNING report is the agent's acknowledgement too (the parameter is the new state). */
    private static final String ACKNOWLEDGED_AT = "acknowledged_at = CASE WHEN ?::text = 'RUNNING' "
            + "THEN coalesce(acknowledged_at, now()) ELSE acknowledged_at END";

    /** A state change of the current attempt (RUNNING, a terminal state), for {@link #setStates}. */
    public record StateChange(UUID id, ExecutionState state, FailureReason reason) {
    }

    /** {@link #setState} for several executions in one batch (one round trip). */
    public void setStates(Connection c, List<StateChange> changes) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE executions SET state = ?, failure_reason = ?, " + RUNNING_AT + ", "
                        + ACKNOWLEDGED_AT + ", updated_at = now() WHERE id = ?")) {
            for (StateChange change : changes) {
                update.setString(1, change.state().name());
                if (change.reason() == null) {
                    update.setNull(2, Types.VARCHAR);
                } else {
                    update.setString(2, change.reason().name());
                }
                update.setString(3, change.state().name());
                update.setString(4, change.state().name());
                update.setObject(5, change.id());
                update.addBatch();
            }
            update.executeBatch();
        }
    }


    /** Names the worker that holds the attempt (Ray mode: learnt from the agent's RUNNING report). */
    public void setWorker(Connection c, UUID id, String workerId) throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE executions SET worker_id = ?, updated_at = now() WHERE id = ?")) {
            update.setString(1, workerId);
            update.setObject(2, id);
            update.executeUpdate();
        }
    }

    /** Back to the queue with the same attempt and its old place: the worker refused it before starting it. */
    public void unassign(Connection c, UUID id) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE executions SET state = 'QUEUED', worker_id = NULL, "
                + "assigned_at = NULL, running_at = NULL, acknowledged_at = NULL, updated_at = now() WHERE id = ?")) {
            update.setObject(1, id);
            update.executeUpdate();
        }
    }

    /** Back to the queue with a new attempt: the worker no longer holds it. */
    public void requeue(Connection c, UUID id, int newAttempt) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE executions SET state = 'QUEUED', attempt = ?, "
                + "worker_id = NULL, assigned_at = NULL, running_at = NULL, acknowledged_at = NULL, queued_at = now(), "
                + "updated_at = now() "
                + "WHERE id = ?")) {
            update.setInt(1, newAttempt);
            update.setObject(2, id);
            update.executeUpdate();
        }
    }

    /** Any other state change of the current attempt (RUNNING, terminal states). */
    public void setState(Connection c, UUID id, ExecutionState state, FailureReason reason) throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE executions SET state = ?, failure_reason = ?, " + RUNNING_AT + ", "
                        + ACKNOWLEDGED_AT + ", updated_at = now() WHERE id = ?")) {
            update.setString(1, state.name());
            if (reason == null) {
                update.setNull(2, Types.VARCHAR);
            } else {
                update.setString(2, reason.name());
            }
            update.setString(3, state.name());
            update.setString(4, state.name());
            update.setObject(5, id);
            update.executeUpdate();
        }
    }

    public void markCancelRequested(Connection c, UUID id) throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE executions SET cancel_requested = true, updated_at = now() WHERE id = ?")) {
            update.setObject(1, id);
            update.executeUpdate();
        }
    }

    private static String json(Object value) {
        try {
            return Json.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}