package io.rgrid.api.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.rgrid.model.Json;
import io.rgrid.model.event.CostSnapshot;
import io.rgrid.model.event.ExecutionWaiting;
import io.rgrid.model.event.GridCapacityChanged;
import io.rgrid.model.event.MachineType;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerLifecycleChanged;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The read model of {@code rgrid.cluster.v1}: workers, wait reasons, the latest cost snapshot, the
 * grid's machine types.
 * Every upsert keeps the newer fact: an event that occurred before the stored one changes nothing,
 * so redelivery and reordering are harmless.
 */
@Singleton
public class ClusterRepository {

    private static final TypeReference<Map<String, Double>> PER_WORKER = new TypeReference<>() {
    };
    private static final TypeReference<List<MachineType>> MACHINE_TYPES = new TypeReference<>() {
    };

    public record WorkerRow(String workerId, String state, String provider, String serverType, Instant createdAt,
                            double hourlyPriceEur, String detail, Instant updatedAt) {
    }

    public record WaitRow(UUID executionId, String reason, Integer etaSeconds, String detail, Instant updatedAt) {
    }

    public record CostRow(Instant at, double totalEur, Map<String, Double> perWorkerEur) {
    }

    /** A worker's latest heartbeat: {@code running} attempts in its {@code slots}. */
    public record HeartbeatRow(String workerId, Instant at, int slots, int running, double freeCpus, int freeMemoryMb,
                               boolean draining, String runtime, String agentVersion) {
    }

    /** Queue depth at one sample time. */
    public record QueueSample(Instant at, int queued, int assigned, int running) {
    }

    /** The grid's running cost total at the end of a UTC day (the highest seen that day). */
    public record CostDay(LocalDate day, double totalEur, Instant at) {
    }

    public void upsertWorker(Connection c, WorkerLifecycleChanged e, Instant occurredAt) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.workers AS w (worker_id, state, provider, server_type, "
                + "created_at, hourly_price_eur, detail, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (worker_id) DO UPDATE SET state = EXCLUDED.state, provider = COALESCE(EXCLUDED.provider, w.provider), "
                + "server_type = COALESCE(EXCLUDED.server_type, w.server_type), created_at = COALESCE(EXCLUDED.created_at, w.created_at), "
                + "hourly_price_eur = EXCLUDED.hourly_price_eur, detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at "
                + "WHERE w.updated_at <= EXCLUDED.updated_at")) {
            st.setString(1, e.workerId());
            st.setString(2, e.state() == null ? "UNKNOWN" : e.state().name());
            st.setString(3, e.provider());
            st.setString(4, e.serverType());
            st.setTimestamp(5, ts(e.createdAt()));
            st.setDouble(6, e.hourlyPriceEur());
            st.setString(7, e.detail());
            st.setTimestamp(8, ts(occurredAt));
            st.executeUpdate();
        }
    }

    public void upsertWait(Connection c, ExecutionWaiting e, Instant occurredAt) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.execution_waits AS w (execution_id, reason, eta_seconds, "
                + "detail, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (execution_id) DO UPDATE SET reason = EXCLUDED.reason, "
                + "eta_seconds = EXCLUDED.eta_seconds, detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at "
                + "WHERE w.updated_at <= EXCLUDED.updated_at")) {
            st.setObject(1, e.executionId());
            st.setString(2, e.reason() == null ? "UNKNOWN" : e.reason().name());
            if (e.etaSeconds() == null) {
                st.setNull(3, Types.INTEGER);
            } else {
                st.setInt(3, e.etaSeconds());
            }
            st.setString(4, e.detail());
            st.setTimestamp(5, ts(occurredAt));
            st.executeUpdate();
        }
    }

    public void upsertHeartbeat(Connection c, WorkerHeartbeat e, Instant occurredAt) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.worker_heartbeats AS h (worker_id, at, slots, running, "
                + "free_cpus, free_memory_mb, draining, runtime, agent_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (worker_id) DO UPDATE SET at = EXCLUDED.at, slots = EXCLUDED.slots, running = EXCLUDED.running, "
                + "free_cpus = EXCLUDED.free_cpus, free_memory_mb = EXCLUDED.free_memory_mb, draining = EXCLUDED.draining, "
                + "runtime = EXCLUDED.runtime, agent_version = EXCLUDED.agent_version WHERE h.at <= EXCLUDED.at")) {
            st.setString(1, e.workerId());
            st.setTimestamp(2, ts(occurredAt));
            st.setInt(3, e.slots());
            st.setInt(4, e.running().size());
            st.setDouble(5, e.freeCpus());
            st.setInt(6, e.freeMemoryMb());
            st.setBoolean(7, e.draining());
            st.setString(8, e.runtime());
            st.setString(9, e.agentVersion());
            st.executeUpdate();
        }
    }

    public Map<String, HeartbeatRow> heartbeats(Connection c) throws SQLException {
        Map<String, HeartbeatRow> out = new HashMap<>();
        try (PreparedStatement st = c.prepareStatement("SELECT worker_id, at, slots, running, free_cpus, free_memory_mb, draining, "
                + "runtime, agent_version FROM api.worker_heartbeats");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), new HeartbeatRow(rs.getString(1), instant(rs, 2), rs.getInt(3), rs.getInt(4),
                        rs.getDouble(5), rs.getInt(6), rs.getBoolean(7), rs.getString(8), rs.getString(9)));
            }
        }
        return out;
    }

    /**
     * Stores one queue sample: a row for the whole grid (project {@code *}) and one per project with
     * active executions. A sample time another instance already wrote is left as it is.
     */
    public void insertQueueSample(Connection c, Instant at) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.queue_samples (at, project_id, queued, assigned, running) "
                + "SELECT ?, p, q, a, r FROM ("
                + " SELECT '*' AS p, count(*) FILTER (WHERE state = 'QUEUED') AS q, count(*) FILTER (WHERE state = 'ASSIGNED') AS a,"
                + " count(*) FILTER (WHERE state = 'RUNNING') AS r FROM api.executions WHERE state IN ('QUEUED', 'ASSIGNED', 'RUNNING')"
                + " UNION ALL"
                + " SELECT project_id, count(*) FILTER (WHERE state = 'QUEUED'), count(*) FILTER (WHERE state = 'ASSIGNED'),"
                + " count(*) FILTER (WHERE state = 'RUNNING') FROM api.executions WHERE state IN ('QUEUED', 'ASSIGNED', 'RUNNING')"
                + " GROUP BY project_id) s ON CONFLICT (at, project_id) DO NOTHING")) {
            st.setTimestamp(1, ts(at));
            st.executeUpdate();
        }
    }

    /** Samples since {@code since}, oldest first, for one project or (null) the whole grid; zero where the project had none. */
    public List<QueueSample> queueSamples(Connection c, String projectId, Instant since) throws SQLException {
        List<QueueSample> out = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("SELECT g.at, COALESCE(p.queued, 0), COALESCE(p.assigned, 0), "
                + "COALESCE(p.running, 0) FROM api.queue_samples g LEFT JOIN api.queue_samples p ON p.at = g.at AND p.project_id = ? "
                + "WHERE g.project_id = '*' AND g.at >= ? ORDER BY g.at")) {
            st.setString(1, projectId == null ? "*" : projectId);
            st.setTimestamp(2, ts(since));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new QueueSample(instant(rs, 1), rs.getInt(2), rs.getInt(3), rs.getInt(4)));
                }
            }
        }
        return out;
    }

    public int deleteQueueSamplesBefore(Connection c, Instant before) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("DELETE FROM api.queue_samples WHERE at < ?")) {
            st.setTimestamp(1, ts(before));
            return st.executeUpdate();
        }
    }

    /** Per UTC day, the highest running total seen, oldest first; starting the day before {@code since} (to diff against). */
    public List<CostDay> costDays(Connection c, LocalDate since) throws SQLException {
        List<CostDay> out = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("SELECT day, total_eur, at FROM api.cost_days WHERE day >= "
                + "COALESCE((SELECT max(day) FROM api.cost_days WHERE day < ?), ?) ORDER BY day")) {
            st.setObject(1, since);
            st.setObject(2, since);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new CostDay(rs.getObject(1, LocalDate.class), rs.getDouble(2), instant(rs, 3)));
                }
            }
        }
        return out;
    }

    public void upsertCost(Connection c, CostSnapshot e, Instant occurredAt) throws SQLException {
        Instant at = e.at() == null ? occurredAt : e.at();
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.cost_days AS d (day, total_eur, at) VALUES (?, ?, ?) "
                + "ON CONFLICT (day) DO UPDATE SET total_eur = EXCLUDED.total_eur, at = EXCLUDED.at WHERE d.at <= EXCLUDED.at")) {
            st.setObject(1, LocalDate.ofInstant(at, ZoneOffset.UTC));
            st.setDouble(2, e.totalEur());
            st.setTimestamp(3, ts(at));
            st.executeUpdate();
        }
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.cost_snapshot AS s (id, at, total_eur, per_worker_eur) "
                + "VALUES ('cluster', ?, ?, ?::jsonb) ON CONFLICT (id) DO UPDATE SET at = EXCLUDED.at, total_eur = EXCLUDED.total_eur, "
                + "per_worker_eur = EXCLUDED.per_worker_eur WHERE s.at <= EXCLUDED.at")) {
            st.setTimestamp(1, ts(at));
            st.setDouble(2, e.totalEur());
            st.setString(3, Json.mapper().writeValueAsString(e.perWorkerEur()));
            st.executeUpdate();
        } catch (JsonProcessingException ex) {
            throw new SQLException("cannot encode cost per worker: " + ex.getMessage(), ex);
        }
    }

    /** Keeps the newer of the stored and the published machine types. */
    public void upsertCapacity(Connection c, GridCapacityChanged e, Instant occurredAt) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("INSERT INTO api.grid_capacity AS g (id, provider, machine_types, at) "
                + "VALUES ('grid', ?, ?::jsonb, ?) ON CONFLICT (id) DO UPDATE SET provider = EXCLUDED.provider, "
                + "machine_types = EXCLUDED.machine_types, at = EXCLUDED.at WHERE g.at <= EXCLUDED.at")) {
            st.setString(1, e.provider() == null ? "" : e.provider());
            st.setString(2, Json.mapper().writeValueAsString(e.machineTypes()));
            st.setTimestamp(3, ts(occurredAt));
            st.executeUpdate();
        } catch (JsonProcessingException ex) {
            throw new SQLException("cannot encode machine types: " + ex.getMessage(), ex);
        }
    }

    /** The grid's machine types as last published; empty when none were (then nothing is refused). */
    public List<MachineType> machineTypes(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT machine_types FROM api.grid_capacity WHERE id = 'grid'");
             ResultSet rs = st.executeQuery()) {
            return rs.next() ? Json.mapper().readValue(rs.getString(1), MACHINE_TYPES) : List.of();
        } catch (JsonProcessingException ex) {
            throw new SQLException("cannot decode machine types: " + ex.getMessage(), ex);
        }
    }

    public List<WorkerRow> workers(Connection c, boolean includeDeleted) throws SQLException {
        List<WorkerRow> out = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("SELECT worker_id, state, provider, server_type, created_at, hourly_price_eur, "
                + "detail, updated_at FROM api.workers" + (includeDeleted ? "" : " WHERE state <> 'DELETED'") + " ORDER BY worker_id");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.add(new WorkerRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), instant(rs, 5),
                        rs.getDouble(6), rs.getString(7), instant(rs, 8)));
            }
        }
        return out;
    }

    public Optional<WaitRow> waitOf(Connection c, UUID executionId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT execution_id, reason, eta_seconds, detail, updated_at FROM api.execution_waits WHERE execution_id = ?")) {
            st.setObject(1, executionId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int eta = rs.getInt(3);
                Integer etaSeconds = rs.wasNull() ? null : eta;
                return Optional.of(new WaitRow(rs.getObject(1, UUID.class), rs.getString(2), etaSeconds, rs.getString(4),
                        instant(rs, 5)));
            }
        }
    }

    public Optional<CostRow> cost(Connection c) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT at, total_eur, per_worker_eur FROM api.cost_snapshot WHERE id = 'cluster'");
             ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new CostRow(instant(rs, 1), rs.getDouble(2), Json.mapper().readValue(rs.getString(3), PER_WORKER)));
            } catch (JsonProcessingException e) {
                throw new SQLException("unreadable cost snapshot: " + e.getMessage(), e);
            }
        }
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
