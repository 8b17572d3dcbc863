package io.rgrid.api.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.service.SubmittedEvents;
import io.rgrid.api.outbox.OutboxWriter;
import io.rgrid.api.reconcile.ReconcileCandidates.Candidate;
import io.rgrid.api.reconcile.ReconcileCandidates.Position;
import io.rgrid.api.reconcile.ReconcileDecision.Repair;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.outbox.OutboxRelay;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Repairs executions whose submission never reached the orchestrator (an event that outlived
 * Kafka's retention, a topic lost): every {@code rgrid.api.reconcile.interval}, one round compares
 * at most {@code batch-size} executions that are non-terminal here and older than {@code grace}
 * with the orchestrator's copies ({@code POST /v1/executions/known}) and, as
 * {@link ReconcileDecision} says, writes their {@code ExecutionSubmitted} again into the outbox
 * (the same event, which the orchestrator applies idempotently by id), followed by their cancel
 * when one was requested. Each repair is logged at INFO and counted in
 * {@code rgrid_reconcile_repairs_total{kind}}.
 *
 * <p>A round is one transaction holding an advisory lock, so of several api-service instances
 * one runs it and the others skip it; the orchestrator unreachable, the round repairs nothing.
 * Rounds go on from where the last one stopped and start over after a short batch.
 */
@Singleton
public class Reconciliation {

    private static final Logger LOG = Logger.getLogger(Reconciliation.class);

    /** What one round did. */
    public record Round(boolean ran, int compared, List<Repaired> repaired) {
        static final Round SKIPPED = new Round(false, 0, List.of());
    }

    /** One execution the round repaired or could not. */
    public record Repaired(UUID id, Repair repair) {
    }

    private final Transactions tx;
    private final ReconcileCandidates candidates;
    private final ExecutionRepository executions;
    private final OrchestratorExecutions orchestrator;
    private final OutboxWriter outbox;
    private final OutboxRelay relay;
    private final MeterRegistry meters;
    private final RgridConfig.Reconcile config;
    private volatile Position position = Position.START;

    Reconciliation(Transactions tx, ReconcileCandidates candidates, ExecutionRepository executions,
                   OrchestratorExecutions orchestrator, OutboxWriter outbox, OutboxRelay relay, MeterRegistry meters,
                   RgridConfig config) {
        this.tx = tx;
        this.candidates = candidates;
        this.executions = executions;
        this.orchestrator = orchestrator;
        this.outbox = outbox;
        this.relay = relay;
        this.meters = meters;
        this.config = config.api().reconcile();
    }

    /** Scheduled after ConfigCheck has refused a non-positive interval; the first round one interval after the start. */
    void onStart(@Observes StartupEvent event, Scheduler scheduler) {
        String interval = config.interval().toString();
        scheduler.newJob("rgrid-reconcile")
                .setInterval(interval)
                .setDelayed(interval)
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> runQuietly())
                .schedule();
    }

    private void runQuietly() {
        try {
            round();
        } catch (RuntimeException e) {
            // Nothing was written; the next round compares the same executions again.
            LOG.warnf("reconciliation round failed, nothing repaired: %s", e.getMessage());
        }
    }

    /** One round now; what it compared and repaired (committed when it returns). */
    public Round round() {
        Round round = tx.inTransaction(this::compareAndRepair);
        for (Repaired r : round.repaired()) {
            report(r);
        }
        if (round.repaired().stream().anyMatch(r -> r.repair().metricKind() != null)) {
            relay.wake();
        }
        return round;
    }

    private Round compareAndRepair(Connection c) throws SQLException {
        if (!candidates.tryLock(c)) {
            return Round.SKIPPED;
        }
        List<Candidate> batch = candidates.after(c, position, config.grace(), config.batchSize());
        if (batch.isEmpty()) {
            position = Position.START;
            return new Round(true, 0, List.of());
        }
        List<UUID> ids = batch.stream().map(Candidate::id).toList();
        List<ExecutionRecord> rows = executions.findAll(c, ids);
        Map<UUID, Integer> known;
        try {
            known = orchestrator.known(ids);
        } catch (IOException e) {
            throw new UncheckedIOException("the orchestrator (" + orchestrator.uri() + ") did not answer: " + e.getMessage(), e);
        }
        List<Repaired> repaired = new ArrayList<>();
        for (ExecutionRecord read : rows) {
            if (decide(read, known) != Repair.NONE) {
                repair(c, read, known).ifPresent(repaired::add);
            }
        }
        Candidate last = batch.getLast();
        position = batch.size() < config.batchSize() ? Position.START : new Position(last.createdAt(), last.id());
        return new Round(true, batch.size(), repaired);
    }

    private static Repair decide(ExecutionRecord row, Map<UUID, Integer> known) {
        return ReconcileDecision.decide(row.state(), row.attempt(), row.cancelRequestedAt() != null,
                known.containsKey(row.id()));
    }

    /**
     * Locks the row and decides again on what it holds now (a cancel may have come in while the
     * orchestrator was asked); a row whose state or attempt moved meanwhile was reached by a
     * report and is left for the next round.
     */
    private Optional<Repaired> repair(Connection c, ExecutionRecord read, Map<UUID, Integer> known)
            throws SQLException {
        Optional<ExecutionRecord> locked = executions.findForUpdate(c, read.id());
        if (locked.isEmpty() || locked.get().state() != read.state() || locked.get().attempt() != read.attempt()) {
            return Optional.empty();
        }
        ExecutionRecord row = locked.get();
        Repair repair = decide(row, known);
        if (repair == Repair.RESUBMIT || repair == Repair.RESUBMIT_AND_CANCEL) {
            outbox.append(c, SubmittedEvents.of(row));
        }
        if (repair == Repair.RESUBMIT_AND_CANCEL) {
            outbox.append(c, new ExecutionCancelRequested(row.id(), row.projectId(), row.cancelRequestedAt()));
        }
        return repair == Repair.NONE ? Optional.empty() : Optional.of(new Repaired(row.id(), repair));
    }

    private void report(Repaired r) {
        switch (r.repair()) {
            case RESUBMIT -> LOG.infof("reconciliation: execution %s was unknown to the orchestrator (its submission"
                    + " was lost); its ExecutionSubmitted was published again", r.id());
            case RESUBMIT_AND_CANCEL -> LOG.infof("reconciliation: execution %s was unknown to the orchestrator (its"
                    + " submission was lost); its ExecutionSubmitted and its ExecutionCancelRequested were published"
                    + " again", r.id());
            case UNREPAIRABLE -> LOG.warnf("reconciliation: execution %s is past its first QUEUED attempt here but"
                    + " unknown to the orchestrator (its copy was lost, e.g. a database restored from an older"
                    + " backup); not repaired: submit its work again", r.id());
            case NONE -> {
            }
        }
        if (r.repair().metricKind() != null) {
            meters.counter("rgrid.reconcile.repairs", "kind", r.repair().metricKind()).increment();
        } else {
            meters.counter("rgrid.reconcile.unrepaired").increment();
        }
    }
}
