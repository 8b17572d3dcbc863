package io.rgrid.orchestrator.queue;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import io.rgrid.model.api.KnownExecutions;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * SQL about the executions workers hold (ASSIGNED or RUNNING): the attempts a heartbeat is checked
 * against, what they reserve per worker, their acknowledgements and their deadlines. The queue's
 * own statements are {@link ExecutionRepository}. Every method runs in the caller's transaction.
 */
@ApplicationScoped
public class HeldExecutions {

    /** Executions a worker holds according to the orchestrator (ASSIGNED or RUNNING). */
    public List<ExecutionRecord> onWorker(Connection c, String workerId) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + ExecutionRows.COLUMNS
                + " FROM executions WHERE worker_id = ? AND state IN ('ASSIGNED', 'RUNNING') ORDER BY id")) {
            select.setString(1, workerId);
            return ExecutionRows.list(select);
        }
    }

    /**
     * An attempt the orchestrator records on a worker, without its spec: what a heartbeat is checked
     * against. {@code acknowledgedAt} is null while the agent has not acknowledged it.
     */
    public record HeldAttempt(UUID id, int attempt, Instant acknowledgedAt) {
    }

    /** {@link #onWorker} without specs or keys: one light row per attempt, for every heartbeat. */
    public List<HeldAttempt> attemptsOnWorker(Connection c, String workerId) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT id, attempt, acknowledged_at FROM executions "
                + "WHERE worker_id = ? AND state IN ('ASSIGNED', 'RUNNING') ORDER BY id")) {
            select.setString(1, workerId);
            List<HeldAttempt> out = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    out.add(new HeldAttempt(rows.getObject(1, UUID.class), rows.getInt(2),
                            ExecutionRows.instant(rows.getTimestamp(3))));
                }
            }
            return out;
        }
    }

    /**
     * What the given executions reserve, summed in the database (cpus and memory of their specs;
     * unknown ids add nothing): one statement however many a heartbeat lists.
     */
    public Held reservedBy(Connection c, Collection<UUID> ids) throws SQLException {
        if (ids.isEmpty()) {
            return Held.NONE;
        }
        try (PreparedStatement select = c.prepareStatement("SELECT count(*), "
                + "coalesce(sum((spec->>'cpus')::float8), 0), coalesce(sum((spec->>'memoryMb')::int), 0) "
                + "FROM executions WHERE id = ANY(?::uuid[])")) {
            select.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return new Held(rows.getInt(1), rows.getDouble(2), rows.getInt(3));
            }
        }
    }

    /** The current attempt of each given execution the orchestrator knows (unknown ids are left out). */
    public Map<UUID, Integer> currentAttempts(Connection c, Collection<UUID> ids) throws SQLException {
        Map<UUID, Integer> out = new HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        try (PreparedStatement select = c.prepareStatement("SELECT id, attempt FROM executions WHERE id = ANY(?::uuid[])")) {
            select.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    out.put(rows.getObject(1, UUID.class), rows.getInt(2));
                }
            }
        }
        return out;
    }

    /**
     * {@code POST /v1/executions/known}'s answer: the current attempt of each given execution this
     * orchestrator knows, and how each of those in a terminal state ended.
     */
    public KnownExecutions.Answer known(Connection c, Collection<UUID> ids) throws SQLException {
        Map<UUID, Integer> known = new HashMap<>();
        Map<UUID, KnownExecutions.Ended> ended = new HashMap<>();
        if (ids.isEmpty()) {
            return new KnownExecutions.Answer(known, ended);
        }
        try (PreparedStatement select = c.prepareStatement("SELECT id, attempt, state, failure_reason, worker_id, "
                + "updated_at FROM executions WHERE id = ANY(?::uuid[])")) {
            select.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    UUID id = rows.getObject(1, UUID.class);
                    int attempt = rows.getInt(2);
                    known.put(id, attempt);
                    ExecutionState state = ExecutionState.valueOf(rows.getString(3));
                    if (state.isTerminal()) {
                        ended.put(id, new KnownExecutions.Ended(state, attempt, reason(rows.getString(4)),
                                rows.getString(5), rows.getTimestamp(6).toInstant()));
                    }
                }
            }
        }
        return new KnownExecutions.Answer(known, ended);
    }

    /** A recorded failure reason; one this version does not know is left out rather than failing the answer. */
    private static FailureReason reason(String recorded) {
        if (recorded == null) {
            return null;
        }
        try {
            return FailureReason.valueOf(recorded);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Executions recorded as assigned whose worker has not reported RUNNING yet. */
    public List<ExecutionRecord> assigned(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + ExecutionRows.COLUMNS
                + " FROM executions WHERE state = 'ASSIGNED' ORDER BY assigned_at, id")) {
            return ExecutionRows.list(select);
        }
    }

    /** Every execution held by some worker, for capacity accounting. */
    public List<ExecutionRecord> allOnWorkers(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + ExecutionRows.COLUMNS
                + " FROM executions WHERE state IN ('ASSIGNED', 'RUNNING')")) {
            return ExecutionRows.list(select);
        }
    }

    /** An attempt on a worker that may be past its deadline, with its ages on the database's clock. */
    public record DeadlineCandidate(ExecutionRecord execution, Duration sinceAssigned, Duration sinceRunning) {
    }

    /**
     * ASSIGNED/RUNNING executions whose {@code timeoutSeconds} plus {@code slack} have passed since
     * their RUNNING report was applied ({@code running_at}), or since their assignment when there
     * was none (a timeout of 0 means none); {@code DeadlineDecision} decides on each.
     */
    public List<DeadlineCandidate> pastTimeout(Connection c, Duration slack) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + ExecutionRows.COLUMNS + ", "
                + "extract(epoch FROM now() - assigned_at) AS since_assigned, "
                + "extract(epoch FROM now() - running_at) AS since_running FROM executions "
                + "WHERE state IN ('ASSIGNED', 'RUNNING') AND assigned_at IS NOT NULL "
                + "AND (spec->>'timeoutSeconds')::int > 0 "
                + "AND coalesce(running_at, assigned_at) + make_interval(secs => (spec->>'timeoutSeconds')::int + ?) "
                + "< now() LIMIT 1000")) {
            select.setDouble(1, slack.toMillis() / 1000.0);
            List<DeadlineCandidate> out = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    double running = rows.getDouble("since_running");
                    Duration sinceRunning = rows.wasNull() ? null : seconds(running);
                    out.add(new DeadlineCandidate(ExecutionRows.map(rows), seconds(rows.getDouble("since_assigned")), sinceRunning));
                }
            }
            return out;
        }
    }

    private static Duration seconds(double value) {
        return Duration.ofMillis(Math.round(value * 1000));
    }

    /** What the executions a worker holds reserve, summed. */
    public record Held(int count, double cpus, int memoryMb) {
        public static final Held NONE = new Held(0, 0, 0);
    }

    /**
     * Per worker, what its ASSIGNED/RUNNING executions reserve, summed in the database: the
     * dispatcher needs only the sums, and with thousands held, reading every row each round
     * would dominate a round.
     */
    public Map<String, Held> heldPerWorker(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT worker_id, count(*), "
                + "coalesce(sum((spec->>'cpus')::float8), 0), coalesce(sum((spec->>'memoryMb')::int), 0) "
                + "FROM executions WHERE state IN ('ASSIGNED', 'RUNNING') AND worker_id IS NOT NULL GROUP BY worker_id");
             ResultSet rows = select.executeQuery()) {
            Map<String, Held> out = new HashMap<>();
            while (rows.next()) {
                out.put(rows.getString(1), new Held(rows.getInt(2), rows.getDouble(3), rows.getInt(4)));
            }
            return out;
        }
    }

    /**
     * Records that the agent acknowledged this attempt (its 2xx to the assignment, or a fence that
     * found it held), when the execution is still on that worker at that attempt and not yet
     * acknowledged; the first acknowledgement's time is kept.
     */
    public void acknowledge(Connection c, UUID id, int attempt, String workerId) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE executions SET acknowledged_at = now() "
                + "WHERE id = ? AND attempt = ? AND worker_id = ? AND state IN ('ASSIGNED', 'RUNNING') "
                + "AND acknowledged_at IS NULL")) {
            update.setObject(1, id);
            update.setInt(2, attempt);
            update.setString(3, workerId);
            update.executeUpdate();
        }
    }

    /** Whether this attempt is still ASSIGNED to that worker and not acknowledged by it. */
    public boolean unacknowledged(Connection c, UUID id, int attempt, String workerId) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT 1 FROM executions WHERE id = ? AND attempt = ? "
                + "AND worker_id = ? AND state = 'ASSIGNED' AND acknowledged_at IS NULL")) {
            select.setObject(1, id);
            select.setInt(2, attempt);
            select.setString(3, workerId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }
}
