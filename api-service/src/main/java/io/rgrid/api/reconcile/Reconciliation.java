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
import io.rgrid.api.status.StatusDecision;
import io.rgrid.api.status.StatusService;
import io.rgrid.model.api.KnownExecutions;
import io.rgrid.model.event.ExecutionCancelRequested;
import io.rgrid.model.event.ExecutionStatusChanged;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.outbox.OutboxRelay;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Repairs executions whose submission never reached the orchestrator, or whose end never reached
 * the API (an event that outlived Kafka's retention, a topic lost): every
 * {@code rgrid.api.reconcile.interval}, one round compares
 * at most {@code batch-size} executions that are non-terminal here and older than {@code grace}
 * with the orchestrator's copies ({@code POST /v1/executions/known}) and, as
 * {@link ReconcileDecision} says, writes their {@code ExecutionSubmitted} again into the outbox
 * (the same event, which the orchestrator applies idempotently by id), followed by their cancel
 * when one was requested; an execution the orchestrator ended more than {@code grace} ago gets
 * that end applied here ({@link #applyEnd}). Each repair is logged at INFO and counted in
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

    /** What the round's transaction found: its repairs, and the ends to apply after it (their own transactions). */
    private record Compared(Round round, List<KnownEnd> ends) {
    }

    /** An execution the orchestrator ended long ago, non-terminal here. */
    private record KnownEnd(ExecutionRecord row, KnownExecutions.Ended ended) {
    }

    /** One execution the round repaired or could not. */
    public record Repaired(UUID id, Repair repair) {
    }

    /** {@code reportedBy} of the ends the reconciliation applies (the transitions show it). */
    static final String REPORTED_BY = "reconciliation";

    private final Transactions tx;
    private final ReconcileCandidates candidates;
    private final ExecutionRepository executions;
    private final OrchestratorExecutions orchestrator;
    private final OutboxWriter outbox;
    private final OutboxRelay relay;
    private final StatusService status;
    private final MeterRegistry meters;
    private final RgridConfig.Reconcile config;
    private volatile Position position = Position.START;

    Reconciliation(Transactions tx, ReconcileCandidates candidates, ExecutionRepository executions,
                   OrchestratorExecutions orchestrator, OutboxWriter outbox, OutboxRelay relay, StatusService status,
                   MeterRegistry meters, RgridConfig config) {
        this.tx = tx;
        this.candidates = candidates;
        this.executions = executions;
        this.orchestrator = orchestrator;
        this.outbox = outbox;
        this.relay = relay;
        this.status = status;
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
        Compared compared = tx.inTransaction(this::compareAndRepair);
        List<Repaired> repaired = new ArrayList<>(compared.round().repaired());
        for (KnownEnd end : compared.ends()) {
            applyEnd(end).ifPresent(repaired::add);
        }
        Round round = new Round(compared.round().ran(), compared.round().compared(), List.copyOf(repaired));
        for (Repaired r : round.repaired()) {
            report(r);
        }
        if (round.repaired().stream().anyMatch(r -> r.repair().metricKind() != null)) {
            relay.wake();
        }
        return round;
    }

    private Compared compareAndRepair(Connection c) throws SQLException {
        if (!candidates.tryLock(c)) {
            return new Compared(Round.SKIPPED, List.of());
        }
        List<Candidate> batch = candidates.after(c, position, config.grace(), config.batchSize());
        if (batch.isEmpty()) {
            position = Position.START;
            return new Compared(new Round(true, 0, List.of()), List.of());
        }
        List<UUID> ids = batch.stream().map(Candidate::id).toList();
        List<ExecutionRecord> rows = executions.findAll(c, ids);
        KnownExecutions.Answer known;
        try {
            known = orchestrator.known(ids);
        } catch (IOException e) {
            throw new UncheckedIOException("the orchestrator (" + orchestrator.uri() + ") did not answer: " + e.getMessage(), e);
        }
        Instant settledBefore = Instant.now().minus(config.grace());
        List<Repaired> repaired = new ArrayList<>();
        List<KnownEnd> ends = new ArrayList<>();
        for (ExecutionRecord read : rows) {
            Repair repair = decide(read, known, settledBefore);
            if (repair == Repair.APPLY_END) {
                ends.add(new KnownEnd(read, known.ended().get(read.id())));
            } else if (repair != Repair.NONE) {
                repair(c, read, known, settledBefore).ifPresent(repaired::add);
            }
        }
        Candidate last = batch.getLast();
        position = batch.size() < config.batchSize() ? Position.START : new Position(last.createdAt(), last.id());
        return new Compared(new Round(true, batch.size(), repaired), ends);
    }

    private static Repair decide(ExecutionRecord row, KnownExecutions.Answer known, Instant settledBefore) {
        return ReconcileDecision.decide(row.state(), row.attempt(), row.cancelRequestedAt() != null,
                known.known().containsKey(row.id()), known.ended().get(row.id()), settledBefore);
    }

    /**
     * Applies the orchestrator's end as a status report of the reconciliation's own, through the
     * same state machine as every report (its own transaction, after the round's: the row is
     * decided on again there, so a report that arrived meanwhile wins and nothing is applied).
     */
    private Optional<Repaired> applyEnd(KnownEnd end) {
        KnownExecutions.Ended ended = end.ended();
        String message = "reconciled: the orchestrator ended attempt " + ended.attempt() + " as " + ended.state()
                + (ended.workerId() == null ? "" : " on " + ended.workerId()) + " at " + ended.at()
                + ", and that report never reached the API; its exit code and log length are not known";
        ExecutionStatusChanged report = new ExecutionStatusChanged(end.row().id(), ended.attempt(), ended.state(),
                ended.workerId(), null, ended.reason(), message, REPORTED_BY, ended.at());
        try {
            return status.apply(report).filter(d -> d instanceof StatusDecision.Apply)
                    .map(d -> new Repaired(end.row().id(), Repair.APPLY_END));
        } catch (RuntimeException e) {
            // The database failed this one: the next round finds it again; the others still go.
            LOG.warnf("reconciliation: could not apply the end of execution %s: %s", end.row().id(), e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Locks the row and decides again on what it holds now (a cancel may have come in while the
     * orchestrator was asked); a row whose state or attempt moved meanwhile was reached by a
     * report and is left for the next round.
     */
    private Optional<Repaired> repair(Connection c, ExecutionRecord read, KnownExecutions.Answer known,
                                      Instant settledBefore) throws SQLException {
        Optional<ExecutionRecord> locked = executions.findForUpdate(c, read.id());
        if (locked.isEmpty() || locked.get().state() != read.state() || locked.get().attempt() != read.attempt()) {
            return Optional.empty();
        }
        ExecutionRecord row = locked.get();
        Repair repair = decide(row, known, settledBefore);
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
            case APPLY_END -> LOG.infof("reconciliation: execution %s had ended in the orchestrator but not here (its"
                    + " report never reached the API); its end was applied", r.id());
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
