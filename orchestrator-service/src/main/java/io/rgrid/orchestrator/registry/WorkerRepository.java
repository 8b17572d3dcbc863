package io.rgrid.orchestrator.registry;

import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.model.event.WorkerState;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for {@code workers}; every method runs in the caller's transaction. */
@ApplicationScoped
public class WorkerRepository {

    private static final String COLUMNS = "id, provider, provider_handle, server_type, hourly_price_eur, address, "
            + "token, state, state_detail, slots, free_cpus, free_memory_mb, total_cpus, total_memory_mb, runtime, "
            + "agent_version, created_at, last_heartbeat_at, deleted_at";

    /** Records a worker about to be created (or a configured static one); @return false if it existed. */
    public boolean insert(Connection c, WorkerRecord worker) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO workers (id, provider, provider_handle, "
                + "server_type, hourly_price_eur, address, token, state, state_detail, created_at, updated_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()) ON CONFLICT (id) DO NOTHING")) {
            insert.setString(1, worker.id());
            insert.setString(2, worker.provider());
            insert.setString(3, worker.providerHandle());
            insert.setString(4, worker.serverType());
            insert.setDouble(5, worker.hourlyPriceEur());
            insert.setString(6, worker.address());
            insert.setString(7, worker.token());
            insert.setString(8, worker.state().name());
            insert.setString(9, worker.stateDetail());
            insert.setTimestamp(10, Timestamp.from(worker.createdAt()));
            return insert.executeUpdate() == 1;
        }
    }

    /** Refreshes where a configured agent listens and the token it accepts. */
    public void updateEndpoint(Connection c, String id, String address, String token) throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE workers SET address = ?, token = ?, updated_at = now() WHERE id = ?")) {
            update.setString(1, address);
            update.setString(2, token);
            update.setString(3, id);
            update.executeUpdate();
        }
    }

    /** The token a worker's agent was started with (its heartbeats are signed with it), when known. */
    public Optional<String> token(Connection c, String id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT token FROM workers WHERE id = ?")) {
            select.setString(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.ofNullable(rows.getString(1)) : Optional.empty();
            }
        }
    }

    public Optional<WorkerRecord> lock(Connection c, String id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM workers WHERE id = ? FOR UPDATE")) {
            select.setString(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(map(rows)) : Optional.empty();
            }
        }
    }

    /**
     * Reads a worker and holds a share lock on its row until the transaction ends: the dispatcher
     * takes it before recording an assignment, so a concurrent drain (which takes the row's update
     * lock) sees the assignment, or the assignment sees the drain.
     */
    public Optional<WorkerRecord> lockShared(Connection c, String id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM workers WHERE id = ? FOR SHARE")) {
            select.setString(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(map(rows)) : Optional.empty();
            }
        }
    }

    /** Reads a worker without locking it. */
    public Optional<WorkerRecord> find(Connection c, String id) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM workers WHERE id = ?")) {
            select.setString(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(map(rows)) : Optional.empty();
            }
        }
    }

    /** Workers that still exist or are coming (everything but DELETED), oldest first. */
    public List<WorkerRecord> live(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(
                "SELECT " + COLUMNS + " FROM workers WHERE state <> 'DELETED' ORDER BY created_at, id")) {
            return list(select);
        }
    }

    public List<WorkerRecord> all(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM workers ORDER BY created_at, id")) {
            return list(select);
        }
    }

    /**
     * READY/DRAINING workers silent for longer than {@code lostAfter}, PROVISIONING ones created
     * longer than {@code bootTimeout} ago: on the database's clock, like the heartbeat times.
     */
    private static final String SILENT = "((state IN ('READY', 'DRAINING') "
            + "AND coalesce(last_heartbeat_at, created_at) < now() - make_interval(secs => ?)) "
            + "OR (state = 'PROVISIONING' AND created_at < now() - make_interval(secs => ?)))";

    /** The database's clock: every age the health monitor uses is measured on it. */
    public Instant now(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT now()");
             ResultSet rows = select.executeQuery()) {
            rows.next();
            return rows.getTimestamp(1).toInstant();
        }
    }

    /** Workers silent for longer than {@code lostAfter} (booting for longer than {@code bootTimeout}). */
    public List<WorkerRecord> silent(Connection c, Duration lostAfter, Duration bootTimeout) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM workers WHERE " + SILENT)) {
            bindSilence(select, 1, lostAfter, bootTimeout);
            return list(select);
        }
    }

    /** Locks the worker if it is still silent (no heartbeat arrived since it was found silent). */
    public Optional<WorkerRecord> lockIfSilent(Connection c, String id, Duration lostAfter, Duration bootTimeout)
            throws SQLException {
        try (PreparedStatement select = c.prepareStatement(
                "SELECT " + COLUMNS + " FROM workers WHERE id = ? AND " + SILENT + " FOR UPDATE")) {
            select.setString(1, id);
            bindSilence(select, 2, lostAfter, bootTimeout);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(map(rows)) : Optional.empty();
            }
        }
    }

    private static void bindSilence(PreparedStatement select, int first, Duration lostAfter, Duration bootTimeout)
            throws SQLException {
        select.setDouble(first, lostAfter.toMillis() / 1000.0);
        select.setDouble(first + 1, bootTimeout.toMillis() / 1000.0);
    }

    /**
     * Stores what a heartbeat says; capacity is free + what the attempts it holds reserve. Never
     * its address: a worker's address comes from its provider (the server it created, the port it
     * started the agent on) or its configuration, so a heartbeat cannot send work and the worker's
     * token elsewhere (docs/security.md).
     *
     * @return the time it was applied, on the database's clock
     */
    public Instant recordHeartbeat(Connection c, WorkerHeartbeat heartbeat, double totalCpus, int totalMemoryMb)
            throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE workers SET "
                + "slots = ?, free_cpus = ?, free_memory_mb = ?, total_cpus = ?, total_memory_mb = ?, runtime = ?, "
                + "agent_version = ?, last_heartbeat_at = now(), updated_at = now() WHERE id = ? RETURNING now()")) {
            update.setInt(1, heartbeat.slots());
            update.setDouble(2, heartbeat.freeCpus());
            update.setInt(3, heartbeat.freeMemoryMb());
            update.setDouble(4, totalCpus);
            update.setInt(5, totalMemoryMb);
            update.setString(6, heartbeat.runtime());
            update.setString(7, heartbeat.agentVersion());
            update.setString(8, heartbeat.workerId());
            try (ResultSet rows = update.executeQuery()) {
                return rows.next() ? rows.getTimestamp(1).toInstant() : now(c);
            }
        }
    }

    /**
     * Moves the row to {@code state}. A DELETED row gets its {@code deleted_at}: {@code deletedAt}
     * (the provider's time of the deletion, on the clock of {@code created_at}) when given, else now.
     */
    public void setState(Connection c, String id, WorkerState state, String detail, Instant deletedAt)
            throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE workers SET state = ?, state_detail = ?, updated_at = now(), deleted_at = "
                        + "CASE WHEN ? THEN coalesce(deleted_at, ?, now()) ELSE NULL END WHERE id = ?")) {
            update.setString(1, state.name());
            update.setString(2, detail);
            update.setBoolean(3, state == WorkerState.DELETED);
            update.setTimestamp(4, deletedAt == null ? null : Timestamp.from(deletedAt));
            update.setString(5, id);
            update.executeUpdate();
        }
    }

    /** What the provider said once the server exists. */
    public void recordProvisioned(Connection c, String id, String handle, String address, String serverType,
                                  double hourlyPriceEur, Instant createdAt) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE workers SET provider_handle = ?, "
                + "address = coalesce(?, address), server_type = ?, hourly_price_eur = ?, created_at = ?, "
                + "updated_at = now() WHERE id = ?")) {
            update.setString(1, handle);
            update.setString(2, address);
            update.setString(3, serverType);
            update.setDouble(4, hourlyPriceEur);
            update.setTimestamp(5, Timestamp.from(createdAt));
            update.setString(6, id);
            update.executeUpdate();
        }
    }

    private static List<WorkerRecord> list(PreparedStatement select) throws SQLException {
        List<WorkerRecord> out = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                out.add(map(rows));
            }
        }
        return out;
    }

    private static WorkerRecord map(ResultSet rows) throws SQLException {
        Timestamp heartbeat = rows.getTimestamp("last_heartbeat_at");
        Timestamp deleted = rows.getTimestamp("deleted_at");
        return new WorkerRecord(
                rows.getString("id"),
                rows.getString("provider"),
                rows.getString("provider_handle"),
                rows.getString("server_type"),
                rows.getDouble("hourly_price_eur"),
                rows.getString("address"),
                rows.getString("token"),
                WorkerState.valueOf(rows.getString("state")),
                rows.getString("state_detail"),
                rows.getInt("slots"),
                rows.getDouble("free_cpus"),
                rows.getInt("free_memory_mb"),
                rows.getDouble("total_cpus"),
                rows.getInt("total_memory_mb"),
                rows.getString("runtime"),
                rows.getString("agent_version"),
                rows.getTimestamp("created_at").toInstant(),
                heartbeat == null ? null : heartbeat.toInstant(),
                deleted == null ? null : deleted.toInstant());
    }
}
