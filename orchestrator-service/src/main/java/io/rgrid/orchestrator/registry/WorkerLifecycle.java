package io.rgrid.orchestrator.registry;

import io.rgrid.model.event.WorkerLifecycleChanged;
import io.rgrid.model.event.WorkerState;
import io.rgrid.orchestrator.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** Worker state changes, each reported as WorkerLifecycleChanged in the caller's transaction. */
@ApplicationScoped
public class WorkerLifecycle {

    @Inject
    WorkerRepository workers;

    @Inject
    OutboxWriter outbox;

    /** Records a worker that is being created (or configured) and reports it; @return false if it was known. */
    public boolean recordNew(Connection c, WorkerRecord worker) throws SQLException {
        if (!workers.insert(c, worker)) {
            return false;
        }
        report(c, worker, worker.state(), worker.stateDetail());
        return true;
    }

    /** Moves {@code worker} to {@code state} and reports it; no-op when it is already there. */
    public void change(Connection c, WorkerRecord worker, WorkerState state, String detail) throws SQLException {
        move(c, worker, state, detail, null);
    }

    /**
     * Moves {@code worker} to DELETED, its server gone since {@code billedUntil} (what the provider's
     * terminate said; empty: now). {@code rgrid cost} counts its periods up to that instant.
     */
    public void deleted(Connection c, WorkerRecord worker, Optional<Instant> billedUntil, String detail)
            throws SQLException {
        move(c, worker, WorkerState.DELETED, detail, billedUntil.orElse(null));
    }

    private void move(Connection c, WorkerRecord worker, WorkerState state, String detail, Instant deletedAt)
            throws SQLException {
        if (worker.state() == state) {
            return;
        }
        workers.setState(c, worker.id(), state, detail, deletedAt);
        report(c, worker, state, detail);
    }

    private void report(Connection c, WorkerRecord worker, WorkerState state, String detail) throws SQLException {
        outbox.append(c, new WorkerLifecycleChanged(worker.id(), state, worker.provider(), worker.serverType(),
                worker.createdAt(), worker.hourlyPriceEur(), detail));
    }
}
